import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllowList } from './allow-list.ts';
import { guardedPost, OutboundRequestError, pinnedLookup } from './guarded-post.ts';
import { UrlNotAllowedError } from './ssrf-guard.ts';

interface Seen {
  path: string;
  host: string | undefined;
  headers: IncomingMessage['headers'];
  body: string;
}

let server: Server;
let base: string;
let port: number;
const seen: Seen[] = [];
const allow = parseAllowList(['127.0.0.1']);

function route(req: IncomingMessage, res: ServerResponse, body: string) {
  seen.push({ path: req.url ?? '', host: req.headers.host, headers: req.headers, body });
  if (req.url === '/ok') return res.writeHead(201, { 'content-type': 'text/plain' }).end('created');
  if (req.url === '/redirect') return res.writeHead(302, { location: `${base}/target` }).end();
  if (req.url === '/big') {
    res.writeHead(200);
    // Far more than the cap; the client stops reading long before the end.
    const chunk = 'x'.repeat(16 * 1024);
    let n = 0;
    const write = () => {
      while (n < 1024 && res.write(chunk)) n++;
      if (n < 1024) res.once('drain', write);
      else res.end();
    };
    res.on('close', () => (n = 1024));
    return write();
  }
  if (req.url === '/exact') return res.writeHead(200).end('y'.repeat(100));
  if (req.url === '/slow') return; // never answers
  res.writeHead(404).end();
}

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => route(req, res, Buffer.concat(chunks).toString()));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
  base = `http://127.0.0.1:${port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

describe('guardedPost', () => {
  it('posts the body and headers and returns status, body and latency', async () => {
    const res = await guardedPost(`${base}/ok`, { allow, body: '{"a":1}', headers: { 'content-type': 'application/json', 'x-test': 'yes' } });
    expect(res).toMatchObject({ status: 201, body: 'created', truncated: false, remoteAddress: '127.0.0.1' });
    expect(res.latencyMs).toBeGreaterThanOrEqual(0);
    const last = seen.at(-1)!;
    expect(last).toMatchObject({ path: '/ok', body: '{"a":1}' });
    expect(last.headers).toMatchObject({ 'content-type': 'application/json', 'x-test': 'yes', 'content-length': '7' });
  });

  it('refuses a loopback URL before connecting when the allow list does not permit it', async () => {
    const before = seen.length;
    await expect(guardedPost(`${base}/ok`, { body: '' })).rejects.toBeInstanceOf(UrlNotAllowedError);
    await expect(guardedPost(`http://localhost:${port}/ok`, { body: '' })).rejects.toMatchObject({ reason: 'not_public', check: 'blocked_host' });
    expect(seen.length).toBe(before);
  });

  it('does not follow redirects', async () => {
    const before = seen.length;
    const res = await guardedPost(`${base}/redirect`, { allow, body: 'x' });
    expect(res.status).toBe(302);
    expect(res.headers.location).toBe(`${base}/target`);
    expect(seen.slice(before).map((s) => s.path)).toEqual(['/redirect']);
  });

  it('keeps at most maxResponseBytes of the body and says it truncated', async () => {
    const res = await guardedPost(`${base}/big`, { allow, body: '', maxResponseBytes: 1000 });
    expect(res.status).toBe(200);
    expect(res.body).toHaveLength(1000);
    expect(res.truncated).toBe(true);
    const exact = await guardedPost(`${base}/exact`, { allow, body: '', maxResponseBytes: 100 });
    expect(exact).toMatchObject({ body: 'y'.repeat(100), truncated: false });
  });

  it('gives up after the timeout', async () => {
    const err = await guardedPost(`${base}/slow`, { allow, body: '', timeoutMs: 150 }).catch((e) => e);
    expect(err).toBeInstanceOf(OutboundRequestError);
    expect(err.kind).toBe('timeout');
    expect(err.latencyMs).toBeGreaterThanOrEqual(100);
  });

  it('reports a refused connection as a network error', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const freePort = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    await expect(guardedPost(`http://127.0.0.1:${freePort}/`, { allow, body: '' })).rejects.toMatchObject({ kind: 'network' });
  });

  it('connects to the address it checked, whatever the system resolver would say (no DNS rebinding)', async () => {
    // The name does not exist in real DNS: the only way to reach the server is the checked answer.
    let calls = 0;
    const resolve = async () => {
      calls++;
      return [{ address: '127.0.0.1', family: 4 as const }];
    };
    const res = await guardedPost(`http://hooks.rebind.test:${port}/ok`, { allow, body: 'pinned', resolve });
    expect(res.status).toBe(201);
    expect(calls).toBe(1);
    expect(seen.at(-1)).toMatchObject({ host: `hooks.rebind.test:${port}`, body: 'pinned' });
  });

  it('pinnedLookup answers only with checked addresses of the family asked for', () => {
    const lookup = pinnedLookup([
      { address: '93.184.215.14', family: 4 },
      { address: '2606:2800::1', family: 6 },
    ]);
    const answers: unknown[] = [];
    lookup('x.test', { all: true }, (err, all) => answers.push([err, all]));
    lookup('x.test', { family: 6 }, (err, address, family) => answers.push([err, address, family]));
    lookup('x.test', { family: 'IPv4' } as any, (err, address, family) => answers.push([err, address, family]));
    expect(answers).toEqual([
      [
        null,
        [
          { address: '93.184.215.14', family: 4 },
          { address: '2606:2800::1', family: 6 },
        ],
      ],
      [null, '2606:2800::1', 6],
      [null, '93.184.215.14', 4],
    ]);
    const none: unknown[] = [];
    pinnedLookup([{ address: '93.184.215.14', family: 4 }])('x.test', { family: 6 }, (err) => none.push((err as any)?.code));
    expect(none).toEqual(['ENOTFOUND']);
  });
});

describe('what a failed request tells the caller', () => {
  it('says what went wrong in general terms, without the address or port it tried', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const freePort = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    const err = await guardedPost(`http://127.0.0.1:${freePort}/`, { allow, body: '' }).catch((e) => e);
    expect(err).toBeInstanceOf(OutboundRequestError);
    expect(err.message).toBe('connection refused');
    expect(err.message).not.toContain(String(freePort));
    // The original error stays on the error for the server log.
    expect(String(err.cause?.message)).toContain('ECONNREFUSED');
  });
});
