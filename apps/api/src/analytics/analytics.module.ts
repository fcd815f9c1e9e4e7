import { Module } from '@nestjs/common';
import { TimeToEventController } from './time-to-event/time-to-event.controller';

@Module({ controllers: [TimeToEventController] })
export class AnalyticsModule {}
