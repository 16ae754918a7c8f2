// How many in-app notifications are unread, for the header: asked once signed in, and again on
// every event of the realtime stream that changes it (a new notification, one read anywhere,
// a resync). Asking the server instead of counting keeps the figure right when events replay.
import { useEffect, useSyncExternalStore } from 'react';
import { api } from '../../api/client';
import { live } from '../../api/live';
import { call } from '../../api/problem';
import { session } from '../../api/session';

let count: number | undefined;
const listeners = new Set<() => void>();
function set(next: number | undefined) {
  count = next;
  for (const listener of listeners) listener();
}

let asking: Promise<void> | null = null;
let again = false;
/** Asks the server; a call while one runs is folded into one more after it. */
export function refreshUnread(): Promise<void> {
  if (asking) {
    again = true;
    return asking;
  }
  asking = (async () => {
    try {
      do {
        again = false;
        const page = await call(api.GET('/notifications', { params: { query: { unread: true, limit: 1 } } }));
        set(page.unreadCount);
      } while (again);
    } catch {
      // The header keeps its last figure; the next event asks again.
    } finally {
      asking = null;
    }
  })();
  return asking;
}

session.subscribe(() => {
  if (session.get().status !== 'signed-in') set(undefined);
});

const subscribe = (listener: () => void) => {
  listeners.add(listener);
  return () => listeners.delete(listener);
};

/** The unread count while signed in (undefined until known), kept current by the stream. */
export function useUnreadCount(): number | undefined {
  const now = useSyncExternalStore(subscribe, () => count);
  const signedIn = useSyncExternalStore(session.subscribe, session.get).status === 'signed-in';
  useEffect(() => {
    if (!signedIn) return;
    void refreshUnread();
    const refresh = () => void refreshUnread();
    const offs = [live.on('notification', refresh), live.on('notification.read', refresh), live.on('resync', refresh)];
    return () => {
      for (const off of offs) off();
    };
  }, [signedIn]);
  return now;
}
