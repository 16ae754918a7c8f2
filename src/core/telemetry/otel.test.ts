import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startTestTracing, type TestTracing, traceParentOf } from '../../../test/tracing-provider.ts';
import { runOutsideRequest } from '../context/request-context.ts';
import { parseAllowList } from '../net/allow-list.ts';
import { guardedPost } from '../net/guarded-post.ts';
import { captureTrace, outsideTrace, type TraceContext, tracing } from './tracing.ts';

let receiver: Server;
let base: string;
const received: IncomingHttpHeaders[] = [];

beforeAll(async () => {
  receiver = createServer((req, res) => {
    received.push(req.headers);
    req.resume();
    req.on('end', () => res.writeHead(req.url?.startsWith('/fail') ? 500 : 204).end());
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
});
afterAll(() => new Promise((r) => receiver.close(r)));

const allow = parseAllowList(['127.0.0.1']);

describe('with tracing off', () => {
  it('captures nothing, adds no header and runs what it is given as it is', async () => {
    expect(tracing()).toBeUndefined();
    expect(captureTrace()).toBeNull();
    expect(outsideTrace(() => 42)).toBe(42);
    received.length = 0;
    await guardedPost(`${base}/plain`, { allow, body: '{}' });
    expect(received[0]).not.toHaveProperty('traceparent');
  });
});

describe('with tracing on', () => {
  let t: TestTracing;
  beforeAll(() => {
    t = startTestTracing();
  });
  afterEach(() => t.exporter.reset());
  afterAll(() => t.stop());

  const inSpan = <T>(name: string, fn: () => Promise<T>, options = {}) => tracing()!.inSpan(name, options, fn);

  it('captures the active span as W3C trace context, and nothing outside a span', async () => {
    expect(captureTrace()).toBeNull();
    const captured = await inSpan('publisher', async () => captureTrace());
    const [publisher] = t.spans('publisher');
    expect(captured).toEqual({ traceParent: traceParentOf(publisher), traceState: null });
  });

  it('runs a span under a stored context, even inside another trace, keeping its trace state', async () => {
    const stored: TraceContext = { traceParent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01', traceState: 'vendor=value' };
    const inner = await inSpan('unrelated', () => tracing()!.inSpan('delivery', { kind: 'consumer', parent: stored }, async () => captureTrace()));
    const [delivery] = t.spans('delivery');
    expect(delivery.spanContext().traceId).toBe('0af7651916cd43dd8448eb211c80319c');
    expect(delivery.parentSpanContext?.spanId).toBe('b7ad6b7169203331');
    expect(delivery.kind).toBe(SpanKind.CONSUMER);
    expect(inner).toEqual({ traceParent: traceParentOf(delivery), traceState: 'vendor=value' });
  });

  it('starts a new trace for parent null, whatever is active', async () => {
    await inSpan('request', () => tracing()!.inSpan('own', { parent: null }, async () => {}));
    const [own] = t.spans('own');
    const [request] = t.spans('request');
    expect(own.parentSpanContext).toBeUndefined();
    expect(own.spanContext().traceId).not.toBe(request.spanContext().traceId);
  });

  it('makes no span outside a trace when asked to (pollers)', async () => {
    let ran = 0;
    const query = () => tracing()!.inSpan('query', { onlyInTrace: true }, async () => void ran++);
    await query();
    expect(t.spans('query')).toHaveLength(0);
    await inSpan('request', query);
    expect(t.spans('query')).toHaveLength(1);
    expect(ran).toBe(2);
  });

  it('records a rejection on the span and rethrows it', async () => {
    const boom = new Error('boom');
    await expect(inSpan('failing', async () => Promise.reject(boom))).rejects.toBe(boom);
    const [failing] = t.spans('failing');
    expect(failing.status).toMatchObject({ code: SpanStatusCode.ERROR, message: 'boom' });
    expect(failing.events.map((e) => e.name)).toContain('exception');
  });

  it('leaves the trace for work a request only wakes', async () => {
    const seen = await inSpan('request', async () => [outsideTrace(() => captureTrace()), runOutsideRequest(() => captureTrace())]);
    expect(seen).toEqual([null, null]);
  });

  it('traces an outgoing POST as a client span that the receiver can continue, without its path', async () => {
    received.length = 0;
    const res = await inSpan('job', () => guardedPost(`${base}/hook/s3cret-path?token=s3cret`, { allow, body: '{}', headers: { 'x-kept': 'yes' } }));
    expect(res.status).toBe(204);
    const [post] = t.spans('POST');
    expect(post.kind).toBe(SpanKind.CLIENT);
    expect(post.parentSpanContext?.spanId).toBe(t.spans('job')[0].spanContext().spanId);
    expect(received[0].traceparent).toBe(traceParentOf(post));
    expect(received[0]['x-kept']).toBe('yes');
    expect(post.attributes).toMatchObject({ 'http.request.method': 'POST', 'server.address': '127.0.0.1', 'http.response.status_code': 204 });
    expect(JSON.stringify(post.attributes)).not.toContain('s3cret');
  });

  it('marks a POST answered with a 5xx as failed', async () => {
    const res = await guardedPost(`${base}/fail`, { allow, body: '{}' });
    expect(res.status).toBe(500);
    expect(t.spans('POST')[0].status).toMatchObject({ code: SpanStatusCode.ERROR, message: 'HTTP 500' });
  });
});
