import type { Static } from 'typebox';
import type { Account } from './repository.ts';
import type { AccountView as AccountSchema } from './schemas.ts';

/** The account as the API shows it. */
export type AccountView = Static<typeof AccountSchema>;

export function toAccountView(a: Account): AccountView {
  return {
    id: a.id,
    email: a.email,
    emailVerified: a.email_verified_at !== null,
    role: a.role,
    status: a.status,
    mfaEnabled: a.totp_enabled_at !== null,
    createdAt: a.created_at.toISOString(),
  };
}
