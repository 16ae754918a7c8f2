// The page the verification mail links to (`/verify-email?token=`): it confirms at once.
import { useEffect, useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import { api } from '../../api/client';
import { call } from '../../api/problem';
import { session } from '../../api/session';
import { useSession } from '../../app/useSession';
import { Notice, Page } from '../../ui/Page';
import { ProblemAlert } from '../../ui/ProblemAlert';
import { useAction } from '../../ui/useAction';

// A token is spent by its first use: React's development double-run must not send it twice.
const sent = new Map<string, Promise<unknown>>();

export function VerifyEmail() {
  const [params] = useSearchParams();
  const token = params.get('token') ?? '';
  const state = useSession();
  const [confirmed, setConfirmed] = useState(false);
  const verify = useAction(async () => {
    if (!sent.has(token)) sent.set(token, call(api.POST('/auth/verify-email', { body: { token } })));
    await sent.get(token);
    if (state.status === 'signed-in') session.updateUser({ ...state.user, emailVerified: true });
    setConfirmed(true);
  });
  const { start } = verify;
  useEffect(() => {
    void start();
  }, [start]);

  return (
    <Page title="Confirm your email" narrow>
      {!confirmed && !verify.problem && <p role="status">Confirming…</p>}
      <ProblemAlert problem={verify.problem} />
      {confirmed && <Notice>Your email address is confirmed.</Notice>}
      <p>
        <Link to={state.status === 'signed-in' ? '/' : '/sign-in'}>Continue</Link>
      </p>
    </Page>
  );
}
