import type { Writable } from 'node:stream';
import type { Cell, Column, ColumnType, TableSink } from './table-sink';

// parquetjs-lite ships no type declarations; this is the part of its API the sink uses.
interface ParquetFieldSpec {
  readonly type: string;
  readonly optional?: boolean;
  readonly compression?: string;
}
interface ParquetWriterLike {
  appendRow(row: Record<string, unknown>): Promise<void>;
  close(): Promise<void>;
}
interface ParquetModule {
  ParquetSchema: new (fields: Record<string, ParquetFieldSpec>) => unknown;
  ParquetWriter: { openStream(schema: unknown, out: Writable, opts?: { rowGroupSize?: number }): Promise<ParquetWriterLike> };
}
// eslint-disable-next-line @typescript-eslint/no-require-imports
const parquet = require('parquetjs-lite') as ParquetModule;

// Timestamps stay text (see TableSink): a Parquet TIMESTAMP would drop the reporter's offset.
const PHYSICAL: Record<ColumnType, string> = { string: 'UTF8', json: 'UTF8', timestamp: 'UTF8', int: 'INT32' };

export interface ParquetSinkOptions {
  /** Rows per row group; larger groups compress better and cost memory while they fill. */
  readonly rowGroupSize?: number;
  /** parquetjs-lite codec name; GZIP is the one it supports without native modules. */
  readonly compression?: 'UNCOMPRESSED' | 'GZIP';
}

/**
 * Parquet for analysts' own tools (R arrow, pandas, DuckDB). Rows are collected here and handed
 * to the writer a row group at a time, so that only a full group costs a promise; the writer
 * awaits every write to `out`, which is the backpressure.
 */
export function parquetSink(out: Writable, options: ParquetSinkOptions = {}): TableSink {
  const rowGroupSize = options.rowGroupSize ?? 20_000;
  const compression = options.compression ?? 'GZIP';
  let writer: ParquetWriterLike | null = null;
  let names: string[] = [];
  let pending: Array<readonly Cell[]> = [];

  const flush = async (): Promise<void> => {
    const rows = pending;
    pending = [];
    for (const cells of rows) {
      const record: Record<string, unknown> = {};
      // A null is an absent optional field to parquetjs-lite.
      for (let i = 0; i < names.length; i++) if (cells[i] !== null) record[names[i]] = cells[i];
      await writer!.appendRow(record);
    }
  };

  return {
    async start(columns: readonly Column[]) {
      const fields: Record<string, ParquetFieldSpec> = {};
      for (const c of columns) fields[c.name] = { type: PHYSICAL[c.type], optional: c.nullable, compression };
      names = columns.map((c) => c.name);
      writer = await parquet.ParquetWriter.openStream(new parquet.ParquetSchema(fields), out, { rowGroupSize });
    },
    row(cells: readonly Cell[]) {
      if (writer === null) throw new Error('parquetSink: row before start');
      pending.push(cells);
      if (pending.length >= rowGroupSize) return flush();
    },
    async finish() {
      if (writer === null) throw new Error('parquetSink: finish before start');
      await flush();
      await writer.close();
    },
  };
}
