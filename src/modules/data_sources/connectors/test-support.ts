// Shared by the connector tests only (never imported by production code): the servers they talk
// to and connections built from their URLs.
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { inject } from 'vitest';
import { serverOf } from '../workspace-connector.ts';
import type { ServerConnection } from './types.ts';

// Without TEST_DATABASE_URL, the run's embedded server (test/global-setup.ts), as every suite.
export const PG_URL = process.env.TEST_DATABASE_URL ?? inject('serverUrl');
export const MYSQL_URL = process.env.TEST_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/test';

/** A connection from a URL (`postgres://user:pass@host:port/db`), with test-friendly defaults. */
export function connectionOf(url: string, overrides: Partial<ServerConnection> = {}): ServerConnection {
  // A Unix-socket connection string (the embedded server's) has no host for WHATWG URL.
  if (/^postgres(ql)?:/.test(url)) return { ...serverOf(url), connectTimeoutMs: 3000, ...overrides };
  const u = new URL(url);
  return {
    host: u.hostname.replace(/^\[|\]$/g, ''),
    port: Number(u.port) || (u.protocol.startsWith('mysql') ? 3306 : 5432),
    database: decodeURIComponent(u.pathname.slice(1)),
    user: decodeURIComponent(u.username),
    password: decodeURIComponent(u.password),
    tls: { mode: 'disable' },
    connectTimeoutMs: 3000,
    poolSize: 2,
    ...overrides,
  };
}

/** A short random suffix for names of one test run (schemas, roles, users, tables). */
export const uniqueSuffix = () => `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;

/** A port nothing listens on (bound, then closed). */
export async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Whether a TCP server answers at host:port within `ms`. */
export function answers(host: string, port: number, ms = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(ms, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** Polls `check` until it returns true or `ms` pass; returns its last answer. */
export async function eventually(check: () => Promise<boolean>, ms = 3000, every = 50): Promise<boolean> {
  const until = Date.now() + ms;
  for (;;) {
    if (await check()) return true;
    if (Date.now() > until) return false;
    await new Promise((r) => setTimeout(r, every));
  }
}

/** Runs `fn` and returns what it threw (failing when it did not throw). */
export async function caught(fn: () => Promise<unknown>): Promise<Error & { kind?: string; code?: string }> {
  try {
    await fn();
  } catch (err) {
    return err as Error & { kind?: string; code?: string };
  }
  throw new Error('expected a failure, got none');
}

/** A TCP server that accepts connections and never says a word (a server that hangs). */
export async function silentServer(): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
