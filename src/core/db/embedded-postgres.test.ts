// The embedded server's lock-file rules: a `postmaster.pid` is trusted only when the process it
// names is a postgres whose command line names this very folder.
import { spawnSync } from 'node:child_process';
import { chmodSync, cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { type AddressInfo, createServer } from 'node:net';
import { platform, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EmbeddedPostgres, embeddedBinaries, embeddedFiles, reachableBinaries, runningPostmaster, startEmbeddedPostgres } from './embedded-postgres.ts';

const base = mkdtempSync(join(tmpdir(), 'trellis-embedded-unit-'));
// mkdtemp makes it 0700; under root the server runs as `postgres`, which must get in.
chmodSync(base, 0o711);
const dir = join(base, 'postgres');
const files = embeddedFiles(dir);
let server: EmbeddedPostgres | undefined;
/** The lock file of the stopped server, as it was while it ran. */
let lockFile = '';

/** Rewrites the pid (first line) of the lock file a stopped server left, as a crash would leave it. */
function leaveLockFile(pid: number) {
  const lines = lockFile.split('\n');
  lines[0] = String(pid);
  writeFileSync(files.pidFile, lines.join('\n'));
}

async function count(s: EmbeddedPostgres): Promise<number> {
  const client = new pg.Client({ connectionString: s.url() });
  await client.connect();
  try {
    return (await client.query('SELECT count(*)::int AS n FROM marks')).rows[0].n;
  } finally {
    await client.end();
  }
}

describe.skipIf(platform() === 'win32')('embedded PostgreSQL lock files', () => {
  beforeAll(async () => {
    server = await startEmbeddedPostgres({ dir });
    lockFile = readFileSync(files.pidFile, 'utf8');
    const client = new pg.Client({ connectionString: server.url() });
    await client.connect();
    await client.query('CREATE TABLE marks (n int)');
    await client.query('INSERT INTO marks VALUES (1)');
    await client.end();
    await server.stop();
    server = undefined;
  }, 60_000);

  afterAll(async () => {
    await server?.stop();
    rmSync(base, { recursive: true, force: true });
  });

  it('a lock file naming a dead process is stale: the server starts and the data is there', async () => {
    const gone = spawnSync('true').pid!;
    leaveLockFile(gone);
    expect(runningPostmaster(files)).toBeNull();
    server = await startEmbeddedPostgres({ dir });
    expect(server.reused).toBe(false);
    expect(await count(server)).toBe(1);
    await server.stop();
    server = undefined;
  }, 60_000);

  it('a lock file naming a live process that is not this folder’s postgres (a reused pid) is stale too', async () => {
    leaveLockFile(process.pid);
    expect(runningPostmaster(files)).toBeNull();
    server = await startEmbeddedPostgres({ dir });
    expect(server.reused).toBe(false);
    expect(server.pid).not.toBe(process.pid);
    expect(await count(server)).toBe(1);
  }, 60_000);

  it('a running server on this folder is found and used, not started twice', async () => {
    const again = await startEmbeddedPostgres({ dir });
    expect(again.reused).toBe(true);
    expect(again.pid).toBe(server!.pid);
    expect(runningPostmaster(files)).toBe(server!.pid);
    await server!.stop();
    server = undefined;
    expect(runningPostmaster(files)).toBeNull();
  }, 60_000);

  it('a port given in settings is the one its connection string names, read once the server is ready', async () => {
    const free = await new Promise<number>((ok) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const { port } = probe.address() as AddressInfo;
        probe.close(() => ok(port));
      });
    });
    server = await startEmbeddedPostgres({ dir, settings: { port: String(free), listen_addresses: '127.0.0.1' } });
    expect(server.url()).toContain(`port=${free}`);
    expect(await count(server)).toBe(1);
    await server.stop();
    server = undefined;
  }, 60_000);
});

// Under root the server runs as `postgres`; a checkout it cannot enter (under /root, say) must
// still work: the binaries are copied once to where it can run them.
const isRoot = process.getuid?.() === 0;
describe.skipIf(platform() !== 'linux' || !isRoot)('embedded PostgreSQL binaries under root', () => {
  it('binaries in a folder the `postgres` account cannot enter are run from a copy it can', async () => {
    const account = {
      uid: Number(spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).stdout.trim()),
      gid: Number(spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).stdout.trim()),
    };
    const bin = await embeddedBinaries();
    const closed = mkdtempSync(join(tmpdir(), 'trellis-closed-')); // 0700, root's
    try {
      const native = join(closed, 'native');
      cpSync(dirname(dirname(bin.postgres)), native, { recursive: true, verbatimSymlinks: true });
      const hidden = { initdb: join(native, 'bin', 'initdb'), postgres: join(native, 'bin', 'postgres'), pg_ctl: join(native, 'bin', 'pg_ctl') };
      const denied = spawnSync(hidden.postgres, ['--version'], { uid: account.uid, gid: account.gid });
      expect(denied.status).not.toBe(0);

      const usable = reachableBinaries(hidden, account);
      expect(usable.postgres.startsWith(closed)).toBe(false);
      const ran = spawnSync(usable.postgres, ['--version'], { uid: account.uid, gid: account.gid, encoding: 'utf8' });
      expect(ran.stdout).toMatch(/^postgres \(PostgreSQL\) \d+/);
      // Reachable binaries are used where they are.
      expect(reachableBinaries(bin, account)).toBe(bin);
    } finally {
      rmSync(closed, { recursive: true, force: true });
    }
  }, 60_000);
});
