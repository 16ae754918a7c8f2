// One schema for every environment setting. Parsed once at start-up and frozen;
// modules receive the slice they need and never read process.env themselves.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join, resolve } from 'node:path';
import { AllowListError, parseAllowList } from './net/allow-list.ts';

export class ConfigError extends Error {
  readonly variable: string;
  constructor(variable: string, message: string) {
    super(`${variable}: ${message}`);
    this.variable = variable;
  }
}

type Parser<T> = (raw: string, name: string) => T;

interface Setting<T> {
  env: string;
  default: string | undefined;
  description: string;
  parse: Parser<T>;
}

const str: Parser<string> = (raw) => raw;

const int =
  (min: number, max: number): Parser<number> =>
  (raw, name) => {
    if (!/^\d+$/.test(raw)) throw new ConfigError(name, `expected an integer, got "${raw}"`);
    const n = Number(raw);
    if (n < min || n > max) throw new ConfigError(name, `must be between ${min} and ${max}, got ${n}`);
    return n;
  };

const bool: Parser<boolean> = (raw, name) => {
  const v = raw.toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(v)) return true;
  if (['0', 'false', 'no', 'off', ''].includes(v)) return false;
  throw new ConfigError(name, `expected true or false, got "${raw}"`);
};

const oneOf =
  <T extends string>(...values: T[]): Parser<T> =>
  (raw, name) => {
    if (!values.includes(raw as T)) throw new ConfigError(name, `must be one of ${values.join(', ')}, got "${raw}"`);
    return raw as T;
  };

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };
/** Durations: "900", "900s", "15m", "12h", "30d" -> seconds. */
export const duration: Parser<number> = (raw, name) => {
  const m = /^(\d+)\s*([smhd]?)$/.exec(raw.trim());
  if (!m) throw new ConfigError(name, `expected a duration like 15m, 12h or 30d, got "${raw}"`);
  const seconds = Number(m[1]) * UNIT_SECONDS[m[2] || 's'];
  if (seconds <= 0) throw new ConfigError(name, 'must be greater than zero');
  return seconds;
};

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000 };
/** Short durations: "500ms", "4s", "1m" (a bare number is milliseconds) -> milliseconds, within [min, max]. */
const millis =
  (minMs: number, maxMs: number): Parser<number> =>
  (raw, name) => {
    const m = /^(\d+)\s*(ms|s|m)?$/.exec(raw.trim());
    if (!m) throw new ConfigError(name, `expected a duration like 500ms, 4s or 1m, got "${raw}"`);
    const ms = Number(m[1]) * UNIT_MS[m[2] || 'ms'];
    if (ms < minMs || ms > maxMs) throw new ConfigError(name, `must be between ${minMs}ms and ${maxMs / 1000}s, got ${ms}ms`);
    return ms;
  };

const maxDuration =
  (maxSeconds: number): Parser<number> =>
  (raw, name) => {
    const seconds = duration(raw, name);
    if (seconds > maxSeconds) throw new ConfigError(name, `must be at most ${maxSeconds}s, got ${seconds}s`);
    return seconds;
  };

const url =
  (...protocols: string[]): Parser<string> =>
  (raw, name) => {
    let parsed: URL;
    try {
      parsed = new URL(raw);
    } catch {
      throw new ConfigError(name, 'is not a valid URL');
    }
    if (!protocols.includes(parsed.protocol)) {
      throw new ConfigError(name, `must use ${protocols.join(' or ')}, got ${parsed.protocol}`);
    }
    return raw;
  };

/**
 * A PostgreSQL connection string. One for a Unix socket names no host (`postgresql://u:pw@/db
 * ?host=/run/postgresql`, as the embedded server's are), which WHATWG URL refuses: it is
 * checked with a placeholder host instead.
 */
const postgresUrl: Parser<string> = (raw, name) => {
  const socket = /^(postgres(?:ql)?:\/\/(?:[^@/]*@)?)\//.exec(raw);
  url('postgres:', 'postgresql:')(socket ? `${socket[1]}localhost${raw.slice(socket[0].length - 1)}` : raw, name);
  return raw;
};

const optional =
  <T>(p: Parser<T>): Parser<T | undefined> =>
  (raw, name) =>
    raw === '' ? undefined : p(raw, name);

const list: Parser<string[]> = (raw) =>
  raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

