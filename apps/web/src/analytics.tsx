import { useState } from 'preact/hooks';
import { api } from './api';
import { atRiskAt, KaplanMeierChart, pngBlob, riskDays, svgText, type CurvePoint, type Series } from './chart';
import { t } from './i18n';
import { asOfParam } from './person';
import { cellText, download, fieldText, Status, suppressedIn, toCsv, useRequest } from './ui';

// The clock's event types (the catalogue without health facts and retractions, as the api allows).
const CLOCK_TYPES = [
  'MigrationCaseOpened', 'ReceptionHousingAssigned', 'ResidencePermitGranted', 'ResidencePermitRefused', 'MunicipalityAssigned', 'MigrationCaseClosed',
  'PopulationRegistered', 'MovedToMunicipality', 'SettledInMunicipality', 'SfiEnrolled', 'SfiCoursePassed', 'SfiDiscontinued',
  'CivicOrientationStarted', 'CivicOrientationCompleted', 'EstablishmentProgrammeStarted', 'EstablishmentProgrammeEnded',
  'EstablishmentAllowanceGranted', 'CompetenceMapped', 'InternshipStarted', 'InternshipEnded', 'ValidationStarted', 'ValidationCompleted',
  'EducationStarted', 'EducationEnded', 'EmploymentStarted', 'EmploymentEnded', 'BusinessStarted',
];
const ATTRIBUTES = ['year', 'countyCode', 'municipalityCode', 'gender', 'route', 'ageBand', 'highestEducation'] as const;
const CHOICES: Partial<Record<(typeof ATTRIBUTES)[number], readonly string[]>> = {
  gender: ['female', 'male', 'unspecified'],
  route: ['asylum', 'resettlement', 'family-ties', 'temporary-protection'],
  highestEducation: ['none', 'primary', 'upper-secondary', 'post-secondary'],
};

interface Group {
  readonly key: Record<string, unknown>;
  readonly n: unknown;
  readonly events: unknown;
  readonly censored: unknown;
  readonly median: unknown;
  readonly medianCi?: { lower: unknown; upper: unknown } | null;
  readonly curve: readonly CurvePoint[];
  readonly horizons?: readonly { day: number; share: unknown; suppressed?: boolean }[];
  readonly suppressed?: boolean;
  readonly suppressedFields?: readonly string[];
}

interface Answer {
  readonly asOf?: string;
  readonly groups: readonly Group[];
}

interface Run {
  readonly asOf: string;
  readonly answer: Answer;
}

function groupLabel(group: Group): string {
  const entries = Object.entries(group.key ?? {});
  return entries.length ? entries.map(([k, v]) => `${k}=${String(v)}`).join(', ') : t('allPeople');
}

