import { useState } from 'preact/hooks';
import { api, apiBlob, query } from './api';
import { t } from './i18n';
import { subjectOf } from './person';
import { DataTable, download, errorMessage, Status, useRequest, type Column } from './ui';

type Row = Record<string, unknown>;

/** The rows of an answer, whatever its list is called, and a column for every field they carry. */
function listOf(body: unknown): Row[] {
  if (Array.isArray(body)) return body as Row[];
  if (typeof body === 'object' && body !== null) {
    const list = Object.values(body as Row).find(Array.isArray);
    if (list) return list as Row[];
  }
  return [];
}

function columnsOf(rows: readonly Row[]): Column<Row>[] {
  const keys = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  return keys.map((key) => ({ key, label: key, value: (row: Row) => row[key] }));
}

/**
 * The audit log of one person's record (`GET /v1/audit?subject=`, as the contract names it) and
 * the log extract to hand the person (`GET /v1/audit/extract`, Amendments v1.1).
 */
export function AdminPage(props: { token: string }) {
  const [subject, setSubject] = useState('');
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const [audit, runAudit] = useRequest<unknown>();
  const [extract, runExtract] = useRequest<unknown>();
  const [fileError, setFileError] = useState<string | null>(null);
  // The extract's bounds are RFC 3339 times: the whole of each chosen day, in UTC.
  const extractQuery = (format?: string) => query({ subject: subjectOf(subject), from: from ? `${from}T00:00:00Z` : undefined, to: to ? `${to}T23:59:59Z` : undefined, format });
  return (
    <>
      <h1>{t('adminTitle')}</h1>
      <form
        class="analysis"
        onSubmit={(e) => {
          e.preventDefault();
          if (!subject.trim()) return;
          void runAudit(() => api<unknown>(props.token, 'GET', `/v1/audit${query({ subject: subjectOf(subject) })}`));
        }}
      >
        <div class="field">
          <label for="audit-subject">{t('auditSubject')}</label>
          <input id="audit-subject" type="text" autocomplete="off" spellcheck={false} value={subject} required onInput={(e) => setSubject(e.currentTarget.value)} />
        </div>
        <div class="field">
          <label for="extract-from">{t('from')}</label>
          <input id="extract-from" type="date" value={from} onInput={(e) => setFrom(e.currentTarget.value)} />
        </div>
        <div class="field">
          <label for="extract-to">{t('to')}</label>
          <input id="extract-to" type="date" value={to} onInput={(e) => setTo(e.currentTarget.value)} />
        </div>
        <div class="row">
          <button type="submit">{t('showAudit')}</button>
          <button type="button" onClick={() => subject.trim() && void runExtract(() => api<unknown>(props.token, 'GET', `/v1/audit/extract${extractQuery()}`))}>{t('showExtract')}</button>
          <button
            type="button"
            onClick={() => {
              if (!subject.trim()) return;
              setFileError(null);
              apiBlob(props.token, `/v1/audit/extract${extractQuery('csv')}`)
                .then((blob) => download('log-extract.csv', blob))
                .catch((error: unknown) => setFileError(errorMessage(error)));
            }}
          >
            {t('downloadExtract')}
          </button>
        </div>
      </form>
      {fileError ? <div role="alert" class="status error">{fileError}</div> : null}
      <section aria-labelledby="audit-title">
        <h2 id="audit-title">{t('auditLog')}</h2>
        <Status state={audit} isEmpty={(b) => listOf(b).length === 0}>
          {(body) => <DataTable caption={t('auditLog')} columns={columnsOf(listOf(body))} rows={listOf(body)} />}
        </Status>
      </section>
      <section aria-labelledby="extract-title">
        <h2 id="extract-title">{t('extract')}</h2>
        <Status state={extract} isEmpty={(b) => listOf(b).length === 0}>
          {(body) => <DataTable caption={t('extract')} columns={columnsOf(listOf(body))} rows={listOf(body)} />}
        </Status>
      </section>
    </>
  );
}
