/**
 * A mistake in how the command was called (a bad flag value, a missing name): exit 2, as for the
 * errors commander finds itself, so scripts can tell "you called me wrong" from "it failed" (1).
 */
export class UsageError extends Error {}

export const EXIT = { ok: 0, failure: 1, usage: 2 } as const;