export function AnalyticsPage(props: { token: string }) {
  const [from, setFrom] = useState('ResidencePermitGranted');
  const [to, setTo] = useState<string[]>(['EmploymentStarted']);
  const [cohort, setCohort] = useState<Record<string, string>>({});
  const [groupBy, setGroupBy] = useState<string[]>([]);
  const [asOf, setAsOf] = useState('');
  const [compare, setCompare] = useState('');
  const [horizons, setHorizons] = useState('90, 365, 730');
  const [state, run] = useRequest<Run[]>();

  const body = (date: string) => {
    const c: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(cohort)) if (v.trim()) c[k] = k === 'year' ? Number(v) : v.trim();
    const h = horizons.split(',').map((s) => s.trim()).filter(Boolean).map(Number);
    return {
      from,
      to: to.length === 1 ? to[0] : to,
      ...(Object.keys(c).length ? { cohort: c } : {}),
      ...(groupBy.length ? { groupBy } : {}),
      ...(asOfParam(date) ? { asOf: asOfParam(date) } : {}),
      ...(h.length ? { horizons: h } : {}),
    };
  };

  const submit = (e: Event) => {
    e.preventDefault();
    const dates = compare ? [asOf, compare] : [asOf];
    void run(() => Promise.all(dates.map(async (date) => ({ asOf: date || t('now'), answer: await api<Answer>(props.token, 'POST', '/v1/analytics/time-to-event', body(date)) }))));
  };

  return (
    <>
      <h1>{t('analyticsTitle')}</h1>
      <form class="analysis" onSubmit={submit}>
        <div class="field">
          <label for="from">{t('fromEvent')}</label>
          <select id="from" value={from} onChange={(e) => setFrom(e.currentTarget.value)}>
            {CLOCK_TYPES.map((type) => <option key={type} value={type}>{type}</option>)}
          </select>
        </div>
        <div class="field">
          <label for="to">{t('toEvent')}</label>
          <select id="to" multiple size={5} onChange={(e) => setTo([...e.currentTarget.selectedOptions].map((o) => o.value))}>
            {CLOCK_TYPES.map((type) => <option key={type} value={type} selected={to.includes(type)}>{type}</option>)}
          </select>
        </div>
        <fieldset>
          <legend>{t('cohort')}</legend>
          {ATTRIBUTES.map((attribute) => {
            const label = attribute === 'year' ? t('cohortYear') : attribute === 'countyCode' ? t('countyCode') : attribute === 'municipalityCode' ? t('municipalityCode') : t(attribute);
            const choices = CHOICES[attribute];
            return (
              <div class="field" key={attribute}>
                <label for={`cohort-${attribute}`}>{label}</label>
                {choices ? (
                  <select id={`cohort-${attribute}`} value={cohort[attribute] ?? ''} onChange={(e) => setCohort({ ...cohort, [attribute]: e.currentTarget.value })}>
                    <option value="">{t('any')}</option>
                    {choices.map((c) => <option key={c} value={c}>{c}</option>)}
                  </select>
                ) : (
                  <input id={`cohort-${attribute}`} type="text" inputMode={attribute === 'ageBand' ? 'text' : 'numeric'} value={cohort[attribute] ?? ''} onInput={(e) => setCohort({ ...cohort, [attribute]: e.currentTarget.value })} />
                )}
              </div>
            );
          })}
        </fieldset>
        <fieldset>
          <legend>{t('groupBy')}</legend>
          {ATTRIBUTES.map((attribute) => (
            <div class="check" key={attribute}>
              <input
                id={`group-${attribute}`}
                type="checkbox"
                checked={groupBy.includes(attribute)}
                onChange={(e) => setGroupBy(e.currentTarget.checked ? [...groupBy, attribute] : groupBy.filter((g) => g !== attribute))}
              />
              <label for={`group-${attribute}`}>{attribute}</label>
            </div>
          ))}
        </fieldset>
        <div class="field">
          <label for="analysis-as-of">{t('asOf')}</label>
          <input id="analysis-as-of" type="date" value={asOf} onInput={(e) => setAsOf(e.currentTarget.value)} />
        </div>
        <div class="field">
          <label for="compare-as-of">{t('compareAsOf')}</label>
          <input id="compare-as-of" type="date" value={compare} onInput={(e) => setCompare(e.currentTarget.value)} />
        </div>
        <div class="field">
          <label for="horizons">{t('horizons')}</label>
          <input id="horizons" type="text" value={horizons} onInput={(e) => setHorizons(e.currentTarget.value)} />
        </div>
        <button type="submit">{t('run')}</button>
      </form>
      <Status state={state} isEmpty={(runs) => runs.every((r) => r.answer.groups.length === 0)}>
        {(runs) => <Results runs={runs} />}
      </Status>
    </>
  );
}

