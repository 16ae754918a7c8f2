// Getting a new access token from the refresh cookie (decision 0050). Concurrent callers share
// one request: the refresh token rotates, and two refreshes racing would each spend it.
import { session } from './session';

export const REFRESH_HEADERS = { 'x-refresh-cookie': '1' } as const;

let inFlight: Promise<boolean> | null = null;

/** Refreshes once; true when a new access token is in the session. */
export function refreshSession(fetchImpl: typeof fetch = fetch): Promise<boolean> {
  inFlight ??= (async () => {
    // A sign-in that completes while this refresh is under way is newer than its answer.
    const started = session.get();
    const unchanged = () => session.get() === started;
    try {
      const res = await fetchImpl('/api/v1/auth/refresh', {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...REFRESH_HEADERS },
        body: '{}',
        credentials: 'same-origin',
      });
      if (!res.ok) {
        // Only a refused cookie ends a session; a rate limit or an outage leaves it, and the
        // call that needed the refresh shows its own problem. At start-up there is none yet.
        if (unchanged() && (res.status === 401 || started.status === 'unknown')) session.signedOut();
        return false;
      }
      const pair = await res.json();
      if (unchanged()) session.signedIn(pair.accessToken, pair.user);
      return true;
    } catch {
      if (unchanged() && started.status === 'unknown') session.signedOut();
      return false;
    } finally {
      inFlight = null;
    }
  })();
  return inFlight;
}
