// Refusals before any route runs, over a real socket: Node's parser (clientError) and Fastify's
// router (frameworkErrors). Each must be problem+json with a stable code and must not quote
// the request. `inject()` bypasses the parser, so these speak raw HTTP/1.1.
import type { AddressInfo } from 'node:net';
import { Type } from 'typebox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawGet, rawRequest, type RawResponse } from '../../../test/raw-http.ts';
import { loadConfig } from '../config.ts';
import { createLogger } from '../log/logger.ts';
import { createMetrics } from '../metrics/metrics.ts';
import { createClientErrorHandler } from './client-errors.ts';
import { createHttpServer, type HttpServer } from './server.ts';

let app: HttpServer;
let port: number;
const MARKER = 'ZQXJ-input-marker';

beforeAll(async () => {
  const config = loadConfig({ JWT_SECRET: 'x'.repeat(32), LOG_LEVEL: 'silent', BODY_LIMIT: '1024' });
  app = (await createHttpServer({ config, log: createLogger('silent'), metrics: createMetrics() })).app;
  app.get('/things/:id', { schema: { params: Type.Object({ id: Type.String({ maxLength: 100 }) }) } }, async (req) => ({ id: req.params.id }));
  app.post('/things', { schema: { body: Type.Object({ name: Type.String() }) } }, async (req) => ({ name: req.body.name }));
  await app.listen({ port: 0, host: '127.0.0.1' });
  port = (app.server.address() as AddressInfo).port;
});
afterAll(() => app?.close());

