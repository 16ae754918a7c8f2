// A project's tasks: add one (name, estimate), move it along (to do → in progress → done), delete it.
import { useCallback } from 'react';
import { api } from '../../api/client';
import { call, fieldMessages } from '../../api/problem';
import type { components } from '../../api/schema';
import { useLoad } from '../../app/useLoad';
import { Field } from '../../ui/Field';
import { Form } from '../../ui/Form';
import { ProblemAlert } from '../../ui/ProblemAlert';
import { useAction } from '../../ui/useAction';
import { loadAll, resetActiveForm } from './load';

type Status = components['schemas']['Task']['status'];
const STATUSES: { value: Status; label: string }[] = [
  { value: 'todo', label: 'To do' },
  { value: 'in_progress', label: 'In progress' },
  { value: 'done', label: 'Done' },
];

export function ProjectTasks({ orgId, projectId, canWrite }: { orgId: string; projectId: string; canWrite: boolean }) {
  const path = { orgId, projectId };
  const tasks = useLoad(
    useCallback(
      () => loadAll((cursor) => call(api.GET('/orgs/{orgId}/projects/{projectId}/tasks', { params: { path: { orgId, projectId }, query: { limit: 100, ...(cursor ? { cursor } : {}) } } }))),
      [orgId, projectId],
    ),
  );
  const add = useAction(async (v: Record<string, string>) => {
    const estimate = v.estimateMinutes?.trim() ? Number(v.estimateMinutes) : undefined;
    await call(api.POST('/orgs/{orgId}/projects/{projectId}/tasks', { params: { path }, body: { name: v.name, ...(estimate !== undefined ? { estimateMinutes: estimate } : {}) } }));
    resetActiveForm();
    await tasks.reload();
  });
  const change = useAction(async (taskId: string, status: Status) => {
    await call(api.PATCH('/orgs/{orgId}/projects/{projectId}/tasks/{taskId}', { params: { path: { ...path, taskId } }, body: { status } }));
    await tasks.reload();
  });
  const remove = useAction(async (taskId: string) => {
    await call(api.DELETE('/orgs/{orgId}/projects/{projectId}/tasks/{taskId}', { params: { path: { ...path, taskId } } }));
    await tasks.reload();
  });
  const errors = fieldMessages(add.problem);
  return (
    <section aria-labelledby="tasks-title">
      <h2 id="tasks-title">Tasks</h2>
      <ProblemAlert problem={tasks.problem ?? change.problem ?? remove.problem} />
      {tasks.data && tasks.data.length === 0 && <p>No tasks yet.</p>}
      <ul className="list" aria-label="Tasks">
        {tasks.data?.map((t) => (
          <li key={t.id}>
            <div>
              <strong>{t.name}</strong>
              {t.estimateMinutes !== null && <span className="meta"> · estimate {t.estimateMinutes} min</span>}
            </div>
            <div className="toolbar">
              <label className="visually-hidden" htmlFor={`task-${t.id}`}>
                Status of {t.name}
              </label>
              <select id={`task-${t.id}`} value={t.status} disabled={!canWrite} onChange={(e) => void change.start(t.id, e.target.value as Status)}>
                {STATUSES.map((s) => (
                  <option key={s.value} value={s.value}>
                    {s.label}
                  </option>
                ))}
              </select>
              {canWrite && (
                <button type="button" className="danger" onClick={() => void remove.start(t.id)}>
                  Delete<span className="visually-hidden"> the task {t.name}</span>
                </button>
              )}
            </div>
          </li>
        ))}
      </ul>
      {canWrite && (
        <Form onSubmit={add.start} problem={add.problem} pending={add.pending} submitLabel="Add the task" label="Add a task">
          {() => (
            <div className="row-fields">
              <Field label="Task name" name="name" required error={errors.name} />
              <Field label="Estimate in minutes" name="estimateMinutes" inputMode="numeric" error={errors.estimateMinutes} />
            </div>
          )}
        </Form>
      )}
    </section>
  );
}
