// Core's settings: the infrastructure every module stands on (server, database, Redis, keys,
// mail transport, jobs, logs, tracing). Each module declares its own slice next to `setup`
// (decision 0034); loadConfig parses core's and the slices it is given at once, before anything
// is built, and every bad variable is named on a line of its own.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join, resolve } from 'node:path';
import { LLM_SETTINGS, splitLlmSettings } from './llm/settings.ts';
import {
  boolean,
  ConfigError,
  type ConfigIssue,
  type Decoded,
  defineSettings,
  email,
  integer,
  list,
  millis,
  oneOf,
  optional,
  type Parser,
  parseSettings,
  readSetting,
  type SettingsOwner,
  SettingError,
  seconds,
  setting,
  text,
  url,
} from './settings.ts';

export { ConfigError } from './settings.ts';

/**
 * A PostgreSQL connection string. One for a Unix socket names no host (`postgresql://u:pw@/db
 * ?host=/run/postgresql`, as the embedded server's are), which WHATWG URL refuses: it is
 * checked with a placeholder host instead.
 */
const postgresUrl: Parser<string> = (raw) => {
  const socket = /^(postgres(?:ql)?:\/\/(?:[^@/]*@)?)\//.exec(raw);
  url('postgres:', 'postgresql:')(socket ? `${socket[1]}localhost${raw.slice(socket[0].length - 1)}` : raw);
  return raw;
};

/** A bearer token: visible ASCII only (it travels in a header), long enough not to be guessed. */
const bearerToken =
  (minLength: number): Parser<string> =>
  (raw) => {
    if (!/^[\x21-\x7e]+$/.test(raw)) throw new SettingError('must be printable ASCII without spaces');
    if (raw.length < minLength) throw new SettingError(`must be at least ${minLength} characters`);
    return raw;
  };

const trustProxy: Parser<boolean | number | string> = (raw) => {
  if (/^\d+$/.test(raw)) return Number(raw);
  if (['true', 'false'].includes(raw.toLowerCase())) return raw.toLowerCase() === 'true';
  return raw; // comma-separated addresses/CIDRs, passed to Fastify as-is
};

/** S3's limit for one PutObject, which the S3 driver sends a file with. */
const MAX_PUT_BYTES = 5 * 1024 ** 3;

