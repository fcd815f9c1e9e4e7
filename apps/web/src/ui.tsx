import type { ComponentChildren } from 'preact';
import { useCallback, useRef, useState } from 'preact/hooks';
import { ApiError } from './api';
import { formatNumber, t, type Key } from './i18n';

export type RequestState<T> =
  | { readonly status: 'idle' }
  | { readonly status: 'loading' }
  | { readonly status: 'ok'; readonly data: T }
  | { readonly status: 'error'; readonly error: unknown };

/** One request at a time per component; a later answer replaces an earlier one, never the reverse. */
export function useRequest<T>(): [RequestState<T>, (load: () => Promise<T>) => Promise<void>] {
  const [state, setState] = useState<RequestState<T>>({ status: 'idle' });
  const latest = useRef(0);
  const run = useCallback(async (load: () => Promise<T>) => {
    const mine = ++latest.current;
    setState({ status: 'loading' });
    try {
      const data = await load();
      if (mine === latest.current) setState({ status: 'ok', data });
    } catch (error) {
      if (mine === latest.current) setState({ status: 'error', error });
    }
  }, []);
  return [state, run];
}

export function errorMessage(error: unknown): string {
  if (error instanceof ApiError) {
    const known: Record<number, Key> = { 401: 'error401', 403: 'error403', 404: 'error404', 429: 'error429', 503: 'error503' };
    const key = known[error.status];
    if (key) return t(key);
    return `${t('errorOther')} (${error.status}${error.code ? `, ${error.code}` : ''})${error.detail ? `: ${error.detail}` : ''}`;
  }
  return `${t('errorOther')}: ${error instanceof Error ? error.message : String(error)}`;
}

/** Loading, error (401/403/404/503 in words) and empty states, the same on every page. */
export function Status<T>(props: { state: RequestState<T>; isEmpty?: (data: T) => boolean; children: (data: T) => ComponentChildren }) {
  const { state } = props;
  if (state.status === 'idle') return null;
  if (state.status === 'loading') return <p role="status" class="status">{t('loading')}</p>;
  if (state.status === 'error') {
    const status = state.error instanceof ApiError ? state.error.status : 0;
    return <div role="alert" class={`status error status-${status}`} data-status={status}>{errorMessage(state.error)}</div>;
  }
  if (props.isEmpty?.(state.data)) return <p role="status" class="status empty">{t('empty')}</p>;
  return <>{props.children(state.data)}</>;
}

/** A disclosure-controlled cell: `{ value: null, suppressed: true }` for small counts. */
export interface SuppressedCell {
  readonly value: null;
  readonly suppressed: true;
}

export function isSuppressed(value: unknown): value is SuppressedCell {
  return typeof value === 'object' && value !== null && (value as { suppressed?: unknown }).suppressed === true;
}

/** The number inside a plain or disclosure-controlled value, or null. */
export function numeric(value: unknown): number | null {
  if (typeof value === 'number') return value;
  if (typeof value === 'object' && value !== null && typeof (value as { value?: unknown }).value === 'number') return (value as { value: number }).value;
  return null;
}

export function cellText(value: unknown, digits = 0): string {
  if (isSuppressed(value)) return t('suppressed');
  if (value === null || value === undefined || value === '') return '–';
  if (typeof value === 'number') return formatNumber(value, digits);
  if (typeof value === 'boolean') return value ? t('yes') : t('no');
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return value.map((v) => cellText(v, digits)).join(', ');
  if (typeof value === 'object') {
    const inner = numeric(value);
    if (inner !== null) return formatNumber(inner, digits);
    return Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== null && v !== undefined)
      .map(([k, v]) => `${k}: ${cellText(v, digits)}`)
      .join('; ');
  }
  return String(value);
}

export interface Column<R> {
  readonly key: string;
  readonly label: string | (() => string);
  /** The dotted field name a row's `suppressedFields` would list; the key when absent. */
  readonly field?: string;
  readonly value: (row: R) => unknown;
  readonly numeric?: boolean;
}

/**
 * Disclosure control (CONTRACT.md v1.1) withholds small counts: the value is null and its row or
 * group carries `suppressed: true` with `suppressedFields` naming it (or the cell itself is
 * `{ value: null, suppressed: true }`). Such a cell reads "suppressed", never 0 or a dash.
 */
export function suppressedIn(row: unknown, field: string): boolean {
  if (typeof row !== 'object' || row === null) return false;
  const fields = (row as { suppressedFields?: unknown }).suppressedFields;
  return Array.isArray(fields) && fields.some((f) => f === field || field.startsWith(`${String(f)}.`));
}

export function fieldText(row: unknown, field: string, value: unknown, digits = 0): string {
  if ((value === null || value === undefined) && suppressedIn(row, field)) return t('suppressed');
  return cellText(value, digits);
}

function sortKey(value: unknown): string | number {
  if (isSuppressed(value) || value === null || value === undefined) return Number.NEGATIVE_INFINITY;
  const n = numeric(value);
  if (n !== null) return n;
  return cellText(value);
}

/** A table sortable by any column (the header is a button; aria-sort says the order). */
export function DataTable<R>(props: { caption: string; columns: readonly Column<R>[]; rows: readonly R[]; action?: { label: (row: R) => string; text: string; run: (row: R) => void } }) {
  const [sort, setSort] = useState<{ key: string; dir: 1 | -1 } | null>(null);
  const column = sort ? props.columns.find((c) => c.key === sort.key) : undefined;
  const rows = column && sort
    ? [...props.rows].sort((a, b) => {
        const x = sortKey(column.value(a));
        const y = sortKey(column.value(b));
        if (typeof x === 'number' && typeof y === 'number') return (x - y) * sort.dir;
        return String(x).localeCompare(String(y)) * sort.dir;
      })
    : props.rows;
  return (
    <div class="table-wrap">
      <table>
        <caption>{props.caption}</caption>
        <thead>
          <tr>
            {props.columns.map((c) => {
              const active = sort?.key === c.key;
              return (
                <th key={c.key} scope="col" aria-sort={active ? (sort.dir === 1 ? 'ascending' : 'descending') : 'none'} class={c.numeric ? 'num' : undefined}>
                  <button type="button" class="sort" onClick={() => setSort({ key: c.key, dir: active && sort.dir === 1 ? -1 : 1 })}>
                    {typeof c.label === 'function' ? c.label() : c.label}
                    <span aria-hidden="true" class="sort-mark">{active ? (sort.dir === 1 ? ' ▲' : ' ▼') : ''}</span>
                  </button>
                </th>
              );
            })}
            {props.action ? <th scope="col"><span class="visually-hidden">{props.action.text}</span></th> : null}
          </tr>
        </thead>
        <tbody>
          {rows.map((row, i) => (
            <tr key={i}>
              {props.columns.map((c) => (
                <td key={c.key} class={c.numeric ? 'num' : undefined}>{fieldText(row, c.field ?? c.key, c.value(row))}</td>
              ))}
              {props.action ? (
                <td>
                  <button type="button" class="link" aria-label={props.action.label(row)} onClick={() => props.action!.run(row)}>{props.action.text}</button>
                </td>
              ) : null}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function download(name: string, blob: Blob): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

export function toCsv(header: readonly string[], rows: readonly (readonly unknown[])[]): string {
  const escape = (v: unknown) => {
    const text = v === null || v === undefined ? '' : isSuppressed(v) ? 'suppressed' : String(numeric(v) ?? v);
    return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
  };
  return [header, ...rows].map((r) => r.map(escape).join(',')).join('\r\n') + '\r\n';
}
