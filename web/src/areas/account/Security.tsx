// Two-step sign-in with an authenticator app (TOTP): set up with the secret, confirm with a
// first code (recovery codes are shown once), or turn it off with a code.
import { useState } from 'react';
import { api } from '../../api/client';
import { call } from '../../api/problem';
import { session } from '../../api/session';
import { useSession } from '../../app/useSession';
import { Field } from '../../ui/Field';
import { Form } from '../../ui/Form';
import { Notice, Page } from '../../ui/Page';
import { ProblemAlert } from '../../ui/ProblemAlert';
import { useAction } from '../../ui/useAction';

export function Security() {
  const state = useSession();
  const [secret, setSecret] = useState<{ secret: string; otpauthUrl: string } | null>(null);
  const [recoveryCodes, setRecoveryCodes] = useState<string[] | null>(null);
  const [disabled, setDisabled] = useState(false);
  const user = state.status === 'signed-in' ? state.user : null;

  const setUp = useAction(async () => {
    setDisabled(false);
    setSecret(await call(api.POST('/auth/mfa/totp/setup')));
  });
  const confirm = useAction(async (v: Record<string, string>) => {
    const { recoveryCodes: codes } = await call(api.POST('/auth/mfa/totp/confirm', { body: { code: v.code.replace(/\s/g, '') } }));
    setRecoveryCodes(codes);
    setSecret(null);
    if (user) session.updateUser({ ...user, mfaEnabled: true });
  });
  const turnOff = useAction(async (v: Record<string, string>) => {
    await call(api.DELETE('/auth/mfa/totp', { body: { code: v.code.trim() } }));
    setRecoveryCodes(null);
    setDisabled(true);
    if (user) session.updateUser({ ...user, mfaEnabled: false });
  });
  if (!user) return null;

  return (
    <Page title="Two-step sign-in">
      {recoveryCodes && (
        <>
          <Notice>Two-step sign-in is on. Keep these recovery codes somewhere safe: each works once, and they are not shown again.</Notice>
          <ul className="secret" aria-label="Recovery codes">
            {recoveryCodes.map((c) => (
              <li key={c}>{c}</li>
            ))}
          </ul>
        </>
      )}
      {disabled && <Notice>Two-step sign-in is off.</Notice>}
      {user.mfaEnabled && !recoveryCodes && (
        <>
          <p>Two-step sign-in is on: signing in asks for a code from your authenticator app.</p>
          <h2>Turn it off</h2>
          <Form onSubmit={turnOff.start} problem={turnOff.problem} pending={turnOff.pending} submitLabel="Turn off">
            {(errors) => <Field label="A current code or a recovery code" name="code" autoComplete="one-time-code" required error={errors.code} />}
          </Form>
        </>
      )}
      {!user.mfaEnabled && !secret && (
        <>
          <p>Signing in will also ask for a code from an authenticator app on your phone.</p>
          <ProblemAlert problem={setUp.problem} />
          <button type="button" className="primary" onClick={() => setUp.start()} disabled={setUp.pending}>
            Set up two-step sign-in
          </button>
        </>
      )}
      {secret && (
        <>
          <p>Add this key to your authenticator app (or open the link on the phone), then enter the code it shows.</p>
          <p>
            Secret key: <code className="secret" id="totp-secret">{secret.secret}</code>
          </p>
          <p>
            <a href={secret.otpauthUrl}>Open in an authenticator app</a>
          </p>
          <Form onSubmit={confirm.start} problem={confirm.problem} pending={confirm.pending} submitLabel="Turn on">
            {(errors) => <Field label="Code from the app" name="code" inputMode="numeric" autoComplete="one-time-code" required error={errors.code} />}
          </Form>
        </>
      )}
    </Page>
  );
}