/** Core's variables. README's table is generated from these and the modules' slices (`npm run settings`). */
const CORE_SETTINGS = {
  nodeEnv: setting('NODE_ENV', 'development', oneOf('development', 'production', 'test'), 'Mode. `production` refuses to start without explicit secrets.'),
  port: setting('PORT', '3000', integer(0, 65535), 'HTTP port.'),
  host: setting('HOST', '127.0.0.1', text, 'Interface to bind (`0.0.0.0` in containers).'),
  metricsPort: setting('METRICS_PORT', '', optional(integer(0, 65535)), 'Serve `/metrics` on a listener of its own on this port (`0`: any free port, logged); unset: no such listener.'),
  metricsHost: setting('METRICS_HOST', '127.0.0.1', text, 'Interface of the `METRICS_PORT` listener (`0.0.0.0` in containers, where the port is not published).'),
  metricsToken: setting('METRICS_TOKEN', '', optional(bearerToken(32)), 'Bearer token (at least 32 characters) that `/metrics` requires, on the API port and on `METRICS_PORT`. With neither set, `/metrics` is not served.'),
  dataDir: setting('DATA_DIR', './data', text, 'Local data: the embedded PostgreSQL server (`postgres/`, with `postgres.password`, `postgres.log` and the socket folder `postgres.run/` beside it), mail files (`mail/`), stored files (`files/`, unless `S3_BUCKET` is set) and the generated development JWT secret.'),
  databaseUrl: setting('DATABASE_URL', '', optional(postgresUrl), 'A PostgreSQL server instead of the embedded one.'),
  databasePoolSize: setting('DATABASE_POOL_SIZE', '10', integer(1, 200), 'Connections in the `pg` pool.'),
  dbStatementTimeout: setting('DB_STATEMENT_TIMEOUT', '4s', millis(100, 3_600_000), 'Longest a statement of the app may run (PostgreSQL `statement_timeout`); a request over it answers 503 `DB.TIMEOUT`. Migrations are exempt.'),
  dbLockTimeout: setting('DB_LOCK_TIMEOUT', '1s', millis(10, 3_600_000), 'Longest a statement may wait for a lock, advisory locks included (`lock_timeout`): one locked table fails its own requests fast instead of holding every connection.'),
  dbIdleInTransactionTimeout: setting('DB_IDLE_IN_TRANSACTION_TIMEOUT', '10s', millis(100, 3_600_000), 'A transaction left idle this long is ended by the server (`idle_in_transaction_session_timeout`), releasing its locks.'),
  dbPoolWaitTimeout: setting('DB_POOL_WAIT_TIMEOUT', '2s', millis(10, 600_000), 'Longest a request waits for pool connections, all its waits together (a module holds at most 60% of the pool, so its blocked requests leave the rest to others), before it answers 503 `DB.TIMEOUT`.'),
  dbStartTimeout: setting('DB_START_TIMEOUT', '60s', millis(1000, 3_600_000), 'How long start-up retries an unreachable or unresponsive database (one log line per attempt) before it exits with status 1.'),
  redisUrl: setting('REDIS_URL', '', optional(url('redis:', 'rediss:')), 'Redis for shared rate limits (in memory when unset).'),
  jwtSecret: setting('JWT_SECRET', '', optional(text), 'HS256 signing secret (at least 32 characters). Generated into `DATA_DIR` in development when neither this nor an EdDSA key pair is set.'),
  jwtPrivateKey: setting('JWT_PRIVATE_KEY', '', optional(text), 'EdDSA (Ed25519) private key, PKCS#8 PEM; with `JWT_PUBLIC_KEY` replaces HS256.'),
  jwtPublicKey: setting('JWT_PUBLIC_KEY', '', optional(text), 'EdDSA (Ed25519) public key, SPKI PEM.'),
  jwtIssuer: setting('JWT_ISSUER', 'trellis', text, 'The `iss` claim of access tokens.'),
  jwtAudience: setting('JWT_AUDIENCE', 'trellis-api', text, 'The `aud` claim of access tokens.'),
  sealingPreviousKeys: setting(
    'SEALING_PREVIOUS_KEYS',
    '',
    list,
    'After rotating the master key (`JWT_SECRET`, or `JWT_PRIVATE_KEY`): the former value(s), comma-separated, newest first. Secrets they sealed (data source credentials, webhook secrets, TOTP seeds) still open, and data sources re-seal theirs with the new key within minutes; keep the old value until the log line "data source secrets re-sealed" says none are left (other secrets keep needing it until they are re-issued).',
  ),
  accessTokenTtl: setting('ACCESS_TOKEN_TTL', '15m', seconds, 'Access token lifetime (`900`, `15m`, `1h`).'),
  rateLimit: setting('RATE_LIMIT', '1000', integer(1, 10000000), 'Requests per minute per IP to each route without a limit of its own (the credential routes have `AUTH_RATE_LIMIT`).'),
  bodyLimit: setting('BODY_LIMIT', '1048576', integer(1024, 1073741824), 'Largest accepted request body, in bytes.'),
  smtpUrl: setting('SMTP_URL', '', optional(url('smtp:', 'smtps:')), 'Send mail over SMTP instead of writing `.eml` files.'),
  mailFrom: setting('MAIL_FROM', 'Trellis <no-reply@trellis.local>', text, 'Sender of outgoing mail.'),
  publicUrl: setting('PUBLIC_URL', 'http://localhost:3000', url('http:', 'https:'), 'Base URL of the web console (this server by default): every link sent by mail starts with it (docs/console.md).'),
  logLevel: setting('LOG_LEVEL', 'info', oneOf('fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'), 'pino log level.'),
  modulePackages: setting(
    'MODULE_PACKAGES',
    '',
    list,
    'Comma-separated installed packages to load as modules besides those of `src/modules`; each exports `trellisModule(sdk)` (docs/modules.md).',
  ),
  corsOrigins: setting('CORS_ORIGINS', '', list, 'Comma-separated allowed origins; empty disables CORS, `*` allows any.'),
  trustProxy: setting('TRUST_PROXY', 'false', trustProxy, '`true`, a hop count, or addresses of proxies whose `X-Forwarded-*` headers are trusted.'),
  shutdownTimeout: setting('SHUTDOWN_TIMEOUT', '10s', seconds, 'How long SIGTERM waits for in-flight requests before closing anyway.'),
  jobsEnabled: setting('JOBS_ENABLED', 'true', boolean, 'Run background job workers and cron schedules in this process (turn off for API-only instances).'),
  jobsConcurrency: setting('JOBS_CONCURRENCY', '2', integer(1, 100), 'Jobs of one queue that run at once in this process.'),
  dispatcherEnabled: setting('DISPATCHER_ENABLED', 'true', boolean, 'Run the event dispatcher in this process (turn off for API-only instances).'),
  eventMaxAttempts: setting('EVENT_MAX_ATTEMPTS', '8', integer(1, 100), 'Delivery attempts before an event is dead-lettered.'),
  eventSubscriberTimeout: setting('EVENT_SUBSCRIBER_TIMEOUT', '60s', millis(1000, 86_400_000), 'An event subscriber that no instance with a dispatcher has reported for this long is gone: the events waiting for it are listed for admins and logged (instances report theirs every quarter of it; decision 0031).'),
  adminEmail: setting('ADMIN_EMAIL', '', optional(email), 'With `ADMIN_PASSWORD`, creates this admin on first start.'),
  adminPassword: setting('ADMIN_PASSWORD', '', optional(text), 'Password of the bootstrap admin.'),
  migrateOnStart: setting('MIGRATE_ON_START', '', optional(boolean), 'Apply migrations at start (default: yes on the embedded server, no with `DATABASE_URL`: run `npm run migrate`).'),
  otelEndpoint: setting('OTEL_EXPORTER_OTLP_ENDPOINT', '', optional(url('http:', 'https:')), 'OpenTelemetry collector (OTLP over HTTP, e.g. `http://collector:4318`): traces of requests, SQL, event deliveries and jobs go to its `/v1/traces`. Unset: tracing is off and no OpenTelemetry code is loaded.'),
  otelProtocol: setting('OTEL_EXPORTER_OTLP_PROTOCOL', 'http/protobuf', oneOf('http/protobuf', 'http/json'), 'Encoding of exported traces (`grpc` is not supported).'),
  otelServiceName: setting('OTEL_SERVICE_NAME', 'trellis', text, 'The `service.name` of exported traces.'),
  ...LLM_SETTINGS,
  // Files (core/storage, docs/storage.md): a folder under DATA_DIR unless S3_BUCKET names a bucket.
  storageMaxUploadBytes: setting('STORAGE_MAX_UPLOAD_BYTES', '104857600', integer(1, MAX_PUT_BYTES), 'Largest file one upload may store, in bytes (100 MiB); a larger one is refused with 413 `STORAGE.TOO_LARGE` and nothing is kept. At most 5 GiB (one S3 PutObject).'),
  storageOrgQuotaBytes: setting('STORAGE_ORG_QUOTA_BYTES', '5368709120', integer(1, Number.MAX_SAFE_INTEGER), "Bytes of files one organization may keep, all uploads together (5 GiB); an upload that would pass it is refused with 413 `STORAGE.QUOTA_EXCEEDED`."),
  s3Bucket: setting('S3_BUCKET', '', optional(text), 'Keep files in this bucket of an S3-compatible service instead of `DATA_DIR/files`.'),
  s3Endpoint: setting('S3_ENDPOINT', '', optional(url('http:', 'https:')), 'The S3-compatible service (MinIO, Ceph, R2, …); unset: AWS S3 of `S3_REGION`.'),
  s3Region: setting('S3_REGION', 'us-east-1', text, 'Region of the bucket (any value for most S3-compatible services).'),
  s3AccessKeyId: setting('S3_ACCESS_KEY_ID', '', optional(text), 'Access key of the bucket; unset with `S3_SECRET_ACCESS_KEY`: the AWS SDK looks for credentials itself (environment, instance role).'),
  s3SecretAccessKey: setting('S3_SECRET_ACCESS_KEY', '', optional(text), 'Secret of `S3_ACCESS_KEY_ID`.'),
  s3ForcePathStyle: setting('S3_FORCE_PATH_STYLE', 'false', boolean, 'Address the bucket as `endpoint/bucket/key` rather than `bucket.endpoint/key` (MinIO and most self-hosted services need `true`).'),
};

