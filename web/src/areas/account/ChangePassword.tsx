import { useState } from 'react';
import { api } from '../../api/client';
import { call } from '../../api/problem';
import { Field } from '../../ui/Field';
import { Form } from '../../ui/Form';
import { Notice, Page } from '../../ui/Page';
import { useAction } from '../../ui/useAction';

export function ChangePassword() {
  const [changed, setChanged] = useState(false);
  const change = useAction(async (v: Record<string, string>) => {
    setChanged(false);
    await call(api.POST('/auth/password/change', { body: { currentPassword: v.currentPassword, newPassword: v.newPassword } }));
    setChanged(true);
  });
  return (
    <Page title="Change the password" narrow>
      {changed && <Notice>Your password is changed. Your other sessions were signed out.</Notice>}
      <Form onSubmit={change.start} problem={change.problem} pending={change.pending} submitLabel="Change the password">
        {(errors) => (
          <>
            <Field label="Current password" name="currentPassword" type="password" autoComplete="current-password" required error={errors.currentPassword ?? errors.password} />
            <Field label="New password" name="newPassword" type="password" autoComplete="new-password" required hint="At least 12 characters; not a common password." error={errors.newPassword} />
          </>
        )}
      </Form>
    </Page>
  );
}
