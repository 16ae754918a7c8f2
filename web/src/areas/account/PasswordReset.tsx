// Forgot password (mail a link) and the page that link opens (`/reset-password?token=`).
import { useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import { api } from '../../api/client';
import { call } from '../../api/problem';
import { Field } from '../../ui/Field';
import { Form } from '../../ui/Form';
import { Notice, Page } from '../../ui/Page';
import { useAction } from '../../ui/useAction';

export function ForgotPassword() {
  const [sent, setSent] = useState(false);
  const request = useAction(async (v: Record<string, string>) => {
    await call(api.POST('/auth/password/forgot', { body: { email: v.email } }));
    setSent(true);
  });
  return (
    <Page title="Reset the password" narrow>
      {sent ? (
        <Notice>If an account has this address, a link to choose a new password is on its way. It works for 30 minutes.</Notice>
      ) : (
        <Form onSubmit={request.start} problem={request.problem} pending={request.pending} submitLabel="Mail me a link">
          {(errors) => <Field label="Email" name="email" type="email" autoComplete="email" required error={errors.email} />}
        </Form>
      )}
      <p>
        <Link to="/sign-in">Back to sign in</Link>
      </p>
    </Page>
  );
}

export function ResetPassword() {
  const [params] = useSearchParams();
  const [done, setDone] = useState(false);
  const reset = useAction(async (v: Record<string, string>) => {
    await call(api.POST('/auth/password/reset', { body: { token: params.get('token') ?? '', password: v.password } }));
    setDone(true);
  });
  return (
    <Page title="Choose a new password" narrow>
      {done ? (
        <Notice>Your password is changed and every session was signed out.</Notice>
      ) : (
        <Form onSubmit={reset.start} problem={reset.problem} pending={reset.pending} submitLabel="Set the password">
          {(errors) => <Field label="New password" name="password" type="password" autoComplete="new-password" required hint="At least 12 characters; not a common password." error={errors.password} />}
        </Form>
      )}
      <p>
        <Link to="/sign-in">Sign in</Link>
      </p>
    </Page>
  );
}