/** The answer is an RFC 9457 problem with this status and code, and quotes nothing sent. */
function expectRefusal(res: RawResponse, status: number, code: string) {
  expect(res.status, res.raw.slice(0, 300)).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(res.headers['x-content-type-options']).toBe('nosniff');
  const body = JSON.parse(res.body);
  expect(body).toMatchObject({ type: expect.stringMatching(/^https:\/\//), title: expect.any(String), status, code, detail: expect.any(String), requestId: expect.any(String) });
  expect(res.headers['x-request-id']).toBe(body.requestId);
  expect(res.raw).not.toContain(MARKER);
  return body;
}

describe("Node's parser refusals (clientError)", () => {
  it('answers 431 HEADERS_TOO_LARGE for headers over the limit', async () => {
    expectRefusal(await rawRequest(port, rawGet('/things/1', [`X-Big: ${MARKER}${'a'.repeat(20_000)}`])), 431, 'HEADERS_TOO_LARGE');
  });

  it('answers 431 for a URL over the limit too (the request line counts towards it)', async () => {
    expectRefusal(await rawRequest(port, rawGet(`/things/${MARKER}${'a'.repeat(20_000)}`)), 431, 'HEADERS_TOO_LARGE');
  });

  it('answers 400 for a Content-Length that is not a number, or given twice', async () => {
    const post = (lines: string[]) => ['POST /things HTTP/1.1', 'Host: localhost', 'Content-Type: application/json', ...lines, 'Connection: close', '', '{"name":"x"}'].join('\r\n');
    for (const lines of [[`Content-Length: 12${MARKER}`], ['Content-Length: 12', 'Content-Length: 13'], ['Content-Length: 12', 'Content-Length: 12'], ['Content-Length: -1']]) {
      const body = expectRefusal(await rawRequest(port, post(lines)), 400, 'VALIDATION_FAILED');
      expect(body.errors).toEqual([{ field: 'content-length', message: 'must be one non-negative integer' }]);
    }
  });

  it('answers 400 BAD_REQUEST for a malformed request line, header or control characters', async () => {
    for (const request of [
      `${MARKER} WORLD\r\n\r\n`,
      `GET /things/${MARKER} HTTP/9.9\r\nHost: x\r\n\r\n`,
      rawGet('/things/1', [`User-Agent: ${MARKER}\u0000`]),
      rawGet('/things/1', [`User-Agent: ${MARKER}\u0001\u007f`]),
      rawGet('/things/1', [`X-${MARKER}\u0000: 1`]),
      `GET /things/1 HTTP/1.1\r\nHost: x\r\nUser-Agent: ${MARKER}\rX\r\n\r\n`,
      `GET /things/${MARKER}\u0000 HTTP/1.1\r\nHost: x\r\n\r\n`,
      `GET /things/${MARKER}\u00ff HTTP/1.1\r\nHost: x\r\n\r\n`,
      'POST /things HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
    ]) {
      expectRefusal(await rawRequest(port, request), 400, 'BAD_REQUEST');
    }
  });
});

describe("Fastify's refusals", () => {
  it('answers 414 URI_TOO_LONG for a path parameter over maxParamLength', async () => {
    expectRefusal(await rawRequest(port, rawGet(`/things/${MARKER}${'a'.repeat(200)}`)), 414, 'URI_TOO_LONG');
  });

  it('answers 400 VALIDATION_FAILED for a path that is not percent-encoded UTF-8', async () => {
    for (const path of [`/things/${MARKER}%ED%A0%80`, `/things/${MARKER}%C0%80`, `/things/${MARKER}%ZZ`]) {
      const body = expectRefusal(await rawRequest(port, rawGet(path)), 400, 'VALIDATION_FAILED');
      expect(body.errors).toEqual([{ field: 'path', message: 'must be valid percent-encoded UTF-8' }]);
    }
  });

  it('answers 413 PAYLOAD_TOO_LARGE for a body over BODY_LIMIT', async () => {
    const body = JSON.stringify({ name: MARKER + 'a'.repeat(2_000) });
    const request = ['POST /things HTTP/1.1', 'Host: localhost', 'Content-Type: application/json', `Content-Length: ${body.length}`, 'Connection: close', '', body].join('\r\n');
    expectRefusal(await rawRequest(port, request), 413, 'PAYLOAD_TOO_LARGE');
  });

  it('does not quote the path of an unknown route, nor a body that is not JSON', async () => {
    expectRefusal(await rawRequest(port, rawGet(`/${MARKER}?${MARKER}=1`)), 404, 'NOT_FOUND');
    const bad = `{"name": ${MARKER}`;
    const post = ['POST /things HTTP/1.1', 'Host: localhost', 'Content-Type: application/json', `Content-Length: ${bad.length}`, 'Connection: close', '', bad].join('\r\n');
    expectRefusal(await rawRequest(port, post), 400, 'VALIDATION_FAILED');
  });

  it('still serves a well-formed request on the same server', async () => {
    const res = await rawRequest(port, rawGet('/things/abc'));
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toEqual({ id: 'abc' });
  });
});

describe('the clientError handler on its own', () => {
  const socket = (inFlight: { headersSent: boolean } | null = null) => {
    const s = { writable: true, destroyed: false, written: '', _httpMessage: inFlight, write: (d: string) => (s.written += d), destroy: () => (s.destroyed = true) };
    return s;
  };
  const onClientError = createClientErrorHandler(createLogger('silent'));
  const err = (code: string) => Object.assign(new Error('x'), { code, rawPacket: Buffer.from(MARKER) });

  it('answers a request that arrived too slowly with 408 REQUEST_TIMEOUT, then closes', () => {
    const s = socket();
    onClientError(err('ERR_HTTP_REQUEST_TIMEOUT'), s as never);
    expect(s.written).toMatch(/^HTTP\/1\.1 408 Request Timeout\r\n/);
    expect(JSON.parse(s.written.slice(s.written.indexOf('\r\n\r\n') + 4))).toMatchObject({ status: 408, code: 'REQUEST_TIMEOUT' });
    expect(s.written).not.toContain(MARKER);
    expect(s.destroyed).toBe(true);
  });

  it('does not write into a response already under way, and ignores a reset connection', () => {
    const busy = socket({ headersSent: true });
    onClientError(err('HPE_INVALID_METHOD'), busy as never);
    expect(busy.written).toBe('');
    expect(busy.destroyed).toBe(true);
    const reset = socket();
    onClientError(err('ECONNRESET'), reset as never);
    expect(reset.written).toBe('');
  });
});
