import { useEffect, useState } from 'preact/hooks';
import { api, query } from './api';
import { t, type Key } from './i18n';
import { DataTable, Status, useRequest, type Column } from './ui';

type Row = Record<string, unknown>;

interface Page {
  readonly items: readonly Row[];
  readonly nextCursor: string | null;
}

interface Filter {
  readonly name: string;
  readonly label: Key;
  readonly kind: 'text' | 'select';
  readonly options?: readonly string[];
  readonly pattern?: string;
  readonly initial: (actor: string) => string;
  /** A path parameter the view cannot be read without. */
  readonly required?: boolean;
}

export interface ViewSpec {
  readonly name: string;
  readonly title: Key;
  readonly filters: readonly Filter[];
  readonly path: (filters: Record<string, string>) => string;
  /** Query parameters the api filters on (the rest are path parameters). */
  readonly params: (filters: Record<string, string>) => Record<string, string | undefined>;
  readonly columns: readonly Column<Row>[];
  /** The api pages with a cursor; the county overview answers whole and is paged here. */
  readonly serverPaged: boolean;
  readonly rows: (body: unknown) => readonly Row[];
}

const GAP_CODES = [
  'permit-to-settlement',
  'assignment-to-settlement',
  'settlement-to-sfi',
  'settlement-to-civic-orientation',
  'settlement-to-programme',
  'programme-ending-without-outcome',
  'programme-without-activity',
];

const col = (key: string, label: string, numericColumn = false, value?: (row: Row) => unknown): Column<Row> => ({
  key,
  label,
  numeric: numericColumn,
  value: value ?? ((row) => row[key]),
});

const get = (row: Row, ...path: string[]): unknown => path.reduce<unknown>((v, k) => (typeof v === 'object' && v !== null ? (v as Row)[k] : undefined), row);

const ownMunicipality = (actor: string) => (actor.startsWith('municipality:') ? actor.slice(13) : '');
const ownCounty = (actor: string) => {
  const [kind, code] = actor.split(':');
  if (kind === 'county' || kind === 'region') return code ?? '';
  if (kind === 'municipality') return (code ?? '').slice(0, 2);
  return '';
};

const pageItems = (body: unknown) => (body as Page).items;

export const VIEWS: Record<string, ViewSpec> = {
  'settlement-queue': {
    name: 'settlement-queue',
    title: 'navQueue',
    filters: [],
    path: () => '/v1/views/settlement-queue',
    params: () => ({}),
    serverPaged: true,
    rows: pageItems,
    columns: [
      col('personId', 'person'),
      col('permitDate', 'permitDate'),
      col('permitType', 'permitType'),
      col('daysWaiting', 'daysWaiting', true),
      col('assignedMunicipalityCode', 'assignedMunicipalityCode'),
      col('assignmentDate', 'assignmentDate'),
      col('receptionHousing', 'receptionHousing'),
      col('municipalityCode', 'municipalityCode'),
    ],
  },
  establishment: {
    name: 'establishment',
    title: 'navEstablishment',
    filters: [],
    path: () => '/v1/views/establishment',
    params: () => ({}),
    serverPaged: true,
    rows: pageItems,
    columns: [
      col('personId', 'person'),
      col('municipalityCode', 'municipalityCode'),
      col('startedAt', 'startedAt', false, (r) => String(r.startedAt ?? '').slice(0, 10)),
      col('plannedEndDate', 'plannedEndDate'),
      col('daysLeft', 'daysLeft', true),
      col('activities', 'activities', false, (r) => (Array.isArray(r.activities) ? r.activities.map((a) => String((a as Row).kind)).join(', ') : null)),
    ],
  },
  residents: {
    name: 'residents',
    title: 'navResidents',
    filters: [{ name: 'kommunkod', label: 'municipalityCode', kind: 'text', pattern: '\\d{4}', initial: ownMunicipality, required: true }],
    path: (f) => `/v1/views/municipalities/${encodeURIComponent(f.kommunkod)}/residents`,
    params: () => ({}),
    serverPaged: true,
    rows: pageItems,
    columns: [
      col('personId', 'person'),
      col('relation', 'relation'),
      col('settledAt', 'settledAt', false, (r) => (typeof r.settledAt === 'string' ? r.settledAt.slice(0, 10) : r.settledAt)),
      col('arrangement', 'arrangement'),
      ...['sfi', 'civicOrientation', 'programme', 'internship', 'work'].map((step) => col(step, step, false, (r) => get(r, 'steps', step, 'status') ?? null)),
    ],
  },
  'chain-gaps': {
    name: 'chain-gaps',
    title: 'navGaps',
    filters: [{ name: 'gap', label: 'gap', kind: 'select', options: GAP_CODES, initial: () => '' }],
    path: () => '/v1/views/chain-gaps',
    params: (f) => ({ gap: f.gap || undefined }),
    serverPaged: true,
    rows: pageItems,
    columns: [col('personId', 'person'), col('gap', 'gap'), col('since', 'since'), col('daysOpen', 'daysOpen', true), col('municipalityCode', 'municipalityCode')],
  },
  'county-overview': {
    name: 'county-overview',
    title: 'navOverview',
    filters: [{ name: 'lanskod', label: 'countyCode', kind: 'text', pattern: '\\d{2}', initial: ownCounty, required: true }],
    path: (f) => `/v1/views/counties/${encodeURIComponent(f.lanskod)}/overview`,
    params: () => ({}),
    serverPaged: false,
    rows: (body) => ((body as { municipalities?: Row[] }).municipalities ?? []),
    columns: [
      col('municipalityCode', 'municipalityCode'),
      col('name', 'name'),
      col('people', 'people', true),
      col('receivedTotal', 'received', true, (r) => get(r, 'received', 'total')),
      col('receivedAssigned', 'received: assigned', true, (r) => get(r, 'received', 'assigned')),
      col('receivedSelf', 'received: self-arranged', true, (r) => get(r, 'received', 'selfArranged')),
      col('assigned', 'assigned', true),
      col('permitToSettlement', 'median days permit→settlement', true, (r) => get(r, 'medianDays', 'permitToSettlement')),
      col('settlementToSfi', 'median days settlement→SFI', true, (r) => get(r, 'medianDays', 'settlementToSfi')),
      col('settlementToWork', 'median days settlement→work', true, (r) => get(r, 'medianDays', 'settlementToWork')),
      col('openGaps', 'openGaps', true),
    ],
  },
};

