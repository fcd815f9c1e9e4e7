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

export function isoTime(ms: number): string {
  return new Date(ms).toISOString().replace('.000Z', 'Z');
}

export function isoDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}
