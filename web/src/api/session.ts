// The signed-in session, in memory only (decision 0050): the access token and the account.
// A reload loses both; the console gets them back by refreshing through the http-only cookie.
// Nothing here is ever written to localStorage or sessionStorage.
import type { components } from './schema';

export type Account = components['schemas']['Account'];
export type SessionState = { status: 'unknown' } | { status: 'signed-out' } | { status: 'signed-in'; accessToken: string; user: Account };

let state: SessionState = { status: 'unknown' };
const listeners = new Set<() => void>();

function set(next: SessionState) {
  state = next;
  for (const listener of listeners) listener();
}

export const session = {
  get: (): SessionState => state,
  accessToken: (): string | undefined => (state.status === 'signed-in' ? state.accessToken : undefined),
  signedIn: (accessToken: string, user: Account) => set({ status: 'signed-in', accessToken, user }),
  updateUser: (user: Account) => {
    if (state.status === 'signed-in') set({ ...state, user });
  },
  signedOut: () => set({ status: 'signed-out' }),
  subscribe(listener: () => void): () => void {
    listeners.add(listener);
    return () => listeners.delete(listener);
  },
};
