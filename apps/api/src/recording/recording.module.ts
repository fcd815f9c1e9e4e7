import { Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { KEDJA_RUNTIME } from '../runtime/tokens';
import type { KedjaRuntime } from '../runtime/runtime';
import { EventsController } from './events.controller';
import { EventsIntake } from './events.intake';
import { RecordEventsHandler } from './record-events.command';
import { Recorder } from './recorder';
import { RecordingMetrics } from '../metrics/metrics.service';

@Module({
  imports: [CqrsModule],
  controllers: [EventsController],
  providers: [
    { provide: Recorder, useFactory: (runtime: KedjaRuntime) => new Recorder(runtime.store, runtime.personalData), inject: [KEDJA_RUNTIME] },
    RecordEventsHandler,
    EventsIntake,
    RecordingMetrics,
  ],
})
export class RecordingModule {}
