import type { Account } from './repository.ts';

/** The account as the API shows it. */
export interface AccountView {
  id: string;
  email: string;
  emailVerified: boolean;
  role: 'user' | 'admin';
  status: 'active' | 'disabled' | 'deleted';
  mfaEnabled: boolean;
  createdAt: string;
}

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
