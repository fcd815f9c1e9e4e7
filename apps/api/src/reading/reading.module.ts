import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { TimelineController } from './timeline/timeline.controller';

@Module({
  imports: [AuditModule],
  controllers: [TimelineController],
})
export class ReadingModule {}
