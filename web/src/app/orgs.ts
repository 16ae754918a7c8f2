// The organizations the signed-in person belongs to, loaded once per session and shared by the
// header's switcher and every org-scoped page. Org-scoped pages live under /orgs/:orgId/<area>;
// the org in the address is the current one, and the last one visited is remembered (in memory)
// for pages outside any org.
import { useEffect, useSyncExternalStore } from 'react';
import { useMatch } from 'react-router';
import { api } from '../api/client';
import { call } from '../api/problem';
import type { components } from '../api/schema';
import { session } from '../api/session';

export type Organization = components['schemas']['Organization'];
type OrgsState = { status: 'idle' | 'loading' } | { status: 'loaded'; list: Organization[] };

let state: OrgsState = { status: 'idle' };
let lastOrgId: string | undefined;
const listeners = new Set<() => void>();
function set(next: OrgsState) {
  state = next;
  for (const listener of listeners) listener();
}

export const orgs = {
  get: (): OrgsState => state,
  /** Loads the list again (after creating, leaving or joining an organization). */
  async reload(): Promise<Organization[]> {
    if (state.status !== 'loaded') set({ status: 'loading' });
    const list: Organization[] = [];
    let cursor: string | undefined;
    // Paged like every list; a person in more than a few hundred organizations is rare.
    do {
      const page = await call(api.GET('/orgs', { params: { query: { limit: 100, ...(cursor ? { cursor } : {}) } } }));
      list.push(...page.data);
      cursor = page.page.nextCursor ?? undefined;
    } while (cursor);
    set({ status: 'loaded', list });
    return list;
  },
  remember: (orgId: string) => {
    lastOrgId = orgId;
  },
  last: () => lastOrgId,
  subscribe(listener: () => void): () => void {
    listeners.add(listener);
    return () => listeners.delete(listener);
  },
};

// Another person may sign in on the same page: their list is not this one.
session.subscribe(() => {
  if (session.get().status !== 'signed-in' && state.status !== 'idle') {
    lastOrgId = undefined;
    set({ status: 'idle' });
  }
});

/** My organizations; loaded on first use while signed in. */
export function useOrgs(): Organization[] | undefined {
  const now = useSyncExternalStore(orgs.subscribe, orgs.get);
  const signedIn = useSyncExternalStore(session.subscribe, session.get).status === 'signed-in';
  useEffect(() => {
    if (signedIn && now.status === 'idle') void orgs.reload().catch(() => set({ status: 'idle' }));
  }, [signedIn, now.status]);
  return now.status === 'loaded' ? now.list : undefined;
}

/** The organization in the address (/orgs/:orgId/…), else the last one visited. */
export function useCurrentOrgId(): string | undefined {
  const match = useMatch('/orgs/:orgId/*');
  const inAddress = match?.params.orgId;
  useEffect(() => {
    if (inAddress) orgs.remember(inAddress);
  }, [inAddress]);
  return inAddress ?? lastOrgId;
}
