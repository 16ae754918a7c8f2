// Alerts on saved questions: a value crossing a line (or rows appearing, disappearing, a
// change in percent), checked on a schedule, told in the app and by mail. Create, list, delete;
// the API's refusals (a bad schedule, a missing threshold) show next to their fields.
import { useCallback, useState } from 'react';
import { useParams } from 'react-router';
import { api } from '../../api/client';
import { call } from '../../api/problem';
import type { components } from '../../api/schema';
import { Field } from '../../ui/Field';
import { Form } from '../../ui/Form';
import { Notice, Page } from '../../ui/Page';
import { ProblemAlert } from '../../ui/ProblemAlert';
import { useAction } from '../../ui/useAction';
import { useLoad } from '../../app/useLoad';

type Condition = components['schemas']['AlertCondition'];
const KINDS: { kind: Condition['kind']; label: string }[] = [
  { kind: 'above', label: 'Goes above' },
  { kind: 'below', label: 'Goes below' },
  { kind: 'changed_by_percent', label: 'Changes by a percentage' },
  { kind: 'rows_present', label: 'Has rows' },
  { kind: 'rows_absent', label: 'Has no rows' },
];
const CHANNELS = [
  { value: 'in_app', label: 'In the app' },
  { value: 'email', label: 'By email' },
] as const;

/** The condition as the API takes it; a number left empty goes as NaN-free `undefined` for the API to refuse. */
function condition(kind: Condition['kind'], amount: string): Condition {
  const n = amount.trim() === '' ? undefined : Number(amount);
  if (kind === 'above' || kind === 'below') return { kind, threshold: n } as Condition;
  if (kind === 'changed_by_percent') return { kind, percent: n } as Condition;
  return { kind };
}

function describe(c: Condition): string {
  if (c.kind === 'above' || c.kind === 'below') return `${c.kind} ${c.threshold}`;
  if (c.kind === 'changed_by_percent') return `changes by ${c.percent} %`;
  return c.kind === 'rows_present' ? 'has rows' : 'has no rows';
}

export function Alerts() {
  const { orgId = '' } = useParams();
  const alerts = useLoad(useCallback(() => call(api.GET('/orgs/{orgId}/alerts', { params: { path: { orgId } } })), [orgId]));
  const questions = useLoad(useCallback(() => call(api.GET('/orgs/{orgId}/questions', { params: { path: { orgId }, query: { limit: 100 } } })), [orgId]));
  const [kind, setKind] = useState<Condition['kind']>('above');
  const [channels, setChannels] = useState<string[]>(['in_app', 'email']);
  const [said, setSaid] = useState<string | null>(null);
  const create = useAction(async (v: Record<string, string>) => {
    const alert = await call(
      api.POST('/orgs/{orgId}/alerts', {
        params: { path: { orgId } },
        body: { questionId: v.questionId ?? '', name: v.name ?? '', condition: condition(kind, v.amount ?? ''), schedule: v.schedule ?? '', channels: channels as ('in_app' | 'email')[] },
      }),
    );
    setSaid(`The alert “${alert.name}” is created.`);
    await alerts.reload();
  });
  const remove = useAction(async (alertId: string) => {
    await call(api.DELETE('/orgs/{orgId}/alerts/{alertId}', { params: { path: { orgId, alertId } } }));
    setSaid('The alert is deleted.');
    await alerts.reload();
  });
  const questionName = (id: string) => questions.data?.data.find((q) => q.id === id)?.name ?? 'a question';
  const needsAmount = kind === 'above' || kind === 'below' || kind === 'changed_by_percent';
  return (
    <Page title="Alerts">
      {said && <Notice>{said}</Notice>}
      <ProblemAlert problem={alerts.problem ?? remove.problem} />
      <ul className="list" aria-label="Alerts">
        {alerts.data?.data.map((a) => (
          <li key={a.id}>
            <div>
              <strong>{a.name}</strong>
              <div className="meta">
                When {questionName(a.questionId)} {describe(a.condition)} · checked {a.schedule} · {a.status}
                {a.state.firing ? ' · firing now' : ''}
              </div>
            </div>
            <button type="button" className="danger" onClick={() => remove.start(a.id)}>
              Delete<span className="visually-hidden"> the alert {a.name}</span>
            </button>
          </li>
        ))}
      </ul>
      {alerts.data && alerts.data.data.length === 0 && <p>No alerts yet.</p>}
      <h2>New alert</h2>
      <Form onSubmit={create.start} problem={create.problem ?? questions.problem} pending={create.pending} submitLabel="Create the alert">
        {(errors) => (
          <>
            <div className="field">
              <label htmlFor="alert-question">Question</label>
              <select id="alert-question" name="questionId" aria-invalid={errors.questionId ? true : undefined}>
                {questions.data?.data.map((q) => (
                  <option key={q.id} value={q.id}>
                    {q.name}
                  </option>
                ))}
              </select>
              {errors.questionId && <p className="field-error">{errors.questionId}</p>}
            </div>
            <Field label="Name" name="name" required error={errors.name} />
            <div className="field">
              <label htmlFor="alert-kind">When the first value</label>
              <select id="alert-kind" value={kind} onChange={(e) => setKind(e.target.value as Condition['kind'])}>
                {KINDS.map((k) => (
                  <option key={k.kind} value={k.kind}>
                    {k.label}
                  </option>
                ))}
              </select>
            </div>
            {needsAmount && (
              <Field
                label={kind === 'changed_by_percent' ? 'Percent' : 'Threshold'}
                name="amount"
                type="number"
                step="any"
                error={errors['condition.threshold'] ?? errors['condition.percent'] ?? errors.condition}
              />
            )}
            <Field label="Schedule" name="schedule" hint="Five-field cron in the organization's time zone: 0 9 * * * is every day at 09:00." error={errors.schedule} />
            <fieldset>
              <legend>Tell me</legend>
              {errors.channels && <p className="field-error">{errors.channels}</p>}
              {CHANNELS.map((c) => (
                <label key={c.value} className="checkbox">
                  <input type="checkbox" checked={channels.includes(c.value)} onChange={() => setChannels((now) => (now.includes(c.value) ? now.filter((x) => x !== c.value) : [...now, c.value]))} />
                  <span>{c.label}</span>
                </label>
              ))}
            </fieldset>
          </>
        )}
      </Form>
    </Page>
  );
}