function Results(props: { runs: readonly Run[] }) {
  const compared = props.runs.length > 1;
  const rows = props.runs.flatMap((r, i) => r.answer.groups.map((g) => ({ run: r, group: g, label: compared ? `${groupLabel(g)} · ${t('asOf')} ${r.asOf}` : groupLabel(g), dashed: i > 0 })));
  const series: Series[] = rows.map((r) => ({ label: r.label, curve: r.group.curve ?? [], n: r.group.n, dashed: r.dashed, suppressed: suppressedIn(r.group, 'curve') || suppressedIn(r.group, 'n') }));
  const horizonDays = [...new Set(rows.flatMap((r) => (r.group.horizons ?? []).map((h) => h.day)))].sort((a, b) => a - b);
  const days = riskDays(series);
  const shareAt = (g: Group, day: number) => g.horizons?.find((h) => h.day === day)?.share;

  const summaryCsv = () =>
    toCsv(
      ['asOf', 'group', 'n', 'events', 'censored', 'median', 'medianLower', 'medianUpper', ...horizonDays.map((d) => `share${d}`)],
      rows.map((r) => [r.run.asOf, groupLabel(r.group), r.group.n, r.group.events, r.group.censored, r.group.median, r.group.medianCi?.lower, r.group.medianCi?.upper, ...horizonDays.map((d) => shareAt(r.group, d))]),
    );
  const curvesCsv = () =>
    toCsv(
      ['asOf', 'group', 'day', 'atRisk', 'events', 'censored', 'survival', 'lower', 'upper'],
      rows.flatMap((r) => (r.group.curve ?? []).map((p) => [r.run.asOf, groupLabel(r.group), p.day, p.atRisk, p.events, p.censored, p.survival, p.lower, p.upper])),
    );

  return (
    <section aria-labelledby="results-title">
      <h2 id="results-title">{t('chartTitle')}</h2>
      <figure>
        <KaplanMeierChart id="km-chart" series={series} />
      </figure>
      <div class="row downloads">
        <button type="button" onClick={() => download('time-to-event.csv', new Blob([summaryCsv()], { type: 'text/csv' }))}>{t('downloadCsv')}</button>
        <button type="button" onClick={() => download('time-to-event-curves.csv', new Blob([curvesCsv()], { type: 'text/csv' }))}>{t('downloadCurvesCsv')}</button>
        <button type="button" onClick={() => download('time-to-event.svg', new Blob([svgText('km-chart')], { type: 'image/svg+xml' }))}>{t('downloadSvg')}</button>
        <button type="button" onClick={() => void pngBlob('km-chart').then((b) => download('time-to-event.png', b))}>{t('downloadPng')}</button>
      </div>
      <div class="table-wrap">
        <table class="at-risk">
          <caption>{t('atRiskTitle')}</caption>
          <thead>
            <tr>
              <th scope="col">{t('group')}</th>
              {days.map((d) => <th scope="col" class="num" key={d}>{`${t('day')} ${d}`}</th>)}
            </tr>
          </thead>
          <tbody>
            {series.map((s) => (
              <tr key={s.label}>
                <th scope="row">{s.label}</th>
                {days.map((d) => {
                  const v = atRiskAt(s, d);
                  return <td class="num" key={d}>{v === 'suppressed' ? t('suppressed') : cellText(v)}</td>;
                })}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <div class="table-wrap">
        <table class="medians">
          <caption>{t('medians')}</caption>
          <thead>
            <tr>
              <th scope="col">{t('group')}</th>
              <th scope="col" class="num">{t('n')}</th>
              <th scope="col" class="num">{t('eventsCount')}</th>
              <th scope="col" class="num">{t('censored')}</th>
              <th scope="col" class="num">{t('median')}</th>
              <th scope="col">{t('ci')}</th>
              {horizonDays.map((d) => <th scope="col" class="num" key={d}>{`${t('shareBy')} ${d}`}</th>)}
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr key={r.label}>
                <th scope="row">{r.label}</th>
                <td class="num">{fieldText(r.group, 'n', r.group.n)}</td>
                <td class="num">{fieldText(r.group, 'events', r.group.events)}</td>
                <td class="num">{fieldText(r.group, 'censored', r.group.censored)}</td>
                <td class="num">{fieldText(r.group, 'median', r.group.median)}</td>
                <td>{r.group.medianCi ? `${fieldText(r.group, 'medianCi.lower', r.group.medianCi.lower)} – ${fieldText(r.group, 'medianCi.upper', r.group.medianCi.upper)}` : '–'}</td>
                {horizonDays.map((d) => {
                  const horizon = r.group.horizons?.find((h) => h.day === d);
                  const share = horizon?.share;
                  if (horizon?.suppressed || (share === null && suppressedIn(r.group, 'horizons'))) return <td class="num" key={d}>{t('suppressed')}</td>;
                  return <td class="num" key={d}>{typeof share === 'number' ? `${cellText(share * 100, 1)} %` : cellText(share)}</td>;
                })}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
