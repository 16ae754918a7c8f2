// A PostgreSQL server of the fault suite's own: the embedded one (src/core/db/embedded-postgres.ts)
// in a temporary folder, listening on its Unix socket and on 127.0.0.1 at a free port, with the
// production settings for durability (fsync and synchronous commit on: the suite counts lost
// writes). The suite stops it (fast shutdown), kills its postmaster, freezes it and starts it
// again on the same data; nothing else uses it. Under root the server runs as `postgres`.
import { readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { type EmbeddedPostgres, embeddedFiles, startEmbeddedPostgres } from '../../src/core/db/embedded-postgres.ts';
import { embeddedDataDir } from '../processes.ts';

export interface OwnPostgres {
  /** The `trellis` database over TCP (what a deployment's DATABASE_URL looks like). */
  tcpUrl: string;
  /** The same over the Unix socket (what the embedded server gives Trellis). */
  socketUrl: string;
  port: number;
  pid(): number;
  /** Fast shutdown (SIGINT): sessions are ended, a checkpoint written. Resolves once the postmaster is gone. */
  fastStop(): Promise<void>;
  /** SIGKILL of the postmaster alone: its backends notice and exit; a restart runs crash recovery. */
  killPostmaster(): Promise<void>;
  /** Starts it on the same data; retries while the killed server's backends still hold its shared memory. Resolves when it accepts connections. */
  start(): Promise<void>;
  /** SIGSTOP of the postmaster: connections are accepted by the kernel and never answered. */
  freeze(): void;
  thaw(): void;
  /** Stops it and removes its folder. */
  remove(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return false;
  }
};

async function gone(pid: number, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (alive(pid)) {
    if (Date.now() > deadline) throw new Error(`postmaster ${pid} still running after ${ms} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export async function startOwnPostgres(prefix = 'trellis-faults-pg-'): Promise<OwnPostgres> {
  const root = embeddedDataDir(prefix);
  const dir = join(root, 'postgres');
  const port = await freePort();
  // TCP on loopback as well as the socket; room for the server's pools, the suite's clients and
  // the lock holder. The rest are the embedded server's own settings.
  const settings = { listen_addresses: '127.0.0.1', port: String(port), max_connections: '100' };
  let server: EmbeddedPostgres = await startEmbeddedPostgres({ dir, settings });
  const password = readFileSync(embeddedFiles(dir).passwordFile, 'utf8').trim();
  const tcpUrl = `postgresql://trellis:${encodeURIComponent(password)}@127.0.0.1:${port}/trellis`;

  async function start() {
    const deadline = Date.now() + 60_000;
    for (;;) {
      try {
        server = await startEmbeddedPostgres({ dir, settings });
        return;
      } catch (err) {
        // After a SIGKILL the old backends may hold the shared memory for a moment.
        if (Date.now() > deadline) throw err;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  }

  return {
    tcpUrl,
    socketUrl: server.url(),
    port,
    pid: () => server.pid,
    async fastStop() {
      await server.stop();
    },
    async killPostmaster() {
      process.kill(server.pid, 'SIGKILL');
      await gone(server.pid, 10_000);
    },
    start,
    freeze: () => process.kill(server.pid, 'SIGSTOP'),
    thaw: () => process.kill(server.pid, 'SIGCONT'),
    async remove() {
      if (alive(server.pid)) {
        process.kill(server.pid, 'SIGCONT');
        await server.stop().catch(() => {});
      }
      rmSync(root, { recursive: true, force: true });
    },
  };
}