/** Host names, IP addresses or CIDR ranges, checked here so a typo stops start-up. */
const hostList: Parser<string[]> = (raw, name) => {
  const entries = list(raw, name);
  try {
    parseAllowList(entries);
  } catch (err) {
    throw err instanceof AllowListError ? new ConfigError(name, err.message) : err;
  }
  return entries;
};

/** A bearer token: visible ASCII only (it travels in a header), long enough not to be guessed. */
const bearerToken =
  (minLength: number): Parser<string> =>
  (raw, name) => {
    if (!/^[\x21-\x7e]+$/.test(raw)) throw new ConfigError(name, 'must be printable ASCII without spaces');
    if (raw.length < minLength) throw new ConfigError(name, `must be at least ${minLength} characters`);
    return raw;
  };

const email: Parser<string> = (raw, name) => {
  if (!/^[^\s@]+@[^\s@]+$/.test(raw)) throw new ConfigError(name, `is not an email address: "${raw}"`);
  return raw;
};

const trustProxy: Parser<boolean | number | string> = (raw) => {
  if (/^\d+$/.test(raw)) return Number(raw);
  if (['true', 'false'].includes(raw.toLowerCase())) return raw.toLowerCase() === 'true';
  return raw; // comma-separated addresses/CIDRs, passed to Fastify as-is
};

function setting<T>(env: string, def: string | undefined, parse: Parser<T>, description: string): Setting<T> {
  return { env, default: def, parse, description };
}

