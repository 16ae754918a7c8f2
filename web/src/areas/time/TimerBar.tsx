// The header's timer, on every page of an organization: the running timer with its project,
// elapsed time and a Stop button; when none runs, "Start a timer" opens a small form (project,
// description). It is part of the first bundle (the header), so it stays small: the projects
// are fetched only when the form is opened.
import { type FormEvent, useEffect, useState, useSyncExternalStore } from 'react';
import { type Problem, ProblemError, toProblem } from '../../api/problem';
import { ProblemAlert } from '../../ui/ProblemAlert';
import { loadProjects, type Project, projectLabel } from '../projects/load';
import { timer } from './timer';
import './time.css';

const pad = (n: number) => String(n).padStart(2, '0');
function elapsedText(start: string, now: number): string {
  const s = Math.max(0, Math.floor((now - Date.parse(start)) / 1000));
  return `${Math.floor(s / 3600)}:${pad(Math.floor(s / 60) % 60)}:${pad(s % 60)}`;
}

/** The running time, ticking each second (not a live region: it would be read out every second). */
function Elapsed({ start }: { start: string }) {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const tick = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(tick);
  }, []);
  return <time className="timer-elapsed">{elapsedText(start, now)}</time>;
}

export function TimerBar({ orgId }: { orgId: string }) {
  const state = useSyncExternalStore(timer.subscribe, timer.get);
  const [problem, setProblem] = useState<Problem | null>(null);
  const [pending, setPending] = useState(false);
  const [projects, setProjects] = useState<Project[] | undefined>(undefined);
  const [open, setOpen] = useState(false);

  useEffect(() => {
    // Another org: its own timer, its own projects.
    setProjects(undefined);
    setOpen(false);
    void timer.load(orgId);
    const again = () => void timer.load(orgId);
    window.addEventListener('focus', again);
    return () => window.removeEventListener('focus', again);
  }, [orgId]);

  const act = async (run: () => Promise<void>) => {
    setPending(true);
    setProblem(null);
    try {
      await run();
      return true;
    } catch (err) {
      setProblem(err instanceof ProblemError ? err.problem : toProblem(err));
      return false;
    } finally {
      setPending(false);
    }
  };
  const toggle = (isOpen: boolean) => {
    setOpen(isOpen);
    if (isOpen && !projects) void loadProjects(orgId).then((list) => setProjects(list.filter((p) => p.status === 'active')), (err) => setProblem(toProblem(err)));
  };
  const start = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const description = String(form.get('description') ?? '').trim();
    const ok = await act(() => timer.start(orgId, { projectId: String(form.get('projectId')), ...(description ? { description } : {}) }));
    if (ok) setOpen(false);
  };

  const running = state.orgId === orgId ? state.running : null;
  if (running) {
    return (
      <section className="timer" aria-label="Running timer">
        <span className="timer-dot" aria-hidden="true" />
        <span className="timer-what">
          <span className="visually-hidden">Timer running: </span>
          {state.projectLabel}
          {running.description && <span className="meta"> — {running.description}</span>}
        </span>
        <Elapsed start={running.start} />
        <button type="button" onClick={() => void act(() => timer.stop(orgId))} disabled={pending}>
          Stop the timer
        </button>
        <ProblemAlert problem={problem} />
      </section>
    );
  }
  return (
    <details className="timer-start" open={open} onToggle={(e) => toggle(e.currentTarget.open)}>
      <summary>Start a timer</summary>
      {open && (
        <form onSubmit={start} aria-label="Start a timer" className="timer-form">
          <div className="field">
            <label htmlFor="timer-project">Project</label>
            <select id="timer-project" name="projectId" required disabled={!projects}>
              {projects?.map((p) => (
                <option key={p.id} value={p.id}>
                  {projectLabel(p)}
                </option>
              ))}
            </select>
          </div>
          <div className="field">
            <label htmlFor="timer-description">What are you working on?</label>
            <input id="timer-description" name="description" autoComplete="off" />
          </div>
          <ProblemAlert problem={problem} />
          {projects && projects.length === 0 && <p className="hint">No active project yet: create one under Projects.</p>}
          <button type="submit" className="primary" disabled={pending || !projects || projects.length === 0}>
            Start
          </button>
        </form>
      )}
    </details>
  );
}
