import type { Writable } from 'node:stream';
import type { Cell, Column, TableSink } from './table-sink';

const NEEDS_QUOTES = /[",\r\n]/;

/** One CSV field as RFC 4180 §2 writes it: quoted only when it holds a quote, comma or line break. */
export function csvField(value: Cell): string {
  if (value === null) return '';
  const s = typeof value === 'number' ? String(value) : value;
  return NEEDS_QUOTES.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/**
 * RFC 4180 CSV: a header row, CRLF line breaks, null as an empty field. Rows are joined into
 * chunks of about 64 KiB before they are written, since one write per row spends more time in
 * the stream machinery than in the encoding.
 */
export function csvSink(out: Writable, options: { chunkBytes?: number } = {}): TableSink {
  const chunkBytes = options.chunkBytes ?? 65_536;
  let buffer = '';

  const flush = (): void | Promise<void> => {
    if (buffer.length === 0) return;
    const ok = out.write(buffer);
    buffer = '';
    if (!ok) return new Promise<void>((resolve) => out.once('drain', () => resolve()));
  };

  const line = (cells: readonly Cell[]): void | Promise<void> => {
    let l = '';
    for (let i = 0; i < cells.length; i++) l += (i === 0 ? '' : ',') + csvField(cells[i]);
    buffer += `${l}\r\n`;
    if (buffer.length >= chunkBytes) return flush();
  };

  return {
    start: (columns: readonly Column[]) => line(columns.map((c) => c.name)),
    row: line,
    async finish() {
      await flush();
      await new Promise<void>((resolve, reject) => {
        out.once('error', reject);
        out.end(() => resolve());
      });
    },
  };
}
