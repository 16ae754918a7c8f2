// The operator commands, run as a user would: `npm run migrate`, `npm run cli -- create-admin`,
// `npm run cli -- db-url`, `npm run cli -- import-pglite`.
import { execFile, spawnSync } from 'node:child_process';
import { existsSync, renameSync, } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { PgBoss } from 'pg-boss';
import { afterAll, describe, expect, it } from 'vitest';
import { allMigrations, buildApp } from '../src/app.ts';
import type { Database } from '../src/core/db/database.ts';
import { embeddedFiles, runningPostmaster } from '../src/core/db/embedded-postgres.ts';
import { migrate } from '../src/core/db/migrator.ts';
import { createLogger } from '../src/core/log/logger.ts';
import { MemoryMailer } from '../src/core/mail/index.ts';
import { createPasswordHasher } from '../src/core/security/passwords.ts';
import { testConfig } from './harness.ts';
import { api, cleanupProcesses, diagnostics, embeddedDataDir, login, PASSWORD, startServer, stopEmbeddedServers, stopGracefully } from './processes.ts';

const run = promisify(execFile);
const node = join(process.cwd(), 'node_modules/.bin/node');
const folders: string[] = [];

function newDataDir(): string {
  const dir = embeddedDataDir('trellis-cli-');
  folders.push(dir);
  return dir;
}

const envFor = (dataDir: string) => ({ ...process.env, DATA_DIR: dataDir, LOG_LEVEL: 'silent', NODE_ENV: 'development', DATABASE_URL: '' });
const cli = (dataDir: string, ...args: string[]) =>
  run(node, ['src/cli.ts', ...args], { env: envFor(dataDir) }).then(
    (out) => ({ code: 0, ...out }),
    (err) => ({ code: err.code as number, stdout: err.stdout as string, stderr: err.stderr as string }),
  );

const dataDir = newDataDir();
const env = envFor(dataDir);

afterAll(async () => {
  await cleanupProcesses();
  // `db-url --start` leaves its server running by design: stop what this file left.
  await stopEmbeddedServers(folders);
}, 60_000);

