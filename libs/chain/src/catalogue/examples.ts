import { CATALOGUE } from './catalogue';
import { EVENT_TYPES, type EventDataMap, type EventType } from './events';

/** The event time at which every example below is valid (the programme's end date counts from it). */
export const EXAMPLE_TIME = '2025-03-03T09:00:00+01:00';

/** A valid `data` object per event type, with every field (optional ones too) set to its example. */
export const EXAMPLES: { readonly [T in EventType]: EventDataMap[T] } = Object.freeze(
  Object.fromEntries(
    EVENT_TYPES.map((type) => [
      type,
      Object.freeze(Object.fromEntries(Object.entries(CATALOGUE[type].fields).map(([name, f]) => [name, f.example]))),
    ]),
  ),
) as { readonly [T in EventType]: EventDataMap[T] };
