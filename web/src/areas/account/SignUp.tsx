import { useState } from 'react';
import { Link } from 'react-router';
import { api } from '../../api/client';
import { call } from '../../api/problem';
import { Field } from '../../ui/Field';
import { Form } from '../../ui/Form';
import { Notice, Page } from '../../ui/Page';
import { useAction } from '../../ui/useAction';

export function SignUp() {
  const [sentTo, setSentTo] = useState<string | null>(null);
  const register = useAction(async (v: Record<string, string>) => {
    await call(api.POST('/auth/register', { body: { displayName: v.displayName, email: v.email, password: v.password } }));
    setSentTo(v.email);
  });
  if (sentTo) {
    return (
      <Page title="Check your mail" narrow>
        <Notice>We sent a link to {sentTo}. Open it to confirm your address.</Notice>
        <p>
          <Link to="/sign-in">Sign in</Link>
        </p>
      </Page>
    );
  }
  return (
    <Page title="Create an account" narrow>
      <Form onSubmit={register.start} problem={register.problem} pending={register.pending} submitLabel="Create the account">
        {(errors) => (
          <>
            <Field label="Name" name="displayName" autoComplete="name" required error={errors.displayName} />
            <Field label="Email" name="email" type="email" autoComplete="email" required error={errors.email} />
            <Field label="Password" name="password" type="password" autoComplete="new-password" required hint="At least 12 characters; not a common password." error={errors.password} />
          </>
        )}
      </Form>
      <p>
        Already have one? <Link to="/sign-in">Sign in</Link>
      </p>
    </Page>
  );
}
