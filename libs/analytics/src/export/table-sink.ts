export type ColumnType = 'string' | 'int' | 'timestamp' | 'json';

export interface Column {
  readonly name: string;
  readonly type: ColumnType;
  readonly nullable: boolean;
}

export type Cell = string | number | null;

/**
 * Where an export's rows go. Exports describe their columns once with types, then push rows in
 * order; a format only has to encode. A columnar writer (Parquet) builds its schema from
 * `columns` (string/json → BYTE_ARRAY UTF8, int → INT32, timestamp → the RFC 3339 text, kept as
 * text so the reporter's offset survives) and buffers rows into row groups until `finish`.
 *
 * `row` may return a promise when the destination wants the producer to wait (backpressure);
 * the exporter awaits it only then, so a fast sink costs no microtask per row.
 */
export interface TableSink {
  start(columns: readonly Column[]): void | Promise<void>;
  row(cells: readonly Cell[]): void | Promise<void>;
  finish(): Promise<void>;
}
