// The Twilio provider against a local fake of Twilio's Messages API.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../../core/log/logger.ts';
import { createLogSmsProvider } from './log-provider.ts';
import { SmsError } from './provider.ts';
import { createTwilioSmsProvider } from './twilio-provider.ts';

interface Seen {
  method: string;
  url: string;
  authorization: string | undefined;
  contentType: string | undefined;
  form: URLSearchParams;
}

let server: Server;
let baseUrl: string;
const seen: Seen[] = [];
let answer: (req: IncomingMessage, res: ServerResponse) => void;

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => {
      body += c;
    });
    req.on('end', () => {
      seen.push({ method: req.method!, url: req.url!, authorization: req.headers.authorization, contentType: req.headers['content-type'], form: new URLSearchParams(body) });
      answer(req, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(resolve));
});

const json = (res: ServerResponse, status: number, body: unknown) => {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
};

const provider = (extra: { timeoutMs?: number; baseUrl?: string } = {}) =>
  createTwilioSmsProvider({ accountSid: 'AC123', authToken: 'secret-token', from: '+15005550006', baseUrl, ...extra });

async function failure(p: Promise<unknown>): Promise<SmsError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(SmsError);
    return err as SmsError;
  }
  throw new Error('expected the send to fail');
}

describe('Twilio SMS provider', () => {
  it('posts To, From and Body form-encoded with basic auth to the account Messages resource', async () => {
    answer = (_req, res) => json(res, 201, { sid: 'SM0001', status: 'queued' });
    seen.length = 0;
    const result = await provider().send({ to: '+41791234567', body: 'New sign-in to your account & more' });
    expect(result).toEqual({ id: 'SM0001' });
    expect(seen).toHaveLength(1);
    const [req] = seen;
    expect(req.method).toBe('POST');
    expect(req.url).toBe('/2010-04-01/Accounts/AC123/Messages.json');
    expect(req.authorization).toBe(`Basic ${Buffer.from('AC123:secret-token').toString('base64')}`);
    expect(req.contentType).toBe('application/x-www-form-urlencoded');
    expect(Object.fromEntries(req.form)).toEqual({ To: '+41791234567', From: '+15005550006', Body: 'New sign-in to your account & more' });
  });

  it('maps a 400 (invalid number) to a permanent error carrying Twilio’s code', async () => {
    answer = (_req, res) => json(res, 400, { code: 21211, message: "The 'To' number +1 is not a valid phone number.", status: 400 });
    const err = await failure(provider().send({ to: '+1000', body: 'x' }));
    expect(err.permanent).toBe(true);
    expect(err.status).toBe(400);
    expect(err.providerCode).toBe('21211');
    expect(err.message).toContain('not a valid phone number');
  });

  it('maps 401 to permanent, 429 and 5xx to retryable', async () => {
    answer = (_req, res) => json(res, 401, { code: 20003, message: 'Authenticate', status: 401 });
    expect((await failure(provider().send({ to: '+41791234567', body: 'x' }))).permanent).toBe(true);
    answer = (_req, res) => json(res, 429, { code: 20429, message: 'Too Many Requests', status: 429 });
    expect((await failure(provider().send({ to: '+41791234567', body: 'x' }))).permanent).toBe(false);
    answer = (_req, res) => {
      res.writeHead(503);
      res.end('upstream down');
    };
    const err = await failure(provider().send({ to: '+41791234567', body: 'x' }));
    expect(err.permanent).toBe(false);
    expect(err.message).toContain('HTTP 503');
  });

  it('gives up after its timeout, retryable', async () => {
    answer = () => {}; // never answers
    const started = Date.now();
    const err = await failure(provider({ timeoutMs: 200 }).send({ to: '+41791234567', body: 'x' }));
    expect(err.permanent).toBe(false);
    expect(err.message).toContain('did not answer within 200 ms');
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('an unreachable server is a retryable error', async () => {
    const err = await failure(provider({ baseUrl: 'http://127.0.0.1:1' }).send({ to: '+41791234567', body: 'x' }));
    expect(err.permanent).toBe(false);
    expect(err.message).toContain('Twilio unreachable');
  });
});

describe('log SMS provider', () => {
  it('writes the message to the log and keeps it for inspection', async () => {
    const lines: string[] = [];
    const log = createLogger('info', { write: (line: string) => lines.push(line) } as never);
    const sms = createLogSmsProvider(log);
    const { id } = await sms.send({ to: '+41791234567', body: 'hello' });
    expect(sms.sent).toEqual([{ to: '+41791234567', body: 'hello', id }]);
    await new Promise((r) => setTimeout(r, 10));
    expect(lines.join('')).toContain('hello');
  });
});
