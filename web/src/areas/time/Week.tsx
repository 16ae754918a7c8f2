// The week view: my entries of one week, day by day, each editable in place; a form to add
// one; the week's and each day's totals. The week is in the address (?week=YYYY-MM-DD, any day
// of it), so it survives a reload and can be linked. Starts on the org's first weekday.
import { useCallback, useEffect, useMemo, useState, useSyncExternalStore } from 'react';
import { useParams, useSearchParams } from 'react-router';
import { api } from '../../api/client';
import { call } from '../../api/problem';
import { session } from '../../api/session';
import { useLoad } from '../../app/useLoad';
import { Page } from '../../ui/Page';
import { ProblemAlert } from '../../ui/ProblemAlert';
import { loadAll, loadProjects } from '../projects/load';
import { AddEntry } from './AddEntry';
import { EntryRow } from './EntryRow';
import { SubNav } from './SubNav';
import { timer } from './timer';
import { byDay, dayLabel, type Entry, formatDuration, isoWeek, parseYmd, total, weekDays, weekStart, ymd } from './week';

const zone = () => Intl.DateTimeFormat().resolvedOptions().timeZone;

export function Week() {
  const orgId = useParams().orgId ?? '';
  const [params, setParams] = useSearchParams();
  const me = useSyncExternalStore(session.subscribe, session.get);
  const userId = me.status === 'signed-in' ? me.user.id : '';
  const changes = useSyncExternalStore(timer.subscribe, () => timer.get().changes);
  const settings = useLoad(useCallback(() => call(api.GET('/orgs/{orgId}/time-settings', { params: { path: { orgId } } })), [orgId]));
  const projects = useLoad(useCallback(() => loadProjects(orgId), [orgId]));

  const asked = params.get('week');
  const start = weekStart(asked && /^\d{4}-\d{2}-\d{2}$/.test(asked) ? parseYmd(asked) : new Date(), settings.data?.weekStartsOn ?? 'monday');
  const first = ymd(start);
  const days = useMemo(() => weekDays(parseYmd(first)), [first]);

  const [entries, setEntries] = useState<Entry[] | undefined>(undefined);
  const [status, setStatus] = useState('');
  const load = useCallback(
    () =>
      loadAll((cursor) =>
        call(
          api.GET('/orgs/{orgId}/time-entries', {
            params: { path: { orgId }, query: { userId, from: days[0], to: days[6], tz: zone(), limit: 100, ...(cursor ? { cursor } : {}) } },
          }),
        ),
      ),
    [orgId, userId, days],
  );
  const list = useLoad(load);
  // biome-ignore lint/correctness/useExhaustiveDependencies: a timer started or stopped elsewhere changes the week
  useEffect(() => {
    if (changes) void list.reload();
  }, [changes]);
  useEffect(() => setEntries(list.data), [list.data]);

  const grouped = useMemo(() => byDay(entries ?? [], days), [entries, days]);
  const dayTexts = useMemo(() => new Map(days.map((d) => [d, dayLabel(d)])), [days]);
  const onSaved = useCallback((next: Entry, what: string) => {
    setEntries((now) => now?.map((e) => (e.id === next.id ? next : e)));
    setStatus(`Saved ${what}.`);
  }, []);
  const onDeleted = useCallback((id: string, what: string) => {
    setEntries((now) => now?.filter((e) => e.id !== id));
    setStatus(`Deleted ${what}.`);
  }, []);
  const onAdded = useCallback((entry: Entry) => {
    setEntries((now) => [...(now ?? []), entry]);
    setStatus(`Added the entry at ${new Date(entry.start).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' })}.`);
  }, []);
  const go = (offsetDays: number | null) => {
    const next = offsetDays === null ? new Date() : new Date(start.getFullYear(), start.getMonth(), start.getDate() + offsetDays);
    setParams(offsetDays === null ? {} : { week: ymd(next) });
  };
  const projectList = projects.data ?? [];
  const weekTitle = `${parseYmd(days[0]).toLocaleDateString(undefined, { day: 'numeric', month: 'long' })} – ${parseYmd(days[6]).toLocaleDateString(undefined, { day: 'numeric', month: 'long', year: 'numeric' })}`;

  return (
    <Page title="My week">
      <div className="area-time">
        <SubNav orgId={orgId} />
        <div className="toolbar">
          <button type="button" onClick={() => go(-7)}>
            Previous week
          </button>
          <button type="button" onClick={() => go(null)}>
            This week
          </button>
          <button type="button" onClick={() => go(7)}>
            Next week
          </button>
        </div>
        <p>
          <strong>{weekTitle}</strong> <span className="meta">({isoWeek(parseYmd(days[0]))})</span> — total{' '}
          <strong data-testid="week-total">{entries ? formatDuration(total(entries)) : '…'}</strong>
        </p>
        {settings.data?.lockDate && <p className="hint">Entries before {settings.data.lockDate} are locked.</p>}
        <ProblemAlert problem={settings.problem ?? projects.problem ?? list.problem} />
        <p role="status" className="visually-hidden">
          {status}
        </p>
        <h2>Add an entry</h2>
        {projects.data && <AddEntry orgId={orgId} days={days} projects={projectList} onAdded={onAdded} />}
        {!entries && !list.problem && <p role="status">Loading the week…</p>}
        {entries &&
          days.map((day) => {
            const dayEntries = grouped.get(day) ?? [];
            const headingId = `day-${day}`;
            return (
              <section key={day} aria-labelledby={headingId} className="week-day">
                <h2 id={headingId}>
                  {dayTexts.get(day)} <span className="day-total">· {formatDuration(total(dayEntries))}</span>
                </h2>
                {dayEntries.length === 0 ? (
                  <p className="hint">Nothing logged.</p>
                ) : (
                  <div className="table-scroll">
                    <table className="entries">
                      <colgroup>
                        <col className="c-time" />
                        <col className="c-time" />
                        <col className="c-hours" />
                        <col className="c-project" />
                        <col />
                        <col className="c-actions" />
                      </colgroup>
                      <thead>
                        <tr>
                          <th scope="col">Start</th>
                          <th scope="col">End</th>
                          <th scope="col">Hours</th>
                          <th scope="col">Project</th>
                          <th scope="col">Description</th>
                          <th scope="col">
                            <span className="visually-hidden">Actions</span>
                          </th>
                        </tr>
                      </thead>
                      <tbody>
                        {dayEntries.map((e) => (
                          <EntryRow key={e.id} orgId={orgId} entry={e} day={day} dayText={dayTexts.get(day) ?? day} projects={projectList} onSaved={onSaved} onDeleted={onDeleted} />
                        ))}
                      </tbody>
                    </table>
                  </div>
                )}
              </section>
            );
          })}
      </div>
    </Page>
  );
}
