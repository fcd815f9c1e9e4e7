import { useEffect, useState } from 'preact/hooks';
import { api, query } from './api';
import { lang, t, type Key } from './i18n';
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

// Column headings in both languages, by the api's field names.
const HEADINGS: Record<string, readonly [en: string, sv: string]> = {
  personId: ['Person', 'Person'],
  permitDate: ['Permit date', 'Tillståndsdatum'],
  permitType: ['Permit', 'Tillstånd'],
  daysWaiting: ['Days waiting', 'Dagar i väntan'],
  assignedMunicipalityCode: ['Assigned municipality', 'Anvisad kommun'],
  assignmentDate: ['Assigned on', 'Anvisad den'],
  receptionHousing: ['Reception housing', 'Mottagningsboende'],
  municipalityCode: ['Municipality', 'Kommun'],
  startedAt: ['Started', 'Startade'],
  plannedEndDate: ['Planned end', 'Planerat slut'],
  daysLeft: ['Days left', 'Dagar kvar'],
  activities: ['Activities', 'Aktiviteter'],
  relation: ['Relation', 'Relation'],
  settledAt: ['Settled', 'Bosatt'],
  arrangement: ['Arrangement', 'Boendeform'],
  sfi: ['SFI', 'SFI'],
  civicOrientation: ['Civic orientation', 'Samhällsorientering'],
  programme: ['Programme', 'Program'],
  internship: ['Internship', 'Praktik'],
  work: ['Work', 'Arbete'],
  gap: ['Gap', 'Glapp'],
  since: ['Since', 'Sedan'],
  daysOpen: ['Days open', 'Dagar öppet'],
  name: ['Name', 'Namn'],
  people: ['People', 'Personer'],
  receivedTotal: ['Received', 'Mottagna'],
  receivedAssigned: ['Received: assigned', 'Mottagna: anvisade'],
  receivedSelf: ['Received: self-arranged', 'Mottagna: eget boende'],
  assigned: ['Assigned', 'Anvisade'],
  permitToSettlement: ['Median days permit→settlement', 'Mediandagar tillstånd→bosättning'],
  settlementToSfi: ['Median days settlement→SFI', 'Mediandagar bosättning→SFI'],
  settlementToWork: ['Median days settlement→work', 'Mediandagar bosättning→arbete'],
  openGaps: ['Open gaps', 'Öppna glapp'],
};

/** `field`: the dotted name the api lists in a row's `suppressedFields` (disclosure control). */
const col = (key: string, numericColumn = false, value?: (row: Row) => unknown, field = key): Column<Row> => ({
  key,
  label: () => (HEADINGS[key] ? HEADINGS[key][lang() === 'en' ? 0 : 1] : key),
  numeric: numericColumn,
  field,
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
      col('personId'),
      col('permitDate'),
      col('permitType'),
      col('daysWaiting', true),
      col('assignedMunicipalityCode'),
      col('assignmentDate'),
      col('receptionHousing'),
      col('municipalityCode'),
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
      col('personId'),
      col('municipalityCode'),
      col('startedAt', false, (r) => String(r.startedAt ?? '').slice(0, 10)),
      col('plannedEndDate'),
      col('daysLeft', true),
      col('activities', false, (r) => (Array.isArray(r.activities) ? r.activities.map((a) => String((a as Row).kind)).join(', ') : null)),
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
      col('personId'),
      col('relation'),
      col('settledAt', false, (r) => (typeof r.settledAt === 'string' ? r.settledAt.slice(0, 10) : r.settledAt)),
      col('arrangement'),
      ...['sfi', 'civicOrientation', 'programme', 'internship', 'work'].map((step) => col(step, false, (r) => get(r, 'steps', step, 'status') ?? null)),
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
    columns: [col('personId'), col('gap'), col('since'), col('daysOpen', true), col('municipalityCode')],
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
      col('municipalityCode'),
      col('name'),
      col('people', true),
      col('receivedTotal', true, (r) => get(r, 'received', 'total'), 'received.total'),
      col('receivedAssigned', true, (r) => get(r, 'received', 'assigned'), 'received.assigned'),
      col('receivedSelf', true, (r) => get(r, 'received', 'selfArranged'), 'received.selfArranged'),
      col('assigned', true),
      col('permitToSettlement', true, (r) => get(r, 'medianDays', 'permitToSettlement'), 'medianDays.permitToSettlement'),
      col('settlementToSfi', true, (r) => get(r, 'medianDays', 'settlementToSfi'), 'medianDays.settlementToSfi'),
      col('settlementToWork', true, (r) => get(r, 'medianDays', 'settlementToWork'), 'medianDays.settlementToWork'),
      col('openGaps', true),
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