// The CLI is exercised on the embedded PostgreSQL (CI included); the server path is the same code with DATABASE_URL.
describe('cli', () => {
  it('migrate applies every migration once, then reports up to date', async () => {
    const first = await run(node, ['src/cli.ts', 'migrate'], { env });
    expect(first.stdout).toContain('core/0001_outbox.sql');
    expect(first.stdout).toContain('auth/0001_auth.sql');
    expect(first.stdout).toContain('users/0001_users.sql');
    const status = await run(node, ['src/cli.ts', 'migrate', '--status'], { env });
    expect(status.stdout.trim()).toBe('up to date');
    // Both runs started the server themselves, so both stopped it again.
    expect(runningPostmaster(embeddedFiles(join(dataDir, 'postgres')))).toBeNull();
  }, 60_000);

  it('create-admin creates an admin who can sign in, and refuses a weak password', async () => {
    const out = await run(node, ['src/cli.ts', 'create-admin', '--email', 'Ops@Example.test', '--password', 'Opening-the-gate-42'], { env });
    expect(out.stdout).toMatch(/^created admin Ops@Example.test \([0-9a-f-]{36}\)/);
    const weak = await run(node, ['src/cli.ts', 'create-admin', '--email', 'x@example.test', '--password', 'password'], { env }).catch((e) => e);
    expect(weak.code).toBe(1);
    expect(weak.stderr).toMatch(/^trellis: /);
    expect(weak.stderr).not.toContain('    at ');

    const app = await buildApp(testConfig({ DATA_DIR: dataDir, JWT_SECRET: '' }), { mailer: new MemoryMailer(), log: createLogger('silent'), startDispatcher: false });
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

  it('db-url prints the embedded server address (saying when it is not running); --start starts it and leaves it running', async () => {
    const pgdata = join(dataDir, 'postgres');
    expect(runningPostmaster(embeddedFiles(pgdata))).toBeNull();
    const stopped = await cli(dataDir, 'db-url');
    expect(stopped.code).toBe(0);
    const url = stopped.stdout.trim();
    expect(url).toMatch(/^postgresql:\/\/trellis:[^@]+@\/trellis\?host=[^&]+&port=5432$/);
    expect(stopped.stderr).toMatch(/^trellis: the embedded PostgreSQL in .* is not running: /);

    const started = await cli(dataDir, 'db-url', '--start');
    expect(started.code, started.stderr).toBe(0);
    expect(started.stdout.trim()).toBe(url);
    expect(started.stderr).toMatch(/^trellis: started the embedded PostgreSQL in .* and left it running: the next `npm start` uses it and stops it when it stops\n$/);
    const pid = runningPostmaster(embeddedFiles(pgdata));
    expect(pid).not.toBeNull();

    // While it runs: no note, the same address, and it opens the data the CLI wrote.
    const running = await cli(dataDir, 'db-url');
    expect(running).toMatchObject({ code: 0, stdout: `${url}\n`, stderr: '' });
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      const { rows } = await client.query('SELECT role FROM auth.accounts WHERE email = $1', ['ops@example.test']);
      expect(rows).toEqual([{ role: 'admin' }]);
    } finally {
      await client.end();
    }
    // The promise of the README: psql opens the same database (when psql is installed here).
    const psql = spawnSync('psql', ['-X', '-A', '-t', '-c', "SELECT count(*) FROM auth.accounts WHERE email = 'ops@example.test'", url], { encoding: 'utf8' });
    if (!psql.error) expect(psql.stdout.trim(), psql.stderr).toBe('1');

    // The next start uses the running server, and stops it when it stops.
    const server = await startServer(dataDir, {});
    expect(server.logs.map((l) => l.msg)).toContain('embedded PostgreSQL already running on this folder: using it');
    const { code } = await stopGracefully(server);
    expect(code, diagnostics(server)).toBe(0);
    expect(runningPostmaster(embeddedFiles(pgdata))).toBeNull();
  }, 60_000);

  it('db-url prints DATABASE_URL when it is set, and says when there is no embedded server yet', async () => {
    const fresh = newDataDir();
    const url = 'postgres://someone:secret@db.example.test:5432/trellis';
    const out = await run(node, ['src/cli.ts', 'db-url'], { env: { ...envFor(fresh), DATABASE_URL: url } });
    expect(out.stdout).toBe(`${url}\n`);
    const none = await cli(fresh, 'db-url');
    expect(none.code).toBe(1);
    expect(none.stdout).toBe('');
    expect(none.stderr).toMatch(/^trellis: no embedded PostgreSQL in .*postgres yet: start the server once/);
  });

  it('prints usage and fails on an unknown command', async () => {
    const res = await run(node, ['src/cli.ts', 'frobnicate'], { env }).catch((e) => e);
    expect(res.code).toBe(1);
    expect(res.stdout).toContain('create-admin');
  });
});

/**
 * A DATA_DIR/pglite as an earlier version left it: PGlite's own folder, every migration applied
 * by the migrator (ledger included), pg-boss's schema, and a user with an organization and
 * time entries. Built with PGlite directly, not with the app's database layer.
 */
async function legacyFolder(dir: string) {
  const pglite = new PGlite(dir);
  await pglite.waitReady;
  try {
    const database = {
      kind: 'pglite',
      async rawTransaction<T>(fn: (s: { exec(sql: string): Promise<void>; query(sql: string, params?: unknown[]): Promise<any[]> }) => Promise<T>) {
        return pglite.transaction(async (tx) =>
          fn({
            exec: async (text) => {
              await tx.exec(text);
            },
            query: async (text, params) => (await tx.query(text, params)).rows as any[],
          }),
        );
      },
    } as unknown as Database;
    await migrate(database, allMigrations());
    const boss = new PgBoss({
      db: {
        executeSql: async (text: string, values?: unknown[]) =>
          values?.length ? pglite.query(text, values) : { rows: (await pglite.exec(text)).flatMap((r) => r.rows) },
      },
      schema: 'pgboss',
      backend: 'pglite',
      supervise: false,
      schedule: false,
    } as never);
    await boss.start();
    await boss.stop({ graceful: false });

    const user = '0190a000-0000-7000-8000-000000000001';
    const org = '0190a000-0000-7000-8000-000000000002';
    const project = '0190a000-0000-7000-8000-000000000003';
    const hash = await createPasswordHasher().hash(PASSWORD);
    await pglite.query('INSERT INTO auth.accounts (id, email, password_hash, email_verified_at) VALUES ($1, $2, $3, now())', [user, 'old@example.test', hash]);
    await pglite.query("INSERT INTO users.profiles (user_id, email, display_name, email_verified) VALUES ($1, $2, 'Old Timer', true)", [user, 'old@example.test']);
    await pglite.query("INSERT INTO organizations.orgs (id, name, slug) VALUES ($1, 'Old Co', 'old-co')", [org]);
    await pglite.query("INSERT INTO organizations.memberships (org_id, user_id, email, role) VALUES ($1, $2, 'old@example.test', 'owner')", [org, user]);
    await pglite.query("INSERT INTO projects.projects (id, org_id, name, key, created_by, created_at, updated_at, last_activity_at) VALUES ($1, $2, 'Old Project', 'OLD', $3, now(), now(), now())", [
      project,
      org,
      user,
    ]);
    // 600 entries, one hour each on consecutive days: more than one multi-row INSERT of the dump.
    await pglite.query(
      `INSERT INTO time_tracking.entries (id, org_id, user_id, project_id, start_at, end_at, description, billable, currency, created_by)
       SELECT ('0190a000-0000-7000-8001-' || lpad(to_hex(i), 12, '0'))::uuid, $1, $2, $3,
              timestamptz '2024-01-01 09:00Z' + i * interval '1 day', timestamptz '2024-01-01 10:00Z' + i * interval '1 day',
              E'line one\\n\\\\line two, it''s entry ' || i, true, 'EUR', $2
         FROM generate_series(1, 600) AS i`,
      [org, user, project],
    );
    return { user, org };
  } finally {
    await pglite.close();
  }
}

describe('cli import-pglite', () => {
  it('start-up stops on an old PGlite folder; import-pglite moves its data into the embedded server; start-up then works', { timeout: 120_000 }, async () => {
    const dir = newDataDir();
    const old = await legacyFolder(join(dir, 'pglite'));

    // 1. Start-up refuses, in one sentence naming the command.
    const refused = spawnSync(node, ['src/main.ts'], { env: { ...envFor(dir), PORT: '0', LOG_LEVEL: 'info' }, encoding: 'utf8', timeout: 60_000 });
    expect(refused.status).toBe(1);
    const lines = refused.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^trellis: .*pglite holds the database of an earlier Trellis version \(PGlite\).*: run `npm run cli -- import-pglite` once/);
    expect(existsSync(join(dir, 'postgres'))).toBe(false);

    // 2. The import.
    const imported = await cli(dir, 'import-pglite');
    expect(imported.code, imported.stderr).toBe(0);
    expect(imported.stderr).toMatch(/^trellis: dumping .*pglite with PGlite's pg_dump\ntrellis: applying the dump \([\d.]+ MB\) to the embedded PostgreSQL\n$/);
    expect(imported.stdout).toMatch(/^imported .*pglite into the embedded PostgreSQL in .*postgres \(\d+ tables\); the old folder is now .*pglite\.imported/);
    expect(existsSync(join(dir, 'pglite'))).toBe(false);
    expect(existsSync(join(dir, 'pglite.imported', 'PG_VERSION'))).toBe(true);
    // It started the server for itself, so it stopped it again.
    expect(runningPostmaster(embeddedFiles(join(dir, 'postgres')))).toBeNull();

    // 3. Start-up works, on the imported data.
    const server = await startServer(dir, {});
    try {
      expect((await fetch(`${server.base}/health/ready`)).status).toBe(200);
      const token = await login(server, 'old@example.test');
      const me = await api(server, 'GET', '/users/me', undefined, token);
      expect(me.body).toMatchObject({ id: old.user, profile: { displayName: 'Old Timer' } });
      const orgs = await api(server, 'GET', '/orgs', undefined, token);
      expect(orgs.body.data.map((o: { id: string }) => o.id)).toEqual([old.org]);
      const url = (await cli(dir, 'db-url')).stdout.trim();
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        const entries = await client.query<{ n: number; text: string }>(
          "SELECT count(*)::int AS n, min(description) FILTER (WHERE description LIKE '%entry 7') AS text FROM time_tracking.entries",
        );
        expect(entries.rows[0]).toEqual({ n: 600, text: "line one\n\\line two, it's entry 7" });
        // The ledger came along: nothing was applied twice, nothing is pending.
        const ledger = await client.query<{ n: number }>('SELECT count(*)::int AS n FROM core.schema_migrations');
        expect(ledger.rows[0].n).toBe(allMigrations().length);
        const boss = await client.query<{ n: number }>("SELECT count(*)::int AS n FROM pg_namespace WHERE nspname = 'pgboss'");
        expect(boss.rows[0].n).toBe(1);
      } finally {
        await client.end();
      }
    } finally {
      const { code } = await stopGracefully(server);
      expect(code, diagnostics(server)).toBe(0);
    }

    // 4. Nothing left to import; and a server that has tables is never mixed with PGlite data.
    const again = await cli(dir, 'import-pglite');
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/^trellis: nothing to import: .*pglite was imported already/);
    renameSync(join(dir, 'pglite.imported'), join(dir, 'pglite'));
    const mixed = await cli(dir, 'import-pglite');
    expect(mixed.code).toBe(1);
    expect(mixed.stderr).toMatch(/^trellis: the embedded PostgreSQL in .*postgres already has \d+ table\(s\) in its `trellis` database, and the import does not mix two databases: [^\n]*\n$/);
    expect(mixed.stderr).not.toContain('    at ');
    expect(existsSync(join(dir, 'pglite', 'PG_VERSION'))).toBe(true);
    expect(runningPostmaster(embeddedFiles(join(dir, 'postgres')))).toBeNull();
  });
});
