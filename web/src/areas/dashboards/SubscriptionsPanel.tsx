// Subscriptions: members who get the dashboard by mail on a schedule (five-field cron in the
// org's time zone), with the formats the mail carries. The API refuses a bad schedule, a
// recipient who is not a member or no format; each refusal shows next to its field.
import { useCallback, useState } from 'react';
import { api } from '../../api/client';
import { call } from '../../api/problem';
import { Field } from '../../ui/Field';
import { Form } from '../../ui/Form';
import { Notice } from '../../ui/Page';
import { ProblemAlert } from '../../ui/ProblemAlert';
import { useAction } from '../../ui/useAction';
import { useLoad } from '../../app/useLoad';

const FORMATS = [
  { value: 'inline', label: 'Charts as pictures in the mail' },
  { value: 'pdf', label: 'The dashboard as a PDF' },
  { value: 'csv', label: 'Each table as a CSV file' },
] as const;
type Format = (typeof FORMATS)[number]['value'];

export function SubscriptionsPanel({ orgId, dashboardId }: { orgId: string; dashboardId: string }) {
  const subs = useLoad(useCallback(() => call(api.GET('/orgs/{orgId}/dashboard-subscriptions', { params: { path: { orgId } } })), [orgId]));
  const members = useLoad(useCallback(() => call(api.GET('/orgs/{orgId}/members', { params: { path: { orgId }, query: { limit: 100 } } })), [orgId]));
  const [recipients, setRecipients] = useState<string[]>([]);
  const [formats, setFormats] = useState<Format[]>(['inline']);
  const [said, setSaid] = useState<string | null>(null);
  const toggle = <T,>(list: T[], item: T) => (list.includes(item) ? list.filter((x) => x !== item) : [...list, item]);
  const emailOf = (userId: string) => members.data?.data.find((m) => m.userId === userId)?.email ?? userId;

  const create = useAction(async (v: Record<string, string>) => {
    await call(api.POST('/orgs/{orgId}/dashboard-subscriptions', { params: { path: { orgId } }, body: { dashboardId, recipients, schedule: v.schedule ?? '', formats, skipEmpty: v.skipEmpty === 'on' } }));
    setSaid('The subscription is created.');
    setRecipients([]);
    await subs.reload();
  });
  const remove = useAction(async (subscriptionId: string) => {
    await call(api.DELETE('/orgs/{orgId}/dashboard-subscriptions/{subscriptionId}', { params: { path: { orgId, subscriptionId } } }));
    setSaid('The subscription is deleted.');
    await subs.reload();
  });
  const mine = (subs.data?.data ?? []).filter((s) => s.dashboardId === dashboardId);
  return (
    <section aria-labelledby="subscriptions-title">
      <h2 id="subscriptions-title">Subscriptions</h2>
      {said && <Notice>{said}</Notice>}
      <ProblemAlert problem={subs.problem ?? remove.problem} />
      <ul className="list" aria-label="Subscriptions">
        {mine.map((s) => (
          <li key={s.id}>
            <div>
              <strong>{s.recipients.map(emailOf).join(', ')}</strong>
              <div className="meta">
                Schedule {s.schedule} · {s.formats.join(', ')} · next {new Date(s.nextRunAt).toLocaleString()}
              </div>
            </div>
            <button type="button" className="danger" onClick={() => remove.start(s.id)}>
              Delete<span className="visually-hidden"> the subscription on {s.schedule}</span>
            </button>
          </li>
        ))}
      </ul>
      {subs.data && mine.length === 0 && <p>No subscription yet.</p>}
      <h3>Subscribe members</h3>
      <Form onSubmit={create.start} problem={create.problem ?? members.problem} pending={create.pending} submitLabel="Create the subscription" label="Create a subscription">
        {(errors) => (
          <>
            <fieldset>
              <legend>Recipients</legend>
              {errors.recipients && <p className="field-error">{errors.recipients}</p>}
              {members.data?.data.map((m) => (
                <label key={m.userId} className="checkbox">
                  <input type="checkbox" checked={recipients.includes(m.userId)} onChange={() => setRecipients((now) => toggle(now, m.userId))} />
                  <span>{m.email}</span>
                </label>
              ))}
            </fieldset>
            <Field label="Schedule" name="schedule" hint="Five-field cron in the organization's time zone: 0 8 * * 1 is Mondays at 08:00." error={errors.schedule} />
            <fieldset>
              <legend>The mail carries</legend>
              {errors.formats && <p className="field-error">{errors.formats}</p>}
              {FORMATS.map((f) => (
                <label key={f.value} className="checkbox">
                  <input type="checkbox" checked={formats.includes(f.value)} onChange={() => setFormats((now) => toggle(now, f.value))} />
                  <span>{f.label}</span>
                </label>
              ))}
            </fieldset>
            <label className="checkbox">
              <input type="checkbox" name="skipEmpty" defaultChecked />
              <span>Skip the mail when no widget has a row</span>
            </label>
          </>
        )}
      </Form>
    </section>
  );
}
