// A source's connection as stored: the fields a user may read back in `connection`, the secret
// ones sealed together. Splitting here, once, keeps a password from ever reaching a view, an
// event or a log line by a field someone forgot.
import type { Static } from 'typebox';
import type { Secrets } from '../../core/security/secrets.ts';
import type { DatabaseConnection, DatabaseConnectionView } from './schemas.ts';

export type ConnectionInput = Static<typeof DatabaseConnection>;
export type ConnectionView = Static<typeof DatabaseConnectionView>;

/** What `data_sources.sources.connection` holds: no secret. */
export interface StoredConnection {
  host: string;
  port: number;
  database: string;
  user: string;
  tls: { mode: 'disable' | 'require' | 'verify-full' };
  connectTimeoutSeconds: number;
  poolSize: number;
  role: string | null;
  /** Whether a password and a CA are sealed: shown without opening them. */
  hasPassword: boolean;
  hasCa: boolean;
}

interface SealedPart {
  password?: string;
  ca?: string;
}

/** The connection a driver dials with: stored fields and opened secrets. */
export interface OpenConnection {
  host: string;
  port: number;
  database: string;
  user: string;
  password: string;
  tls: { mode: 'disable' | 'require' | 'verify-full'; ca?: string };
  connectTimeoutMs: number;
  poolSize: number;
  role?: string;
}

/**
 * The stored and sealed parts of a connection. On an update, a password or CA left out keeps the
 * current one (`previous`), so an admin can change the port without retyping the password.
 */
export function splitConnection(input: ConnectionInput, previous: SealedPart | null): { stored: StoredConnection; sealed: SealedPart } {
  const stored: StoredConnection = {
    host: input.host.trim(),
    port: input.port,
    database: input.database,
    user: input.user,
    tls: { mode: input.tls?.mode ?? 'disable' },
    connectTimeoutSeconds: input.connectTimeoutSeconds ?? 10,
    poolSize: input.poolSize ?? 2,
    role: input.role ?? null,
    hasPassword: false,
    hasCa: false,
  };
  const sealed: SealedPart = {};
  const password = input.password ?? previous?.password;
  if (password !== undefined) sealed.password = password;
  const ca = stored.tls.mode === 'verify-full' ? (input.tls?.ca ?? previous?.ca) : undefined;
  if (ca !== undefined) sealed.ca = ca;
  stored.hasPassword = password !== undefined;
  stored.hasCa = ca !== undefined;
  return { stored, sealed };
}

export const sealPart = (secrets: Secrets, part: SealedPart): string => secrets.seal(JSON.stringify(part));
export const openPart = (secrets: Secrets, sealed: string | null): SealedPart => (sealed ? (JSON.parse(secrets.open(sealed)) as SealedPart) : {});

export function connectionView(stored: StoredConnection): ConnectionView {
  return {
    host: stored.host,
    port: stored.port,
    database: stored.database,
    user: stored.user,
    hasPassword: stored.hasPassword,
    tls: { mode: stored.tls.mode, hasCa: stored.hasCa },
    connectTimeoutSeconds: stored.connectTimeoutSeconds,
    poolSize: stored.poolSize,
    role: stored.role,
  };
}

export function openConnection(stored: StoredConnection, sealed: SealedPart): OpenConnection {
  return {
    host: stored.host,
    port: stored.port,
    database: stored.database,
    user: stored.user,
    password: sealed.password ?? '',
    tls: { mode: stored.tls.mode, ...(sealed.ca ? { ca: sealed.ca } : {}) },
    connectTimeoutMs: stored.connectTimeoutSeconds * 1000,
    poolSize: stored.poolSize,
    ...(stored.role ? { role: stored.role } : {}),
  };
}
