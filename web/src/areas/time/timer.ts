// My running timer in the current organization, shared by the header (always visible) and the
// week view (which reloads when a timer starts or stops, as both make or close an entry).
// One timer per person and org (the API's rule); it is loaded when the org changes and when
// the window gets focus again, so a timer started elsewhere shows up.
import { api } from '../../api/client';
import { call, ProblemError } from '../../api/problem';
import type { components } from '../../api/schema';
import { session } from '../../api/session';

type Entry = components['schemas']['TimeEntry'];
export interface TimerState {
  orgId: string | undefined;
  /** The running entry (end null), or null when none runs. */
  running: Entry | null;
  /** The running entry's project, as `KEY · Name`. */
  projectLabel: string;
  /** Bumped on every start and stop: pages showing entries reload. */
  changes: number;
}

let state: TimerState = { orgId: undefined, running: null, projectLabel: '', changes: 0 };
const listeners = new Set<() => void>();
function set(next: Partial<TimerState>) {
  state = { ...state, ...next };
  for (const listener of listeners) listener();
}

async function labelOf(orgId: string, projectId: string): Promise<string> {
  try {
    const p = await call(api.GET('/orgs/{orgId}/projects/{projectId}', { params: { path: { orgId, projectId } } }));
    return `${p.key} · ${p.name}`;
  } catch {
    return '';
  }
}

export const timer = {
  get: (): TimerState => state,
  subscribe(listener: () => void): () => void {
    listeners.add(listener);
    return () => listeners.delete(listener);
  },
  async load(orgId: string): Promise<void> {
    try {
      const running = await call(api.GET('/orgs/{orgId}/timer', { params: { path: { orgId } } }));
      set({ orgId, running, projectLabel: await labelOf(orgId, running.projectId) });
    } catch (err) {
      // 404 TIME.NO_TIMER is the usual answer: nothing runs. Other failures leave the header as it was.
      if (err instanceof ProblemError && err.problem.status === 404) set({ orgId, running: null, projectLabel: '' });
    }
  },
  /** Starts a timer (the API stops a running one first, making it an entry). Throws a ProblemError. */
  async start(orgId: string, body: { projectId: string; taskId?: string; description?: string }): Promise<void> {
    const { timer: running } = await call(api.POST('/orgs/{orgId}/timer/start', { params: { path: { orgId } }, body }));
    set({ orgId, running, projectLabel: await labelOf(orgId, running.projectId), changes: state.changes + 1 });
  },
  /** Stops the running timer: it becomes an entry. Throws a ProblemError. */
  async stop(orgId: string): Promise<void> {
    await call(api.POST('/orgs/{orgId}/timer/stop', { params: { path: { orgId } } }));
    set({ orgId, running: null, projectLabel: '', changes: state.changes + 1 });
  },
};

// Another person may sign in on the same page: their timer is not this one.
session.subscribe(() => {
  if (session.get().status !== 'signed-in') set({ orgId: undefined, running: null, projectLabel: '' });
});
