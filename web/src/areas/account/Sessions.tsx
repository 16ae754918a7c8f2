// The account's sessions (one per sign-in) and trusted devices, each with a way to end it.
import { useCallback } from 'react';
import { useNavigate } from 'react-router';
import { api } from '../../api/client';
import { call } from '../../api/problem';
import { session } from '../../api/session';
import { Notice, Page } from '../../ui/Page';
import { ProblemAlert } from '../../ui/ProblemAlert';
import { useAction } from '../../ui/useAction';
import { useLoad } from '../../app/useLoad';

const when = (iso: string) => new Date(iso).toLocaleString();

export function Sessions() {
  const navigate = useNavigate();
  const sessions = useLoad(useCallback(() => call(api.GET('/auth/sessions')), []));
  const devices = useLoad(useCallback(() => call(api.GET('/auth/devices')), []));
  const revoke = useAction(async (id: string, current: boolean) => {
    await call(api.DELETE('/auth/sessions/{id}', { params: { path: { id } } }));
    if (current) {
      session.signedOut();
      navigate('/sign-in');
    } else await sessions.reload();
  });
  const revokeOthers = useAction(async () => {
    await call(api.POST('/auth/sessions/revoke-others'));
    await sessions.reload();
  });
  const forget = useAction(async (id: string) => {
    await call(api.DELETE('/auth/devices/{id}', { params: { path: { id } } }));
    await devices.reload();
  });

  const list = sessions.data?.data ?? [];
  return (
    <Page title="Sessions and devices">
      <ProblemAlert problem={sessions.problem ?? revoke.problem ?? revokeOthers.problem} />
      {!sessions.data && !sessions.problem && <p role="status">Loading…</p>}
      <ul className="list" aria-label="Sessions">
        {list.map((s) => (
          <li key={s.id}>
            <div>
              <strong>{s.device}</strong>
              {s.current && <span className="tag">This device</span>}
              <div className="meta">
                Signed in {when(s.createdAt)} · last used {when(s.lastUsedAt)}
                {s.ip ? ` · ${s.ip}` : ''}
              </div>
            </div>
            <button type="button" className="danger" disabled={revoke.pending} onClick={() => revoke.start(s.id, s.current)}>
              {s.current ? (
                'Sign out here'
              ) : (
                <>
                  Revoke<span className="visually-hidden"> the session on {s.device} from {when(s.createdAt)}</span>
                </>
              )}
            </button>
          </li>
        ))}
      </ul>
      {list.length > 1 && (
        <p>
          <button type="button" onClick={() => revokeOthers.start()} disabled={revokeOthers.pending}>
            Sign out every other session
          </button>
        </p>
      )}
      <h2>Trusted devices</h2>
      <ProblemAlert problem={devices.problem ?? forget.problem} />
      {devices.data && devices.data.data.length === 0 && <Notice>No device skips the second step.</Notice>}
      <ul className="list" aria-label="Trusted devices">
        {devices.data?.data.map((d) => (
          <li key={d.id}>
            <div>
              <strong>{d.label ?? 'A device'}</strong>
              <div className="meta">Trusted until {when(d.expiresAt)}</div>
            </div>
            <button type="button" className="danger" onClick={() => forget.start(d.id)}>
              Stop trusting<span className="visually-hidden"> {d.label ?? 'this device'}</span>
            </button>
          </li>
        ))}
      </ul>
    </Page>
  );
}