type CoreValues = Decoded<typeof CORE_SETTINGS>;

export interface JwtKeys {
  algorithm: 'HS256' | 'EdDSA';
  secret?: string;
  privateKey?: string;
  publicKey?: string;
}

/** Checks across core's variables, and what follows from them (the signing keys). */
function parseCore(p: CoreValues) {
  const production = p.nodeEnv === 'production';
  const dataDir = resolve(p.dataDir);
  const issues: ConfigIssue[] = [];
  if (p.metricsPort && p.metricsPort === p.port) issues.push({ variable: 'METRICS_PORT', message: `must differ from PORT (${p.port})` });
  if (p.adminEmail && !p.adminPassword) issues.push({ variable: 'ADMIN_PASSWORD', message: 'is required when ADMIN_EMAIL is set' });
  issues.push(...storageIssues(p));
  // The language model's variables become `llm`, its provider's configuration (core/llm/settings.ts).
  const { llm, issues: llmIssues, rest: withoutLlm } = splitLlmSettings(p);
  issues.push(...llmIssues);
  if (issues.length) throw ConfigError.of(issues);
  // Last: in development it may write a secret into DATA_DIR.
  const jwt = resolveJwtKeys(p, production, dataDir);
  const { jwtSecret: _s, jwtPrivateKey: _p, jwtPublicKey: _k, s3Bucket, s3Endpoint, s3Region, s3AccessKeyId, s3SecretAccessKey, s3ForcePathStyle, ...rest } = withoutLlm;
  const s3 = s3Bucket
    ? {
        bucket: s3Bucket,
        endpoint: s3Endpoint,
        region: s3Region,
        forcePathStyle: s3ForcePathStyle,
        credentials: s3AccessKeyId && s3SecretAccessKey ? { accessKeyId: s3AccessKeyId, secretAccessKey: s3SecretAccessKey } : undefined,
      }
    : undefined;
  return { ...rest, dataDir, embedded: !p.databaseUrl, production, jwt: jwt!, s3, llm };
}

