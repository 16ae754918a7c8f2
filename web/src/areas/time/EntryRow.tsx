// One entry of the week view, edited in place with the keyboard: its start, end, project and
// description are fields; Enter saves the row, Escape puts it back. A refusal (an overlap, a
// lock) is shown in a row under it, tied to its fields. Each row keeps what is typed in its own
// state and is memoized, so typing re-renders this row only, however long the week is.
import { type KeyboardEvent, memo, useState } from 'react';
import { api } from '../../api/client';
import { call, fieldMessages, type Problem, ProblemError, toProblem } from '../../api/problem';
import { type Project, projectLabel } from '../projects/load';
import { entryProblemText } from './entryProblem';
import { atTime, type Entry, formatDuration, hm } from './week';

interface Props {
  orgId: string;
  entry: Entry;
  day: string;
  dayText: string;
  projects: Project[];
  onSaved: (entry: Entry, what: string) => void;
  onDeleted: (id: string, what: string) => void;
}

interface Draft {
  start: string;
  end: string;
  projectId: string;
  description: string;
}
const draftOf = (e: Entry): Draft => ({ start: hm(e.start), end: e.end ? hm(e.end) : '', projectId: e.projectId, description: e.description });
const invalid = (field: string, message: string): Problem => ({ status: 400, code: 'VALIDATION_FAILED', title: 'Invalid', detail: 'Some fields need attention.', errors: [{ field, message }] });

/** The body of the change, or a problem when a time is not one. */
export function changeOf(entry: Entry, day: string, draft: Draft): { body: Record<string, string>; problem?: Problem } {
  const saved = draftOf(entry);
  const body: Record<string, string> = {};
  if (draft.start !== saved.start || draft.end !== saved.end) {
    const start = atTime(day, draft.start);
    if (!start) return { body, problem: invalid('start', 'Give the start as HH:MM, e.g. 09:30.') };
    const end = atTime(day, draft.end);
    if (!end) return { body, problem: invalid('end', 'Give the end as HH:MM, e.g. 17:00.') };
    body.start = start;
    // An end earlier than the start is the next morning (a night shift).
    body.end = end > start ? end : new Date(Date.parse(end) + 86_400_000).toISOString().replace('.000Z', 'Z');
  }
  if (draft.projectId !== saved.projectId) body.projectId = draft.projectId;
  if (draft.description !== saved.description) body.description = draft.description;
  return { body };
}

export const EntryRow = memo(function EntryRow({ orgId, entry, day, dayText, projects, onSaved, onDeleted }: Props) {
  const [draft, setDraft] = useState<Draft>(() => draftOf(entry));
  const [problem, setProblem] = useState<Problem | null>(null);
  const [pending, setPending] = useState(false);
  const what = `the entry at ${hm(entry.start)} on ${dayText}`;
  const errorId = `entry-${entry.id}-error`;
  const errors = fieldMessages(problem);
  const saved = draftOf(entry);
  const dirty = draft.start !== saved.start || draft.end !== saved.end || draft.projectId !== saved.projectId || draft.description !== saved.description;

  const run = async (action: () => Promise<void>) => {
    setPending(true);
    setProblem(null);
    try {
      await action();
    } catch (err) {
      setProblem(err instanceof ProblemError ? err.problem : toProblem(err));
    } finally {
      setPending(false);
    }
  };
  const save = () =>
    run(async () => {
      const change = changeOf(entry, day, draft);
      if (change.problem) throw new ProblemError(change.problem);
      if (Object.keys(change.body).length === 0) return;
      const next = await call(api.PATCH('/orgs/{orgId}/time-entries/{entryId}', { params: { path: { orgId, entryId: entry.id } }, body: change.body }));
      setDraft(draftOf(next));
      onSaved(next, what);
    });
  const remove = () =>
    run(async () => {
      await call(api.DELETE('/orgs/{orgId}/time-entries/{entryId}', { params: { path: { orgId, entryId: entry.id } } }));
      onDeleted(entry.id, what);
    });
  const onKeyDown = (event: KeyboardEvent<HTMLTableRowElement>) => {
    const target = event.target as HTMLElement;
    if (target.tagName === 'BUTTON') return;
    if (event.key === 'Enter') {
      event.preventDefault();
      void save();
    } else if (event.key === 'Escape' && dirty) {
      setDraft(saved);
      setProblem(null);
    }
  };
  const edit = (field: keyof Draft) => (event: { currentTarget: { value: string } }) => {
    const value = event.currentTarget.value;
    setDraft((now) => ({ ...now, [field]: value }));
  };
  const described = problem ? errorId : undefined;
  const mark = (field: string) => (problem && (errors[field] || !problem.errors?.length) ? true : undefined);

  if (!entry.end) {
    return (
      <tr>
        <td>{hm(entry.start)}</td>
        <td>running</td>
        <td />
        <td>{projects.find((p) => p.id === entry.projectId)?.name ?? ''}</td>
        <td>{entry.description}</td>
        <td />
      </tr>
    );
  }
  return (
    <>
      <tr onKeyDown={onKeyDown} aria-busy={pending || undefined}>
        <td>
          <input value={draft.start} onChange={edit('start')} aria-label={`Start of ${what}`} inputMode="numeric" autoComplete="off" aria-invalid={mark('start')} aria-describedby={described} />
        </td>
        <td>
          <input value={draft.end} onChange={edit('end')} aria-label={`End of ${what}`} inputMode="numeric" autoComplete="off" aria-invalid={mark('end')} aria-describedby={described} />
        </td>
        <td>{formatDuration(entry.durationSeconds ?? 0)}</td>
        <td>
          <select value={draft.projectId} onChange={edit('projectId')} aria-label={`Project of ${what}`}>
            {projects.map((p) => (
              <option key={p.id} value={p.id}>
                {projectLabel(p)}
              </option>
            ))}
          </select>
        </td>
        <td>
          <input className="desc" value={draft.description} onChange={edit('description')} aria-label={`Description of ${what}`} autoComplete="off" aria-describedby={described} />
        </td>
        <td>
          {/* Always there (enabled once changed): a button appearing would move the row's layout at the first key. */}
          <button type="button" onClick={() => void save()} disabled={pending || !dirty}>
            Save<span className="visually-hidden"> {what}</span>
          </button>{' '}
          <button type="button" className="danger" onClick={() => void remove()} disabled={pending}>
            Delete<span className="visually-hidden"> {what}</span>
          </button>
        </td>
      </tr>
      {problem && (
        <tr>
          <td colSpan={6} id={errorId} role="alert" className="error">
            {entryProblemText(problem)}
            {Object.values(errors).length > 0 && ` ${Object.values(errors).join(' ')}`}
          </td>
        </tr>
      )}
    </>
  );
});
