// The operator commands, run as a user would: `npm run migrate`, `npm run cli -- create-admin`,
// on an empty database of their own on the run's server (DATABASE_URL).
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../src/app.ts';
import { createLogger } from '../src/core/log/logger.ts';
import { MemoryMailer } from '../src/core/mail/index.ts';
import { testConfig } from './harness.ts';
import { createDatabase, dropDatabase } from './test-server.ts';

const run = promisify(execFile);
const node = join(process.cwd(), 'node_modules/.bin/node');
const dataDir = mkdtempSync(join(tmpdir(), 'trellis-cli-'));
const database = `trellis_cli_${process.pid}_${randomBytes(4).toString('hex')}`;
let databaseUrl: string;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  databaseUrl = await createDatabase(database);
  env = { ...process.env, DATA_DIR: dataDir, LOG_LEVEL: 'silent', NODE_ENV: 'development', DATABASE_URL: databaseUrl };
});
afterAll(async () => {
  await dropDatabase(database);
  rmSync(dataDir, { recursive: true, force: true });
});

describe('cli', () => {
  it('migrate applies every migration once, then reports up to date', async () => {
    const first = await run(node, ['src/cli.ts', 'migrate'], { env });
    expect(first.stdout).toContain('core/0001_outbox.sql');
    expect(first.stdout).toContain('auth/0001_auth.sql');
    expect(first.stdout).toContain('users/0001_users.sql');
    const status = await run(node, ['src/cli.ts', 'migrate', '--status'], { env });
    expect(status.stdout.trim()).toBe('up to date');
  }, 60_000);

  it('create-admin creates an admin who can sign in, and refuses a weak password', async () => {
    const out = await run(node, ['src/cli.ts', 'create-admin', '--email', 'Ops@Example.test', '--password', 'Opening-the-gate-42'], { env });
    expect(out.stdout).toMatch(/^created admin Ops@Example.test \([0-9a-f-]{36}\)/);
    const weak = await run(node, ['src/cli.ts', 'create-admin', '--email', 'x@example.test', '--password', 'password'], { env }).catch((e) => e);
    expect(weak.code).toBe(1);
    expect(weak.stderr).toMatch(/^trellis: /);
    expect(weak.stderr).not.toContain('    at ');

    const app = await buildApp(testConfig({ DATA_DIR: dataDir, JWT_SECRET: '', DATABASE_URL: databaseUrl }), { mailer: new MemoryMailer(), log: createLogger('silent'), startDispatcher: false });
    try {
      const login = await app.http.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email: 'ops@example.test', password: 'Opening-the-gate-42' } });
      expect(login.statusCode).toBe(200);
      expect(login.json().user).toMatchObject({ role: 'admin', emailVerified: true });
      const me = await app.http.inject({ method: 'GET', url: '/api/v1/users/me', headers: { authorization: `Bearer ${login.json().accessToken}` } });
      expect(me.json().profile.displayName).toBe('Administrator');
    } finally {
      await app.close();
    }
  }, 60_000);

  it('prints usage and fails on an unknown command', async () => {
    const res = await run(node, ['src/cli.ts', 'frobnicate'], { env }).catch((e) => e);
    expect(res.code).toBe(1);
    expect(res.stdout).toContain('create-admin');
  });
});
