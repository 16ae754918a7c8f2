// Row types of the auth schema, as Kysely sees them.
import type { Generated, Selectable } from 'kysely';

type Timestamp = Date;

export interface AuthTables {
  'auth.accounts': {
    id: string;
    email: string;
    password_hash: string | null;
    role: Generated<'user' | 'admin'>;
    status: Generated<'active' | 'disabled' | 'deleted'>;
    email_verified_at: Timestamp | null;
    totp_secret: string | null;
    totp_enabled_at: Timestamp | null;
    created_at: Generated<Timestamp>;
    updated_at: Generated<Timestamp>;
  };
  'auth.sessions': {
    id: string;
    account_id: string;
    method: string;
    ip: string | null;
    user_agent: string | null;
    created_at: Generated<Timestamp>;
    last_used_at: Generated<Timestamp>;
    expires_at: Timestamp;
    revoked_at: Timestamp | null;
    revoke_reason: string | null;
  };
  'auth.refresh_tokens': {
    id: string;
    session_id: string;
    token_hash: string;
    created_at: Generated<Timestamp>;
    expires_at: Timestamp;
    rotated_at: Timestamp | null;
    successor_id: string | null;
    successor_token: string | null;
  };
  'auth.action_tokens': {
    id: string;
    account_id: string;
    purpose: 'verify_email' | 'password_reset' | 'mfa_challenge';
    token_hash: string;
    attempts: Generated<number>;
    created_at: Generated<Timestamp>;
    expires_at: Timestamp;
    used_at: Timestamp | null;
  };
  'auth.login_pair_failures': {
    email: string;
    client: string;
    failures: Generated<number>;
    lock_count: Generated<number>;
    locked_until: Timestamp | null;
    last_failed_at: Timestamp;
  };
  'auth.login_account_failures': {
    email: string;
    failures: Generated<number>;
    last_failed_at: Timestamp;
    next_attempt_at: Timestamp | null;
  };
  'auth.otp_codes': {
    id: string;
    account_id: string;
    code_hash: string;
    attempts: Generated<number>;
    created_at: Generated<Timestamp>;
    expires_at: Timestamp;
    used_at: Timestamp | null;
  };
  'auth.recovery_codes': {
    id: string;
    account_id: string;
    code_hash: string;
    used_at: Timestamp | null;
  };
  'auth.trusted_devices': {
    id: string;
    account_id: string;
    token_hash: string;
    label: string | null;
    ip: string | null;
    created_at: Generated<Timestamp>;
    last_used_at: Generated<Timestamp>;
    expires_at: Timestamp;
    revoked_at: Timestamp | null;
  };
  'auth.api_keys': {
    id: string;
    account_id: string;
    name: string;
    prefix: string;
    key_hash: string;
    scopes: string[];
    created_at: Generated<Timestamp>;
    expires_at: Timestamp | null;
    last_used_at: Timestamp | null;
    revoked_at: Timestamp | null;
  };
}

export type Account = Selectable<AuthTables['auth.accounts']>;
export type Session = Selectable<AuthTables['auth.sessions']>;
export type ApiKeyRow = Selectable<AuthTables['auth.api_keys']>;
