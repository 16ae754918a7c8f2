// Settings as a contribution point (decision 0034): each module's slice is parsed with core's
// at start-up, every bad variable named on a line of its own; README's table is generated from
// the declarations and kept true here; no variable was renamed on the way.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { allSettings, loadAppConfig } from '../src/app.ts';
import { ConfigError } from '../src/core/config.ts';
import { settingsTable } from '../src/core/settings.ts';
import { README, TABLE_END, TABLE_START, withSettingsTable } from '../scripts/settings.ts';
import { ROOT } from './processes.ts';

const SECRET = 'a'.repeat(32);

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe("the modules' slices", () => {
  it('are parsed with core and handed to each module under its name', () => {
    const config = loadAppConfig({ JWT_SECRET: SECRET, ORG_MAX_DEPTH: '3', LOGIN_MAX_FAILURES: '7', STREAM_HEARTBEAT: '20s' });
    expect(Object.keys(config.moduleSettings).sort()).toEqual(['analytics', 'audit', 'auth', 'chat', 'codebase', 'dashboards', 'data_sources', 'gendoc', 'llm_admin', 'notifications', 'organizations', 'web_tools', 'webhooks']);
    expect(config.moduleSettings.organizations).toEqual({ maxDepth: 3, restoreDays: 30 });
    expect(config.moduleSettings.auth).toMatchObject({ loginMaxFailures: 7, refreshTokenTtl: 30 * 86400, authRateLimit: 20 });
    expect(config.moduleSettings.notifications).toEqual({ sms: { provider: 'log' }, streamHeartbeatMs: 20_000 });
    // Module settings are not core's.
    expect(config).not.toHaveProperty('orgMaxDepth');
  });

  it("name every bad variable, core's and the modules' together, in README's order", () => {
    let error: unknown;
    try {
      loadAppConfig({ JWT_SECRET: SECRET, AUDIT_RETENTION_DAYS: 'forever', PORT: 'abc', LOGIN_LOCK_BASE: 'soon', ORG_MAX_DEPTH: '0' });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).issues).toEqual([
      { variable: 'PORT', message: 'expected an integer, got "abc"' },
      { variable: 'LOGIN_LOCK_BASE', message: 'expected a duration like 15m, 12h or 30d, got "soon"' },
      { variable: 'ORG_MAX_DEPTH', message: 'must be between 1 and 50, got 0' },
      { variable: 'AUDIT_RETENTION_DAYS', message: 'expected an integer, got "forever"' },
    ]);
  });

  it('stop start-up with one stderr line per bad variable, before anything is built', () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'trellis-settings-'));
    dirs.push(dataDir);
    const result = spawnSync(join(ROOT, 'node_modules/.bin/node'), ['src/main.ts'], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? dataDir, DATA_DIR: dataDir, PORT: 'abc', LOGIN_MAX_FAILURES: 'many' },
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(result.status).toBe(1);
    expect(result.stderr.trim().split('\n')).toEqual([
      'trellis: invalid configuration: PORT: expected an integer, got "abc"',
      'trellis: invalid configuration: LOGIN_MAX_FAILURES: expected an integer, got "many"',
    ]);
    expect(readdirSync(dataDir)).toEqual([]);
  });
});

describe('README settings table', () => {
  it('is the one the declarations give (run `npm run settings` after changing a setting)', () => {
    const readme = readFileSync(README, 'utf8');
    expect(readme).toContain(`${TABLE_START}\n${settingsTable(allSettings())}\n${TABLE_END}`);
    expect(withSettingsTable(readme)).toBe(readme);
  });

  it('keeps every variable of earlier versions, under its name (deployments keep working)', () => {
    const rows = [...readFileSync(README, 'utf8').matchAll(/^\| `([A-Z][A-Z0-9_]*)` \| /gm)].map(([, env]) => env);
    // The variables of the release before slices (one table in src/core/config.ts).
    const before = `NODE_ENV PORT HOST METRICS_PORT METRICS_HOST METRICS_TOKEN DATA_DIR DATABASE_URL DATABASE_POOL_SIZE DB_STATEMENT_TIMEOUT DB_LOCK_TIMEOUT
      DB_IDLE_IN_TRANSACTION_TIMEOUT DB_POOL_WAIT_TIMEOUT DB_START_TIMEOUT REDIS_URL JWT_SECRET JWT_PRIVATE_KEY JWT_PUBLIC_KEY JWT_ISSUER JWT_AUDIENCE
      ACCESS_TOKEN_TTL REFRESH_TOKEN_TTL REFRESH_REUSE_LEEWAY LOGIN_MAX_FAILURES LOGIN_LOCK_BASE LOGIN_ACCOUNT_SLOWDOWN LOGIN_ACCOUNT_SPACING
      LOGIN_ACCOUNT_WINDOW AUTH_RATE_LIMIT RATE_LIMIT BODY_LIMIT SMTP_URL MAIL_FROM PUBLIC_URL LOG_LEVEL CORS_ORIGINS TRUST_PROXY SHUTDOWN_TIMEOUT
      JOBS_ENABLED JOBS_CONCURRENCY DISPATCHER_ENABLED EVENT_MAX_ATTEMPTS ADMIN_EMAIL ADMIN_PASSWORD MIGRATE_ON_START ORG_MAX_DEPTH ORG_RESTORE_DAYS
      AUDIT_RETENTION_DAYS WEBHOOK_ALLOWED_HOSTS WEBHOOK_DISABLE_AFTER SMS_PROVIDER TWILIO_ACCOUNT_SID TWILIO_AUTH_TOKEN SMS_FROM STREAM_HEARTBEAT
      OTEL_EXPORTER_OTLP_ENDPOINT OTEL_EXPORTER_OTLP_PROTOCOL OTEL_SERVICE_NAME`.split(/\s+/);
    expect(rows).toEqual(expect.arrayContaining(before));
  });
});
