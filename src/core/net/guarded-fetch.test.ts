import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllowList } from './allow-list.ts';
import { createGuardedFetch } from './guarded-fetch.ts';
import { UrlNotAllowedError } from './ssrf-guard.ts';

let server: Server;
let port: number;
const seen: { method: string; url: string; host: string; body: string; closedEarly?: boolean }[] = [];
let handler: (req: IncomingMessage, res: ServerResponse) => void = (_req, res) => res.end('ok');

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const entry = { method: req.method!, url: req.url!, host: req.headers.host!, body: Buffer.concat(chunks).toString() };
      seen.push(entry);
      res.once('close', () => {
        if (!res.writableFinished) Object.assign(entry, { closedEarly: true });
      });
      handler(req, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const allowLoopback = { allow: parseAllowList(['127.0.0.1']) };

describe('the guarded fetch', () => {
  it('refuses an address the guard refuses, before any connection', async () => {
    const before = seen.length;
    await expect(createGuardedFetch()(`http://127.0.0.1:${port}/v1`)).rejects.toBeInstanceOf(UrlNotAllowedError);
    await expect(createGuardedFetch(allowLoopback)('http://10.1.2.3/v1')).rejects.toMatchObject({ reason: 'not_public' });
    expect(seen.length).toBe(before);
  });

  it('connects to the address it checked, whatever a second DNS answer would say, and sends the body', async () => {
    let lookups = 0;
    const resolve = async () => {
      lookups++;
      return [{ address: '127.0.0.1', family: 4 as const }];
    };
    handler = (_req, res) => res.writeHead(201, { 'x-answer': 'yes' }).end('{"ok":true}');
    const fetch = createGuardedFetch({ ...allowLoopback, resolve });
    const res = await fetch(`http://llm.test:${port}/v1/chat?x=1`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"q":1}' });
    expect(res.status).toBe(201);
    expect(res.headers.get('x-answer')).toBe('yes');
    expect(await res.json()).toEqual({ ok: true });
    expect(seen.at(-1)).toMatchObject({ method: 'POST', url: '/v1/chat?x=1', host: `llm.test:${port}`, body: '{"q":1}' });
    expect(lookups).toBe(1);
  });

  it('streams the body as it comes, returns redirects as they are, and aborts on the signal', async () => {
    handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: one\n\n');
      setTimeout(() => res.write('data: two\n\n'), 50);
    };
    const fetch = createGuardedFetch(allowLoopback);
    const ac = new AbortController();
    const res = await fetch(`http://127.0.0.1:${port}/stream`, { signal: ac.signal });
    const reader = res.body!.getReader();
    expect(new TextDecoder().decode((await reader.read()).value)).toBe('data: one\n\n');
    expect(new TextDecoder().decode((await reader.read()).value)).toBe('data: two\n\n');
    ac.abort(new Error('stopped'));
    await expect(reader.read()).rejects.toBeDefined();
    await expect.poll(() => seen.at(-1)?.closedEarly).toBe(true);

    handler = (_req, res) => res.writeHead(302, { location: 'http://169.254.169.254/' }).end();
    const redirect = await fetch(`http://127.0.0.1:${port}/moved`);
    expect(redirect.status).toBe(302);
    expect(redirect.headers.get('location')).toBe('http://169.254.169.254/');
  });
});
