// Timesheets: submit mine for a week or a month; the timesheets I see (mine, and for managers
// and admins those of their people) with approve and reject (a reject needs a reason).
// Refusals (my own timesheet, one not waiting) are said next to the buttons of that timesheet.
import { type FormEvent, useCallback, useState, useSyncExternalStore } from 'react';
import { useParams } from 'react-router';
import { api } from '../../api/client';
import { call, fieldMessages } from '../../api/problem';
import type { components } from '../../api/schema';
import { session } from '../../api/session';
import { useLoad } from '../../app/useLoad';
import { Field } from '../../ui/Field';
import { Notice, Page } from '../../ui/Page';
import { ProblemAlert } from '../../ui/ProblemAlert';
import { useAction } from '../../ui/useAction';
import { loadAll, loadOrgMembers } from '../projects/load';
import { SubNav } from './SubNav';
import { formatDuration, isoWeek } from './week';

type Timesheet = components['schemas']['Timesheet'];
const STATUS: Record<Timesheet['status'], string> = { submitted: 'waiting for approval', approved: 'approved', rejected: 'rejected' };

function Decision({ orgId, sheet, who, onDone }: { orgId: string; sheet: Timesheet; who: string; onDone: (text: string) => void }) {
  const [comment, setComment] = useState('');
  const path = { orgId, period: sheet.period };
  const approve = useAction(async () => {
    await call(api.POST('/orgs/{orgId}/timesheets/{period}/approve', { params: { path }, body: { userId: sheet.userId, ...(comment.trim() ? { comment: comment.trim() } : {}) } }));
    onDone(`Approved ${sheet.period} of ${who}.`);
  });
  const reject = useAction(async () => {
    await call(api.POST('/orgs/{orgId}/timesheets/{period}/reject', { params: { path }, body: { userId: sheet.userId, comment: comment.trim() } }));
    onDone(`Rejected ${sheet.period} of ${who}.`);
  });
  const problem = approve.problem ?? reject.problem;
  const errors = fieldMessages(problem);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    void approve.start();
  };
  return (
    <form onSubmit={submit} aria-label={`Decide ${sheet.period} of ${who}`} className="decision">
      <Field label="Comment" name="comment" hint="Required to reject: say what to fix." value={comment} onChange={(e) => setComment(e.currentTarget.value)} error={errors.comment} />
      <ProblemAlert problem={problem} />
      <div className="toolbar">
        <button type="submit" className="primary" disabled={approve.pending || reject.pending}>
          Approve<span className="visually-hidden"> {sheet.period} of {who}</span>
        </button>
        <button type="button" className="danger" onClick={() => void reject.start()} disabled={approve.pending || reject.pending}>
          Reject<span className="visually-hidden"> {sheet.period} of {who}</span>
        </button>
      </div>
    </form>
  );
}

export function Timesheets() {
  const orgId = useParams().orgId ?? '';
  const me = useSyncExternalStore(session.subscribe, session.get);
  const myId = me.status === 'signed-in' ? me.user.id : '';
  const sheets = useLoad(
    useCallback(() => loadAll((cursor) => call(api.GET('/orgs/{orgId}/timesheets', { params: { path: { orgId }, query: { limit: 100, ...(cursor ? { cursor } : {}) } } }))), [orgId]),
  );
  const members = useLoad(useCallback(() => loadOrgMembers(orgId).catch(() => []), [orgId]));
  const [notice, setNotice] = useState('');
  const [period, setPeriod] = useState(() => isoWeek(new Date()));

  const submitMine = useAction(async () => {
    const sheet = await call(api.POST('/orgs/{orgId}/timesheets/{period}/submit', { params: { path: { orgId, period: period.trim() } } }));
    setNotice(`Submitted ${sheet.period}: ${formatDuration(sheet.durationSeconds)} in ${sheet.entries} entries, ${STATUS[sheet.status]}.`);
    await sheets.reload();
  });
  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    void submitMine.start();
  };
  const decided = async (text: string) => {
    setNotice(text);
    await sheets.reload();
  };
  const nameOf = (userId: string) => (userId === myId ? 'me' : (members.data?.find((m) => m.userId === userId)?.email ?? 'a member'));
  const errors = fieldMessages(submitMine.problem);

  return (
    <Page title="Timesheets">
      <div className="area-time">
        <SubNav orgId={orgId} />
        {notice && <Notice>{notice}</Notice>}
        <h2>Submit my timesheet</h2>
        <form onSubmit={onSubmit} aria-label="Submit my timesheet" noValidate>
          <Field label="Period" name="period" hint="A week like 2026-W50 or a month like 2026-12" value={period} onChange={(e) => setPeriod(e.currentTarget.value)} error={errors.period} />
          <ProblemAlert problem={submitMine.problem} />
          <div>
            <button type="submit" className="primary" disabled={submitMine.pending}>
              Submit for approval
            </button>
          </div>
        </form>
        <h2>Timesheets</h2>
        <ProblemAlert problem={sheets.problem} />
        {sheets.data && sheets.data.length === 0 && <p>No timesheets yet.</p>}
        <ul className="list" aria-label="Timesheets">
          {sheets.data?.map((s) => {
            const who = nameOf(s.userId);
            return (
              <li key={s.id}>
                <div>
                  <strong>{s.period}</strong> · {who} <span className="tag">{STATUS[s.status]}</span>
                  <div className="meta">
                    {formatDuration(s.durationSeconds)} in {s.entries} entries{s.comment ? ` · “${s.comment}”` : ''}
                  </div>
                </div>
                {s.userId !== myId && s.status !== 'rejected' && <Decision orgId={orgId} sheet={s} who={who} onDone={decided} />}
              </li>
            );
          })}
        </ul>
      </div>
    </Page>
  );
}