/** Every setting the service reads. README's table is checked against this list by a test. */
export const SETTINGS = {
  nodeEnv: setting('NODE_ENV', 'development', oneOf('development', 'production', 'test'), 'Mode. `production` refuses to start without explicit secrets.'),
  port: setting('PORT', '3000', int(0, 65535), 'HTTP port.'),
  host: setting('HOST', '127.0.0.1', str, 'Interface to bind (`0.0.0.0` in containers).'),
  metricsPort: setting('METRICS_PORT', '', optional(int(0, 65535)), 'Serve `/metrics` on a listener of its own on this port (`0`: any free port, logged); unset: no such listener.'),
  metricsHost: setting('METRICS_HOST', '127.0.0.1', str, 'Interface of the `METRICS_PORT` listener (`0.0.0.0` in containers, where the port is not published).'),
  metricsToken: setting('METRICS_TOKEN', '', optional(bearerToken(32)), 'Bearer token (at least 32 characters) that `/metrics` requires, on the API port and on `METRICS_PORT`. With neither set, `/metrics` is not served.'),
  dataDir: setting('DATA_DIR', './data', str, 'Local data: the embedded PostgreSQL server (`postgres/`, with `postgres.password`, `postgres.log` and the socket folder `postgres.run/` beside it), mail files (`mail/`) and the generated development JWT secret.'),
  databaseUrl: setting('DATABASE_URL', '', optional(postgresUrl), 'A PostgreSQL server instead of the embedded one.'),
  databasePoolSize: setting('DATABASE_POOL_SIZE', '10', int(1, 200), 'Connections in the `pg` pool.'),
  dbStatementTimeout: setting('DB_STATEMENT_TIMEOUT', '4s', millis(100, 3_600_000), 'Longest a statement of the app may run (PostgreSQL `statement_timeout`); a request over it answers 503 `DB.TIMEOUT`. Migrations are exempt.'),
  dbLockTimeout: setting('DB_LOCK_TIMEOUT', '1s', millis(10, 3_600_000), 'Longest a statement may wait for a lock, advisory locks included (`lock_timeout`): one locked table fails its own requests fast instead of holding every connection.'),
  dbIdleInTransactionTimeout: setting('DB_IDLE_IN_TRANSACTION_TIMEOUT', '10s', millis(100, 3_600_000), 'A transaction left idle this long is ended by the server (`idle_in_transaction_session_timeout`), releasing its locks.'),
  dbPoolWaitTimeout: setting('DB_POOL_WAIT_TIMEOUT', '2s', millis(10, 600_000), 'Longest a request waits for pool connections, all its waits together (a module holds at most 60% of the pool, so its blocked requests leave the rest to others), before it answers 503 `DB.TIMEOUT`.'),
  dbStartTimeout: setting('DB_START_TIMEOUT', '60s', millis(1000, 3_600_000), 'How long start-up retries an unreachable or unresponsive database (one log line per attempt) before it exits with status 1.'),
  redisUrl: setting('REDIS_URL', '', optional(url('redis:', 'rediss:')), 'Redis for shared rate limits (in memory when unset).'),
  jwtSecret: setting('JWT_SECRET', '', optional(str), 'HS256 signing secret (at least 32 characters). Generated into `DATA_DIR` in development when neither this nor an EdDSA key pair is set.'),
  jwtPrivateKey: setting('JWT_PRIVATE_KEY', '', optional(str), 'EdDSA (Ed25519) private key, PKCS#8 PEM; with `JWT_PUBLIC_KEY` replaces HS256.'),
  jwtPublicKey: setting('JWT_PUBLIC_KEY', '', optional(str), 'EdDSA (Ed25519) public key, SPKI PEM.'),
  jwtIssuer: setting('JWT_ISSUER', 'trellis', str, 'The `iss` claim of access tokens.'),
  jwtAudience: setting('JWT_AUDIENCE', 'trellis-api', str, 'The `aud` claim of access tokens.'),
  accessTokenTtl: setting('ACCESS_TOKEN_TTL', '15m', duration, 'Access token lifetime (`900`, `15m`, `1h`).'),
  refreshTokenTtl: setting('REFRESH_TOKEN_TTL', '30d', duration, 'Refresh token (session) lifetime.'),
  refreshReuseLeeway: setting('REFRESH_REUSE_LEEWAY', '10s', duration, 'Window in which a concurrent retry of a just-rotated refresh token gets the same new pair.'),
  loginMaxFailures: setting('LOGIN_MAX_FAILURES', '5', int(1, 1000), 'Failed logins of one account from one client (an IPv4 address or IPv6 /64) before that client is locked out of it; the lock doubles with each further lock.'),
  loginLockBase: setting('LOGIN_LOCK_BASE', '1m', duration, 'First lock period after too many failed logins.'),
  loginAccountSlowdown: setting('LOGIN_ACCOUNT_SLOWDOWN', '20', int(1, 100000), 'Failed logins of one account from all clients together after which its logins are spaced `LOGIN_ACCOUNT_SPACING` apart (never locked).'),
  loginAccountSpacing: setting('LOGIN_ACCOUNT_SPACING', '5s', maxDuration(60), 'Least time between two logins of an account past `LOGIN_ACCOUNT_SLOWDOWN` (at most 60s).'),
  loginAccountWindow: setting('LOGIN_ACCOUNT_WINDOW', '1h', duration, 'Time without a failed login after which an account counts its failures from zero again.'),
  authRateLimit: setting('AUTH_RATE_LIMIT', '20', int(1, 100000), 'Requests per minute per IP to login, OTP and password endpoints.'),
  rateLimit: setting('RATE_LIMIT', '1000', int(1, 10000000), 'Requests per minute per IP to other routes.'),
  bodyLimit: setting('BODY_LIMIT', '1048576', int(1024, 1073741824), 'Largest accepted request body, in bytes.'),
  smtpUrl: setting('SMTP_URL', '', optional(url('smtp:', 'smtps:')), 'Send mail over SMTP instead of writing `.eml` files.'),
  mailFrom: setting('MAIL_FROM', 'Trellis <no-reply@trellis.local>', str, 'Sender of outgoing mail.'),
  publicUrl: setting('PUBLIC_URL', 'http://localhost:3000', url('http:', 'https:'), 'Base URL used in links sent by mail.'),
  logLevel: setting('LOG_LEVEL', 'info', oneOf('fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'), 'pino log level.'),
  corsOrigins: setting('CORS_ORIGINS', '', list, 'Comma-separated allowed origins; empty disables CORS, `*` allows any.'),
  trustProxy: setting('TRUST_PROXY', 'false', trustProxy, '`true`, a hop count, or addresses of proxies whose `X-Forwarded-*` headers are trusted.'),
  shutdownTimeout: setting('SHUTDOWN_TIMEOUT', '10s', duration, 'How long SIGTERM waits for in-flight requests before closing anyway.'),
  jobsEnabled: setting('JOBS_ENABLED', 'true', bool, 'Run background job workers and cron schedules in this process (turn off for API-only instances).'),
  jobsConcurrency: setting('JOBS_CONCURRENCY', '2', int(1, 100), 'Jobs of one queue that run at once in this process.'),
  dispatcherEnabled: setting('DISPATCHER_ENABLED', 'true', bool, 'Run the event dispatcher in this process (turn off for API-only instances).'),
  eventMaxAttempts: setting('EVENT_MAX_ATTEMPTS', '8', int(1, 100), 'Delivery attempts before an event is dead-lettered.'),
  eventSubscriberTimeout: setting('EVENT_SUBSCRIBER_TIMEOUT', '60s', millis(1000, 86_400_000), 'An event subscriber that no instance with a dispatcher has reported for this long is gone: the events waiting for it are listed for admins and logged (instances report theirs every quarter of it; decision 0031).'),
  adminEmail: setting('ADMIN_EMAIL', '', optional(email), 'With `ADMIN_PASSWORD`, creates this admin on first start.'),
  adminPassword: setting('ADMIN_PASSWORD', '', optional(str), 'Password of the bootstrap admin.'),
  migrateOnStart: setting('MIGRATE_ON_START', '', optional(bool), 'Apply migrations at start (default: yes on the embedded server, no with `DATABASE_URL`: run `npm run migrate`).'),
  orgMaxDepth: setting('ORG_MAX_DEPTH', '5', int(1, 50), 'Levels an organization hierarchy may have (a top-level organization is level 1).'),
  orgRestoreDays: setting('ORG_RESTORE_DAYS', '30', int(1, 3650), 'Days during which an owner can restore a deleted organization.'),
  auditRetentionDays: setting('AUDIT_RETENTION_DAYS', '365', int(1, 36500), 'Days audit records are kept; a daily job (03:17 UTC) deletes older ones.'),
  webhookAllowedHosts: setting('WEBHOOK_ALLOWED_HOSTS', '', hostList, 'Comma-separated host names, IP addresses or CIDR ranges that webhook URLs may reach although they are not public (e.g. `hooks.internal,10.1.0.0/16`); empty: public addresses only.'),
  webhookDisableAfter: setting('WEBHOOK_DISABLE_AFTER', '5', int(1, 1000), 'Consecutive failed webhook deliveries (each after its ~24 h of retries) that disable the endpoint.'),
  smsProvider: setting('SMS_PROVIDER', 'log', oneOf('log', 'twilio'), 'Sends notification SMS: `log` writes them to the log, `twilio` sends them through Twilio.'),
  twilioAccountSid: setting('TWILIO_ACCOUNT_SID', '', optional(str), 'Twilio account SID (with `SMS_PROVIDER=twilio`).'),
  twilioAuthToken: setting('TWILIO_AUTH_TOKEN', '', optional(str), 'Twilio auth token (with `SMS_PROVIDER=twilio`).'),
  smsFrom: setting('SMS_FROM', '', optional(str), 'Sender of SMS: an E.164 number, alphanumeric sender id or messaging service SID (with `SMS_PROVIDER=twilio`).'),
  streamHeartbeat: setting('STREAM_HEARTBEAT', '15s', maxDuration(50), 'Interval of heartbeat comments on open `/api/v1/stream` connections (at most 50s, below the 60 s idle timeout).'),
  otelEndpoint: setting('OTEL_EXPORTER_OTLP_ENDPOINT', '', optional(url('http:', 'https:')), 'OpenTelemetry collector (OTLP over HTTP, e.g. `http://collector:4318`): traces of requests, SQL, event deliveries and jobs go to its `/v1/traces`. Unset: tracing is off and no OpenTelemetry code is loaded.'),
  otelProtocol: setting('OTEL_EXPORTER_OTLP_PROTOCOL', 'http/protobuf', oneOf('http/protobuf', 'http/json'), 'Encoding of exported traces (`grpc` is not supported).'),
  otelServiceName: setting('OTEL_SERVICE_NAME', 'trellis', str, 'The `service.name` of exported traces.'),
} as const;

