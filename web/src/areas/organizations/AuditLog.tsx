// The organization's audit log (admins): every recorded event, newest first, narrowed by type,
// person, target and time; the same records as a CSV file (the download is itself recorded).
import { type FormEvent, useCallback, useEffect, useState } from 'react';
import { api } from '../../api/client';
import { call, fieldMessages, type Problem, ProblemError, toProblem } from '../../api/problem';
import type { components } from '../../api/schema';
import { Field, SelectField } from '../../ui/Field';
import { Notice, Page } from '../../ui/Page';
import { ProblemAlert } from '../../ui/ProblemAlert';
import { useAction } from '../../ui/useAction';
import { type AuditFilters, auditQuery, NO_FILTERS } from './auditQuery';
import { useOrg } from './useOrg';

type AuditEvent = components['schemas']['AuditEvent'];
const PAGE = 50;

export function AuditLog() {
  const { orgId, org } = useOrg();
  const [filters, setFilters] = useState<AuditFilters>(NO_FILTERS);
  const [events, setEvents] = useState<AuditEvent[] | undefined>(undefined);
  const [cursor, setCursor] = useState<string | null>(null);
  const [problem, setProblem] = useState<Problem | null>(null);
  const [people, setPeople] = useState<Map<string, string>>(new Map());
  const [downloaded, setDownloaded] = useState('');

  const load = useCallback(
    async (f: AuditFilters, after?: string) => {
      try {
        const page = await call(api.GET('/orgs/{orgId}/audit', { params: { path: { orgId }, query: { ...auditQuery(f), limit: PAGE, ...(after ? { cursor: after } : {}) } } }));
        setEvents((now) => (after && now ? [...now, ...page.data] : page.data));
        setCursor(page.page.nextCursor ?? null);
        setProblem(null);
      } catch (err) {
        setProblem(err instanceof ProblemError ? err.problem : toProblem(err));
      }
    },
    [orgId],
  );
  useEffect(() => {
    void load(NO_FILTERS);
  }, [load]);
  // Who is who: the log names people by id.
  useEffect(() => {
    void call(api.GET('/orgs/{orgId}/members', { params: { path: { orgId }, query: { limit: 100 } } }))
      .then((page) => setPeople(new Map(page.data.map((m) => [m.userId, m.email]))))
      .catch(() => undefined);
  }, [orgId]);

  const apply = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const next: AuditFilters = { type: '', actor: '', target: '', from: '', to: '' };
    for (const key of Object.keys(next) as (keyof AuditFilters)[]) next[key] = String(form.get(key) ?? '');
    setFilters(next);
    setDownloaded('');
    void load(next);
  };

  const download = useAction(async () => {
    setDownloaded('');
    const csv = await call(api.GET('/orgs/{orgId}/audit/export.csv', { params: { path: { orgId }, query: auditQuery(filters) }, parseAs: 'blob' }));
    // The file comes through the API with the access token, then is saved from memory.
    const url = URL.createObjectURL(csv as unknown as Blob);
    const link = document.createElement('a');
    link.href = url;
    link.download = `audit-${org?.slug ?? orgId}-${new Date().toISOString().slice(0, 10)}.csv`;
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
    setDownloaded('The CSV file is downloaded.');
  });

  const errors = fieldMessages(problem);
  const who = (e: AuditEvent) => (e.actorId ? (people.get(e.actorId) ?? e.actorId) : e.apiKeyId ? `API key ${e.apiKeyId.slice(0, 8)}` : 'the system');

  return (
    <Page title={org ? `Audit log of ${org.name}` : 'Audit log'}>
      <form className="filters" onSubmit={apply} aria-label="Filters" noValidate>
        <Field label="Event type" name="type" hint="Exact, or a prefix ending in *: organizations.member_*" error={errors.type} />
        <SelectField label="Person" name="actor" error={errors.actor}>
          <option value="">Anyone</option>
          {[...people].map(([id, email]) => (
            <option key={id} value={id}>
              {email}
            </option>
          ))}
        </SelectField>
        <Field label="Target id" name="target" error={errors.target} />
        <Field label="From" name="from" type="datetime-local" error={errors.from} />
        <Field label="Before" name="to" type="datetime-local" error={errors.to} />
        <div className="filter-actions">
          <button type="submit" className="primary">
            Apply the filters
          </button>
          <button type="button" onClick={() => download.start()} disabled={download.pending}>
            {download.pending ? 'Preparing…' : 'Download as CSV'}
          </button>
        </div>
      </form>
      <ProblemAlert problem={problem ?? download.problem} />
      {downloaded && <Notice>{downloaded}</Notice>}
      {!events && !problem && <p role="status">Loading…</p>}
      {events && (
        <p role="status" className="meta">
          {events.length === 0 ? 'No event matches.' : `${events.length}${cursor ? '+' : ''} events`}
        </p>
      )}
      {events && events.length > 0 && (
        <div className="table-scroll">
          <table className="table">
            <caption className="visually-hidden">Audit events, newest first</caption>
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Event</th>
                <th scope="col">Who</th>
                <th scope="col">Target</th>
                <th scope="col">Details</th>
              </tr>
            </thead>
            <tbody>
              {events.map((e) => (
                <tr key={e.id}>
                  <td>{new Date(e.occurredAt).toLocaleString()}</td>
                  <th scope="row">
                    <code>{e.type}</code>
                  </th>
                  <td>
                    {who(e)}
                    {e.ip && <div className="meta">{e.ip}</div>}
                  </td>
                  <td>{e.targetType ? `${e.targetType} ${e.targetId?.slice(0, 8) ?? ''}` : '—'}</td>
                  <td>
                    <details>
                      <summary>
                        Payload<span className="visually-hidden"> of {e.type}</span>
                      </summary>
                      <pre className="payload">{JSON.stringify(e.payload, null, 2)}</pre>
                    </details>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {cursor && (
        <p>
          <button type="button" onClick={() => void load(filters, cursor)}>
            Show older events
          </button>
        </p>
      )}
    </Page>
  );
}
