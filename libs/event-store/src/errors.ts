export class EventStoreError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

export class WrongExpectedVersionError extends EventStoreError {
  constructor(readonly streamId: string, readonly expected: string, readonly actual: number) {
    super(`stream version is ${actual}, expected ${expected}`);
  }
}

export class DuplicateEventConflictError extends EventStoreError {
  constructor(readonly source: string, readonly eventId: string) {
    super(`an event with this id and source is already stored with different content`);
  }
}

/** An append asked to hold only new events named one that is stored already (`newOnly`). */
export class EventAlreadyStoredError extends EventStoreError {
  constructor() {
    super('an event with this id and source is already stored');
  }
}

export class IdentityConflictError extends EventStoreError {
  constructor(readonly kind: string, readonly ownerStreamId: string) {
    // The identifier value is personal data: it never goes into the message.
    super(`the ${kind} identifier is already linked to another stream`);
  }
}

/**
 * An event's `source` is owned by another actor (CONTRACT.md Amendments v1.1 "A source belongs to
 * one actor"): the first `metadata.actor` to append with a source owns it for good.
 */
export class SourceOwnedError extends EventStoreError {
  constructor() {
    super('this source belongs to another actor');
  }
}