type Settings = typeof SETTINGS;
type Parsed = { [K in keyof Settings]: Settings[K] extends Setting<infer T> ? T : never };

export interface JwtKeys {
  algorithm: 'HS256' | 'EdDSA';
  secret?: string;
  privateKey?: string;
  publicKey?: string;
}

export type Config = Readonly<
  Omit<Parsed, 'jwtSecret' | 'jwtPrivateKey' | 'jwtPublicKey'> & {
    dataDir: string;
    embedded: boolean;
    production: boolean;
    jwt: JwtKeys;
  }
>;

function read<T>(s: Setting<T>, env: Record<string, string | undefined>): T {
  return s.parse(env[s.env] ?? s.default ?? '', s.env);
}

export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const raw: Record<string, unknown> = {};
  for (const [key, s] of Object.entries(SETTINGS) as [string, Setting<unknown>][]) raw[key] = read(s, env);
  const parsed = raw as Parsed;
  const production = parsed.nodeEnv === 'production';
  const dataDir = resolve(parsed.dataDir);
  const jwt = resolveJwtKeys(parsed, production, dataDir);
  if (parsed.metricsPort && parsed.metricsPort === parsed.port) throw new ConfigError('METRICS_PORT', `must differ from PORT (${parsed.port})`);
  if (parsed.adminEmail && !parsed.adminPassword) throw new ConfigError('ADMIN_PASSWORD', 'is required when ADMIN_EMAIL is set');
  if (parsed.smsProvider === 'twilio') {
    for (const [value, variable] of [[parsed.twilioAccountSid, 'TWILIO_ACCOUNT_SID'], [parsed.twilioAuthToken, 'TWILIO_AUTH_TOKEN'], [parsed.smsFrom, 'SMS_FROM']] as const) {
      if (!value) throw new ConfigError(variable, 'is required when SMS_PROVIDER=twilio');
    }
  }
  const { jwtSecret: _s, jwtPrivateKey: _p, jwtPublicKey: _k, ...rest } = parsed;
  return Object.freeze({ ...rest, dataDir, embedded: !parsed.databaseUrl, production, jwt });
}

