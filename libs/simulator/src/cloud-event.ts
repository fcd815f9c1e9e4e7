/** One line of the simulator's NDJSON output: a CloudEvents 1.0 event as imported by `platform`. */
export interface CloudEventJson {
  readonly specversion: '1.0';
  readonly id: string;
  readonly source: string;
  readonly type: string;
  readonly time: string;
  readonly subject: string;
  readonly datacontenttype: 'application/json';
  /** Extension attribute: the agency that reported the fact (CONTRACT.md, importing history). */
  readonly actor: string;
  /** Extension attribute: when the agency's own system learned the fact (CONTRACT.md). */
  readonly recordedtime: string;
  readonly data: Readonly<Record<string, unknown>>;
}

const DAY = 86_400_000;
const dates = new Map<number, string>();

/** `YYYY-MM-DD` of a UTC instant; cached per day because formatting dominated the generator's time. */
export function isoDate(ms: number): string {
  const day = Math.floor(ms / DAY);
  let text = dates.get(day);
  if (text === undefined) {
    if (dates.size > 50_000) dates.clear();
    text = new Date(day * DAY).toISOString().slice(0, 10);
    dates.set(day, text);
  }
  return text;
}

const two = (n: number) => (n < 10 ? `0${n}` : `${n}`);

/** RFC 3339 in UTC to the second (the generator's times are whole seconds). */
export function isoTime(ms: number): string {
  const ofDay = ms - Math.floor(ms / DAY) * DAY;
  const s = Math.floor(ofDay / 1000);
  return `${isoDate(ms)}T${two(Math.floor(s / 3600))}:${two(Math.floor(s / 60) % 60)}:${two(s % 60)}Z`;
}
