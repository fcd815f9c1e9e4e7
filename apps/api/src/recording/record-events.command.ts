import { Command, CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { Inject } from '@nestjs/common';
import type { ParsedEvent } from './envelope';
import { Recorder, type EventResult, type Poster } from './recorder';

export class RecordEvents extends Command<EventResult[]> {
  constructor(readonly items: readonly ParsedEvent[], readonly poster: Poster, readonly requestId?: string) {
    super();
  }
}

/** Dispatch only: the recording rules live in `decide`, the persistence in the store. */
@CommandHandler(RecordEvents)
export class RecordEventsHandler implements ICommandHandler<RecordEvents, EventResult[]> {
  constructor(@Inject(Recorder) private readonly recorder: Recorder) {}

  execute(command: RecordEvents): Promise<EventResult[]> {
    return this.recorder.record(command.items, command.poster, command.requestId);
  }
}