export interface TracingConfig {
  endpoint: string | undefined;
  protocol: Parsed['otelProtocol'];
  serviceName: string;
}

/**
 * The tracing settings alone. Tracing starts before the rest of the app is even loaded (it
 * must patch `pg` and Fastify first), so it cannot wait for loadConfig; the same settings
 * are parsed again there, with everything else.
 */
export function loadTracingConfig(env: Record<string, string | undefined> = process.env): TracingConfig {
  return { endpoint: read(SETTINGS.otelEndpoint, env), protocol: read(SETTINGS.otelProtocol, env), serviceName: read(SETTINGS.otelServiceName, env) };
}

function resolveJwtKeys(p: Parsed, production: boolean, dataDir: string): JwtKeys {
  if (p.jwtPrivateKey || p.jwtPublicKey) {
    if (!p.jwtPrivateKey) throw new ConfigError('JWT_PRIVATE_KEY', 'is required when JWT_PUBLIC_KEY is set');
    if (!p.jwtPublicKey) throw new ConfigError('JWT_PUBLIC_KEY', 'is required when JWT_PRIVATE_KEY is set');
    const privateKey = p.jwtPrivateKey.replace(/\\n/g, '\n');
    const publicKey = p.jwtPublicKey.replace(/\\n/g, '\n');
    if (!privateKey.includes('BEGIN PRIVATE KEY')) throw new ConfigError('JWT_PRIVATE_KEY', 'must be a PKCS#8 PEM');
    if (!publicKey.includes('BEGIN PUBLIC KEY')) throw new ConfigError('JWT_PUBLIC_KEY', 'must be an SPKI PEM');
    return { algorithm: 'EdDSA', privateKey, publicKey };
  }
  if (p.jwtSecret) {
    if (p.jwtSecret.length < 32) throw new ConfigError('JWT_SECRET', 'must be at least 32 characters');
    return { algorithm: 'HS256', secret: p.jwtSecret };
  }
  if (production) throw new ConfigError('JWT_SECRET', 'is required in production (or JWT_PRIVATE_KEY and JWT_PUBLIC_KEY)');
  return { algorithm: 'HS256', secret: generatedSecret(dataDir) };
}

/** Development convenience: a random secret kept in DATA_DIR so tokens survive restarts. */
function generatedSecret(dataDir: string): string {
  const file = join(dataDir, 'jwt-secret');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(dataDir, { recursive: true });
  const secret = randomBytes(48).toString('base64url');
  writeFileSync(file, secret, { mode: 0o600 });
  return secret;
}
