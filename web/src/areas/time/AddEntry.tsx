// Adding an entry to the week shown, keyboard first: the day, a start, then an end or a
// duration ("1:30", "90m"), the project (and a task), a description; Enter adds it, and the
// focus goes back to the start field for the next one. Refusals (an overlap, a lock) show
// above the button, a field's problem under the field.
import { type FormEvent, useEffect, useState } from 'react';
import { api } from '../../api/client';
import { call, fieldMessages, type Problem, ProblemError } from '../../api/problem';
import type { components } from '../../api/schema';
import { Field } from '../../ui/Field';
import { useAction } from '../../ui/useAction';
import { type Project, projectLabel } from '../projects/load';
import { entryProblemText } from './entryProblem';
import { atTime, dayLabel, type Entry, parseDuration } from './week';

type Task = components['schemas']['Task'];
const invalid = (errors: { field: string; message: string }[]): Problem => ({ status: 400, code: 'VALIDATION_FAILED', title: 'Invalid', detail: 'Some fields need attention.', errors });

/** The body of a new entry from the form's values, or the problem of the fields. */
export function newEntryBody(v: Record<string, string>): { body?: Record<string, unknown>; problem?: Problem } {
  const errors: { field: string; message: string }[] = [];
  const start = atTime(v.day, v.start ?? '');
  if (!start) errors.push({ field: 'start', message: 'Give the start as HH:MM, e.g. 09:30.' });
  const end = v.end?.trim() ? atTime(v.day, v.end) : undefined;
  if (v.end?.trim() && !end) errors.push({ field: 'end', message: 'Give the end as HH:MM, e.g. 17:00.' });
  const duration = v.duration?.trim() ? parseDuration(v.duration) : undefined;
  if (v.duration?.trim() && !duration) errors.push({ field: 'duration', message: 'Give a duration like 1:30, 1.5h or 90m.' });
  if (!v.end?.trim() && !v.duration?.trim()) errors.push({ field: 'end', message: 'Give an end or a duration.' });
  if (!v.projectId) errors.push({ field: 'projectId', message: 'Choose a project.' });
  if (errors.length) return { problem: invalid(errors) };
  return {
    body: {
      projectId: v.projectId,
      start,
      ...(end ? { end } : { durationSeconds: duration }),
      ...(v.taskId ? { taskId: v.taskId } : {}),
      ...(v.description?.trim() ? { description: v.description.trim() } : {}),
      billable: v.billable === 'on',
    },
  };
}

interface Props {
  orgId: string;
  days: string[];
  projects: Project[];
  onAdded: (entry: Entry) => void;
}

export function AddEntry({ orgId, days, projects, onAdded }: Props) {
  const today = new Date();
  const todayYmd = `${today.getFullYear()}-${String(today.getMonth() + 1).padStart(2, '0')}-${String(today.getDate()).padStart(2, '0')}`;
  const active = projects.filter((p) => p.status === 'active');
  const [projectId, setProjectId] = useState('');
  const [tasks, setTasks] = useState<Task[]>([]);
  const chosen = projectId || active[0]?.id || '';

  useEffect(() => {
    setTasks([]);
    if (!chosen) return;
    let stale = false;
    void call(api.GET('/orgs/{orgId}/projects/{projectId}/tasks', { params: { path: { orgId, projectId: chosen }, query: { limit: 100 } } })).then(
      (page) => !stale && setTasks(page.data.filter((t) => t.status !== 'done')),
      () => undefined,
    );
    return () => {
      stale = true;
    };
  }, [orgId, chosen]);

  const add = useAction(async (v: Record<string, string>, form: HTMLFormElement) => {
    const { body, problem } = newEntryBody(v);
    if (problem) throw new ProblemError(problem);
    const entry = await call(api.POST('/orgs/{orgId}/time-entries', { params: { path: { orgId } }, body: body as never }));
    onAdded(entry);
    for (const name of ['start', 'end', 'duration', 'description']) (form.elements.namedItem(name) as HTMLInputElement).value = '';
    (form.elements.namedItem('start') as HTMLInputElement).focus();
  });
  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const values: Record<string, string> = {};
    for (const [name, value] of new FormData(event.currentTarget)) if (typeof value === 'string') values[name] = value;
    void add.start(values, event.currentTarget);
  };
  const errors = fieldMessages(add.problem);
  const project = active.find((p) => p.id === chosen);

  return (
    <form onSubmit={submit} aria-label="Add an entry" noValidate aria-busy={add.pending || undefined}>
      <div className="row-fields">
        <div className="field">
          <label htmlFor="add-day">Day</label>
          <select id="add-day" name="day" defaultValue={days.includes(todayYmd) ? todayYmd : days[0]} key={days[0]}>
            {days.map((d) => (
              <option key={d} value={d}>
                {dayLabel(d)}
              </option>
            ))}
          </select>
        </div>
        <Field label="Start" name="start" hint="HH:MM" inputMode="numeric" autoComplete="off" error={errors.start} />
        <Field label="End" name="end" hint="HH:MM" inputMode="numeric" autoComplete="off" error={errors.end} />
        <Field label="Or duration" name="duration" hint="1:30, 1.5h, 90m" autoComplete="off" error={errors.duration} />
      </div>
      <div className="row-fields">
        <div className="field">
          <label htmlFor="add-project">Project</label>
          <select id="add-project" name="projectId" value={chosen} onChange={(e) => setProjectId(e.target.value)} aria-invalid={errors.projectId ? true : undefined}>
            {active.map((p) => (
              <option key={p.id} value={p.id}>
                {projectLabel(p)}
              </option>
            ))}
          </select>
          {errors.projectId && <p className="field-error">{errors.projectId}</p>}
        </div>
        <div className="field">
          <label htmlFor="add-task">Task</label>
          <select id="add-task" name="taskId" defaultValue="" key={chosen}>
            <option value="">No task</option>
            {tasks.map((t) => (
              <option key={t.id} value={t.id}>
                {t.name}
              </option>
            ))}
          </select>
        </div>
        <Field label="Description" name="description" autoComplete="off" error={errors.description} />
      </div>
      <label className="checkbox">
        <input type="checkbox" name="billable" defaultChecked={project?.billableDefault ?? true} key={`billable-${chosen}`} />
        Billable
      </label>
      {add.problem && !add.problem.errors?.length && (
        <div className="alert" role="alert">
          <p>{entryProblemText(add.problem)}</p>
        </div>
      )}
      {add.problem?.errors?.length ? (
        <p className="field-error" role="alert">
          Some fields need attention.
        </p>
      ) : null}
      <div>
        <button type="submit" className="primary" disabled={add.pending || active.length === 0}>
          Add the entry
        </button>
      </div>
    </form>
  );
}
