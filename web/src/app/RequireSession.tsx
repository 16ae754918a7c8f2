// Pages that need a signed-in person: wait for the start-up refresh, else go to sign-in and
// come back afterwards (`?next=`).
import type { ReactNode } from 'react';
import { Navigate, useLocation } from 'react-router';
import { useSession } from './useSession';

export function RequireSession({ children }: { children: ReactNode }) {
  const state = useSession();
  const location = useLocation();
  if (state.status === 'unknown') return <p role="status">Loading…</p>;
  if (state.status === 'signed-out') return <Navigate to={`/sign-in?next=${encodeURIComponent(location.pathname + location.search)}`} replace />;
  return children;
}