const PAGE_SIZES = [10, 25, 50, 100];

/**
 * One view as a table: filters, a page size, next/previous pages through the api's cursor (kept
 * as a stack here, since the api pages forwards only), sorting within the page.
 */
export function ViewPage(props: { token: string; actor: string; spec: ViewSpec; onPerson: (id: string) => void }) {
  const { spec } = props;
  const initialFilters = () => Object.fromEntries(spec.filters.map((f) => [f.name, f.initial(props.actor)]));
  const [draft, setDraft] = useState<Record<string, string>>(initialFilters);
  const [filters, setFilters] = useState<Record<string, string>>(initialFilters);
  const [limit, setLimit] = useState(25);
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  const [localPage, setLocalPage] = useState(0);
  const [state, run] = useRequest<unknown>();
  const cursor = cursors[cursors.length - 1];
  const ready = spec.filters.every((f) => !f.required || filters[f.name]);

  useEffect(() => {
    const fresh = initialFilters();
    setDraft(fresh);
    setFilters(fresh);
    setCursors([null]);
    setLocalPage(0);
  }, [spec.name]);

  useEffect(() => {
    if (!ready) return;
    const params = { ...spec.params(filters), ...(spec.serverPaged ? { limit, cursor } : {}) };
    void run(() => api<unknown>(props.token, 'GET', `${spec.path(filters)}${query(params)}`));
  }, [spec.name, filters, limit, cursor]);

  const rows = state.status === 'ok' ? spec.rows(state.data) : [];
  const nextCursor = state.status === 'ok' && spec.serverPaged ? (state.data as Page).nextCursor : null;
  const shown = spec.serverPaged ? rows : rows.slice(localPage * limit, (localPage + 1) * limit);
  const pageNumber = spec.serverPaged ? cursors.length : localPage + 1;
  const hasNext = spec.serverPaged ? nextCursor !== null : (localPage + 1) * limit < rows.length;
  const hasPrevious = pageNumber > 1;

  return (
    <>
      <h1>{t(spec.title)}</h1>
      <form
        class="filters"
        aria-label={t('viewFilters')}
        onSubmit={(e) => {
          e.preventDefault();
          setFilters({ ...draft });
          setCursors([null]);
          setLocalPage(0);
        }}
      >
        {spec.filters.map((f) => (
          <div class="field" key={f.name}>
            <label for={`filter-${f.name}`}>{t(f.label)}</label>
            {f.kind === 'select' ? (
              <select id={`filter-${f.name}`} value={draft[f.name]} onChange={(e) => setDraft({ ...draft, [f.name]: e.currentTarget.value })}>
                <option value="">{t('allGaps')}</option>
                {f.options!.map((o) => <option key={o} value={o}>{o}</option>)}
              </select>
            ) : (
              <input id={`filter-${f.name}`} type="text" inputMode="numeric" pattern={f.pattern} required={f.required} value={draft[f.name]} onInput={(e) => setDraft({ ...draft, [f.name]: e.currentTarget.value })} />
            )}
          </div>
        ))}
        <div class="field">
          <label for="page-size">{t('pageSize')}</label>
          <select
            id="page-size"
            value={String(limit)}
            onChange={(e) => {
              setLimit(Number(e.currentTarget.value));
              setCursors([null]);
              setLocalPage(0);
            }}
          >
            {PAGE_SIZES.map((n) => <option key={n} value={String(n)}>{n}</option>)}
          </select>
        </div>
        <button type="submit">{t('apply')}</button>
      </form>
      <Status state={state} isEmpty={(data) => spec.rows(data).length === 0}>
        {() => (
          <>
            <DataTable
              caption={`${t(spec.title)} – ${t('page')} ${pageNumber}`}
              columns={spec.columns}
              rows={shown}
              action={spec.columns[0]?.key === 'personId' ? { text: t('openTimeline'), label: (row) => `${t('openTimelineOf')} ${String(row.personId)}`, run: (row) => props.onPerson(String(row.personId)) } : undefined}
            />
          </>
        )}
      </Status>
      <nav class="pager" aria-label={t('page')}>
        <button type="button" disabled={!hasPrevious} onClick={() => (spec.serverPaged ? setCursors(cursors.slice(0, -1)) : setLocalPage(localPage - 1))}>{t('previousPage')}</button>
        <span aria-live="polite">{t('page')} {pageNumber}</span>
        <button type="button" disabled={!hasNext} onClick={() => (spec.serverPaged ? setCursors([...cursors, nextCursor]) : setLocalPage(localPage + 1))}>{t('nextPage')}</button>
      </nav>
    </>
  );
}
