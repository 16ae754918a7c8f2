// Sign in with email and password; when the account has two-step sign-in, a second form asks
// for the code. The refresh token goes to the http-only cookie (the client asks for it).
import { useState } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router';
import { api } from '../../api/client';
import { call } from '../../api/problem';
import { session } from '../../api/session';
import { Field } from '../../ui/Field';
import { Form } from '../../ui/Form';
import { Page } from '../../ui/Page';
import { useAction } from '../../ui/useAction';

/** Only paths of this console: `next` comes from the address bar. */
const safeNext = (next: string | null) => (next?.startsWith('/') && !next.startsWith('//') ? next : '/');

export function SignIn() {
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const [mfaToken, setMfaToken] = useState<string | null>(null);
  const done = (pair: { accessToken: string; user: Parameters<typeof session.signedIn>[1] }) => {
    session.signedIn(pair.accessToken, pair.user);
    navigate(safeNext(params.get('next')), { replace: true });
  };

  const password = useAction(async (v: Record<string, string>) => {
    const result = await call(api.POST('/auth/login', { body: { email: v.email, password: v.password } }));
    if ('mfaRequired' in result) setMfaToken(result.mfaToken);
    else done(result);
  });
  const second = useAction(async (v: Record<string, string>) => {
    const code = v.code.replace(/\s/g, '');
    // A trusted browser skips this step for 30 days: the server keeps the proof in an
    // http-only cookie sent only to sign-in (decision 0050), never in the page.
    const trustDevice = v.trustDevice === 'yes';
    const body = /^\d{6}$/.test(code) ? { mfaToken: mfaToken!, code, trustDevice } : { mfaToken: mfaToken!, recoveryCode: v.code.trim(), trustDevice };
    done(await call(api.POST('/auth/mfa/verify', { body })));
  });

  if (mfaToken) {
    return (
      <Page title="Two-step sign-in" narrow>
        <Form onSubmit={second.start} problem={second.problem} pending={second.pending} submitLabel="Continue">
          {(errors) => (
            <>
              <Field label="Code from your authenticator app, or a recovery code" name="code" inputMode="text" autoComplete="one-time-code" required autoFocus error={errors.code ?? errors.recoveryCode} />
              <label className="checkbox">
                <input type="checkbox" name="trustDevice" value="yes" />
                Trust this browser for 30 days
              </label>
            </>
          )}
        </Form>
      </Page>
    );
  }
  return (
    <Page title="Sign in" narrow>
      <Form onSubmit={password.start} problem={password.problem} pending={password.pending} submitLabel="Sign in">
        {(errors) => (
          <>
            <Field label="Email" name="email" type="email" autoComplete="username" required error={errors.email} />
            <Field label="Password" name="password" type="password" autoComplete="current-password" required error={errors.password} />
          </>
        )}
      </Form>
      <p>
        <Link to="/forgot-password">Forgot the password?</Link> · <Link to="/sign-up">Create an account</Link>
      </p>
    </Page>
  );
}