/** S3 settings that cannot work: half a key pair, or a service named without a bucket to use. */
function storageIssues(p: CoreValues): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  if (p.s3AccessKeyId && !p.s3SecretAccessKey) issues.push({ variable: 'S3_SECRET_ACCESS_KEY', message: 'is required when S3_ACCESS_KEY_ID is set' });
  if (p.s3SecretAccessKey && !p.s3AccessKeyId) issues.push({ variable: 'S3_ACCESS_KEY_ID', message: 'is required when S3_SECRET_ACCESS_KEY is set' });
  if (!p.s3Bucket && (p.s3Endpoint || p.s3AccessKeyId)) issues.push({ variable: 'S3_BUCKET', message: 'is required when S3_ENDPOINT or S3_ACCESS_KEY_ID is set (files stay in DATA_DIR/files without it)' });
  return issues;
}

export const coreSettings = defineSettings(CORE_SETTINGS, parseCore);

export type Config = Readonly<
  ReturnType<typeof parseCore> & {
    /** Each module's parsed slice, under its name; the app hands each to its module's `setup` as `core.settings`. */
    moduleSettings: Readonly<Record<string, unknown>>;
  }
>;

/**
 * Parses core's settings and the modules' slices given (the app passes every module's:
 * `loadAppConfig` in src/app.ts). Throws ConfigError naming every bad variable.
 */
export function loadConfig(env: Record<string, string | undefined> = process.env, modules: readonly SettingsOwner[] = []): Config {
  const { core, ...moduleSettings } = parseSettings(env, [{ owner: 'core', slice: coreSettings }, ...modules]);
  return Object.freeze({ ...(core as ReturnType<typeof parseCore>), moduleSettings: Object.freeze(moduleSettings) });
}

export interface TracingConfig {
  endpoint: string | undefined;
  protocol: CoreValues['otelProtocol'];
  serviceName: string;
}

/**
 * The tracing settings alone. Tracing starts before the rest of the app is even loaded (it
 * must patch `pg` and Fastify first), so it cannot wait for loadConfig; the same settings
 * are parsed again there, with everything else.
 */
export function loadTracingConfig(env: Record<string, string | undefined> = process.env): TracingConfig {
  return {
    endpoint: readSetting(CORE_SETTINGS.otelEndpoint, env),
    protocol: readSetting(CORE_SETTINGS.otelProtocol, env),
    serviceName: readSetting(CORE_SETTINGS.otelServiceName, env),
  };
}

function resolveJwtKeys(p: CoreValues, production: boolean, dataDir: string): JwtKeys {
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
