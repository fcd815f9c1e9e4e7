import { useEffect, useState } from 'preact/hooks';
import { api, query } from './api';
import { t } from './i18n';
import { cellText, Status, useRequest } from './ui';

interface TimelineEvent {
  readonly id: string;
  readonly source: string;
  readonly type: string;
  readonly time: string;
  readonly recordedAt: string;
  readonly postedBy: string;
  readonly data: Record<string, unknown>;
}

interface Timeline {
  readonly personId: string;
  readonly summary: Record<string, unknown>;
  readonly events: readonly TimelineEvent[];
}

/** The end of the chosen day in UTC: "what the product knew on that day". */
export function asOfParam(date: string): string | undefined {
  return /^\d{4}-\d{2}-\d{2}$/.test(date) ? `${date}T23:59:59Z` : undefined;
}

/** The three subject forms of the contract from what a caseworker types (with or without the prefix). */
export function subjectOf(input: string): string {
  const value = input.trim().replace(/\s+/g, '');
  let m = /^(?:dossier:)?(\d{2})-?(\d{6})$/i.exec(value);
  if (m) return `dossier:${m[1]}-${m[2]}`;
  m = /^(?:pnr:)?(\d{8})-?(\d{4})$/i.exec(value);
  if (m) return `pnr:${m[1]}${m[2]}`;
  m = /^(?:person:)?([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/i.exec(value);
  if (m) return `person:${m[1].toLowerCase()}`;
  return value;
}

/**
 * Finding a person: the identifier goes in the body of POST /v1/persons/lookup, and only the
 * product's own person id is used afterwards (never in the page's address either).
 */
export function PersonPage(props: { token: string; personId: string | null; onPerson: (id: string | null) => void }) {
  const [subject, setSubject] = useState('');
  const [lookup, runLookup] = useRequest<{ personId: string }>();
  const submit = (e: Event) => {
    e.preventDefault();
    const value = subject.trim();
    if (!value) return;
    props.onPerson(null);
    void runLookup(async () => {
      const found = await api<{ personId: string }>(props.token, 'POST', '/v1/persons/lookup', { subject: subjectOf(value) });
      props.onPerson(found.personId);
      return found;
    });
  };
  return (
    <>
      <h1>{t('personTitle')}</h1>
      <form class="stack" onSubmit={submit} autocomplete="off">
        <label for="subject">{t('subject')}</label>
        <p id="subject-help" class="help">{t('subjectHelp')}</p>
        <div class="row">
          <input id="subject" name="subject" type="text" value={subject} aria-describedby="subject-help" spellcheck={false} onInput={(e) => setSubject(e.currentTarget.value)} />
          <button type="submit">{t('find')}</button>
        </div>
      </form>
      {lookup.status === 'ok' || lookup.status === 'idle' ? null : <Status state={lookup}>{() => null}</Status>}
      {props.personId ? <TimelineView token={props.token} personId={props.personId} /> : null}
    </>
  );
}

export function TimelineView(props: { token: string; personId: string }) {
  const [asOf, setAsOf] = useState('');
  const [state, run] = useRequest<Timeline>();
  const load = (date: string) =>
    run(() => api<Timeline>(props.token, 'GET', `/v1/persons/person:${encodeURIComponent(props.personId)}/timeline${query({ asOf: asOfParam(date) })}`));
  useEffect(() => {
    void load('');
  }, [props.personId]);
  return (
    <section aria-labelledby="timeline-title" class="timeline">
      <h2 id="timeline-title">{t('timeline')}</h2>
      <form
        class="row"
        onSubmit={(e) => {
          e.preventDefault();
          void load(asOf);
        }}
      >
        <div class="field">
          <label for="as-of">{t('asOf')}</label>
          <input id="as-of" type="date" value={asOf} aria-describedby="as-of-help" onInput={(e) => setAsOf(e.currentTarget.value)} />
          <p id="as-of-help" class="help">{t('asOfHelp')}</p>
        </div>
        <button type="submit">{t('showAsOf')}</button>
      </form>
      <Status state={state}>
        {(timeline) => (
          <>
            <h3>{t('summary')}</h3>
            <dl class="summary">
              <dt>person</dt>
              <dd>{timeline.personId}</dd>
              {Object.entries(timeline.summary).map(([key, value]) => (
                <>
                  <dt key={`${key}-t`}>{key}</dt>
                  <dd key={`${key}-d`} data-field={key}>{cellText(value)}</dd>
                </>
              ))}
            </dl>
            <h3>{t('events')} ({timeline.events.length})</h3>
            {timeline.events.length === 0 ? <p role="status" class="status empty">{t('empty')}</p> : null}
            <ol class="events">
              {timeline.events.map((event) => (
                <li key={event.id} class="event" data-type={event.type}>
                  <details>
                    <summary>
                      <time dateTime={event.time}>{event.time.slice(0, 10)}</time> <strong>{event.type}</strong> <span class="muted">{event.postedBy}</span>
                    </summary>
                    <dl>
                      <dt>{t('eventTime')}</dt>
                      <dd>{event.time}</dd>
                      <dt>{t('recordedAt')}</dt>
                      <dd>{event.recordedAt}</dd>
                      <dt>{t('postedBy')}</dt>
                      <dd>{event.postedBy}</dd>
                      <dt>source</dt>
                      <dd>{event.source}</dd>
                      {Object.keys(event.data).length === 0 ? (
                        <>
                          <dt>{t('details')}</dt>
                          <dd>{t('noData')}</dd>
                        </>
                      ) : (
                        Object.entries(event.data).map(([key, value]) => (
                          <>
                            <dt key={`${key}-t`}>{key}</dt>
                            <dd key={`${key}-d`}>{cellText(value)}</dd>
                          </>
                        ))
                      )}
                    </dl>
                  </details>
                </li>
              ))}
            </ol>
          </>
        )}
      </Status>
    </section>
  );
}
