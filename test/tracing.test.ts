// OpenTelemetry through the production bundle (decision 0024). An in-process OTLP/HTTP
// receiver (JSON) collects what a real server exports while a request creates a project in
// an org with a webhook endpoint: one trace must link the request, its SQL, the delivery of
// the outbox event to the webhooks subscriber, the delivery job and the outgoing POST; a
// mail sent by a subscriber joins its request's trace too; nothing secret is recorded.
// A second server, without OTEL_EXPORTER_OTLP_ENDPOINT, must load no OpenTelemetry code.
import { randomBytes } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer } from '../scripts/build.ts';
import { api, cleanupProcesses, diagnostics, freshStorage, login, PASSWORD, ROOT, startServer, stopGracefully, until, WAIT_MS } from './processes.ts';

interface ExportedSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  /** OTLP numbering: 1 internal, 2 server, 3 client, 4 producer, 5 consumer. */
  kind: number;
  scope: string;
  attributes: Record<string, unknown>;
  resource: Record<string, unknown>;
}

type OtlpAttribute = { key: string; value: Record<string, unknown> };
const attributesOf = (list: OtlpAttribute[] = []) => Object.fromEntries(list.map(({ key, value }) => [key, Object.values(value)[0]]));

/** Accepts OTLP/HTTP JSON trace exports, as a collector would on :4318. */
async function startCollector() {
  const spans: ExportedSpan[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8').on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      if (req.url !== '/v1/traces') return res.writeHead(404).end();
      for (const rs of JSON.parse(body).resourceSpans ?? []) {
        const resource = attributesOf(rs.resource?.attributes);
        for (const ss of rs.scopeSpans ?? []) {
          for (const s of ss.spans ?? []) {
            spans.push({ traceId: s.traceId, spanId: s.spanId, parentSpanId: s.parentSpanId ?? '', name: s.name, kind: s.kind, scope: ss.scope?.name, attributes: attributesOf(s.attributes), resource });
          }
        }
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await listen(server);
  return { server, spans, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

async function listen(server: HttpServer) {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
}

const outDir = join(ROOT, `.build-test-tracing-${process.pid}`);
let entry: string;
let collector: Awaited<ReturnType<typeof startCollector>>;
const hooks: { path: string; headers: IncomingHttpHeaders }[] = [];
const receiver = createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    hooks.push({ path: req.url ?? '', headers: req.headers });
    res.writeHead(204).end();
  });
});

beforeAll(async () => {
  const built = await buildServer(outDir);
  expect(built.bundled).toBe(true);
  entry = relative(ROOT, built.entry);
  collector = await startCollector();
  await listen(receiver);
}, WAIT_MS);

afterAll(async () => {
  await cleanupProcesses();
  collector?.server.close();
  receiver.close();
  rmSync(outDir, { recursive: true, force: true });
}, WAIT_MS);

describe('traces (OTEL_EXPORTER_OTLP_ENDPOINT set)', () => {
  it('link the request, its SQL, the event delivery, the delivery job and the webhook POST in one trace', { timeout: 3 * WAIT_MS }, async () => {
    const storage = await freshStorage();
    const server = await startServer(
      storage.dataDir,
      {
        ...storage.env,
        MIGRATE_ON_START: 'true',
        WEBHOOK_ALLOWED_HOSTS: '127.0.0.1',
        OTEL_EXPORTER_OTLP_ENDPOINT: collector.url,
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
        OTEL_BSP_SCHEDULE_DELAY: '100',
      },
      entry,
    );
    expect((await fetch(`${server.base}/health/ready`)).status, diagnostics(server)).toBe(200);

    const email = `traced-${randomBytes(4).toString('hex')}@example.test`;
    expect((await api(server, 'POST', '/auth/register', { email, password: PASSWORD, displayName: 'Traced' })).status).toBe(201);
    const token = await login(server, email);
    const org = await api(server, 'POST', '/orgs', { name: 'Traced', slug: `traced-${randomBytes(3).toString('hex')}` }, token);
    expect(org.status, org.text).toBe(201);
    // Webhook URLs often carry a secret in their path: it must reach no span.
    const hookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook/s3cret-path`;
    const hook = await api(server, 'POST', `/orgs/${org.body.id}/webhooks`, { url: hookUrl, events: ['projects.project_created'] }, token);
    expect(hook.status, hook.text).toBe(201);
    // The request of the trace, with a query string (client text) that must not be recorded either.
    const project = await api(server, 'POST', `/orgs/${org.body.id}/projects?probe=s3cret-query`, { name: 'Vine s3cret-value', key: 'VINE' }, token);
    expect(project.status, project.text).toBe(201);

    const delivered = await until('the webhook delivery', () => hooks.find((h) => h.path === '/hook/s3cret-path'));
    const spans = collector.spans;
    /** The span and its ancestors (as far as they have arrived), nearest first. */
    const lineage = (span: ExportedSpan) => {
      const chain = [span];
      for (let up = spans.find((s) => s.spanId === span.parentSpanId); up; up = spans.find((s) => s.spanId === up!.parentSpanId)) chain.push(up);
      return chain;
    };
    /** The first span `which` finds and its ancestors, once all have arrived (each is exported when it ends). */
    const upToRoot = (what: string, which: (s: ExportedSpan) => boolean) =>
      until(what, () => {
        const span = spans.find(which);
        const found = span && lineage(span);
        return found?.at(-1)?.parentSpanId === '' ? found : undefined;
      });
    const chain = await upToRoot('the trace of the webhook POST', (s) => s.name === 'POST' && s.kind === 3);
    const post = chain[0];

    // POST ← job run ← job sent ← event delivered to the webhooks subscriber ← the request, which started the trace.
    expect(chain.map((s) => s.name)).toEqual([
      'POST',
      'process webhooks.deliver',
      'send webhooks.deliver',
      'deliver projects.project_created to webhooks.fan_out',
      'POST /api/v1/orgs/:orgId/projects',
    ]);
    const request = chain.at(-1)!;
    expect(request.parentSpanId).toBe('');
    expect(request.kind).toBe(2);
    expect(request.attributes).toMatchObject({ 'http.route': '/api/v1/orgs/:orgId/projects', 'http.response.status_code': 201, 'url.path': `/api/v1/orgs/${org.body.id}/projects` });
    expect(chain.every((s) => s.traceId === request.traceId)).toBe(true);
    expect(chain.map((s) => s.kind)).toEqual([3, 5, 4, 5, 2]);
    expect(request.resource['service.name']).toBe('trellis');

    // The receiver got the POST span as its parent, so a receiver that traces continues the trace.
    expect(delivered.headers.traceparent).toBe(`00-${request.traceId}-${post.spanId}-01`);

    // The verification mail, sent by a subscriber of the registration's event, is in the registration's trace.
    const mail = await upToRoot('the trace of the verification mail', (s) => s.name === 'send mail');
    expect(mail.map((s) => s.name)).toEqual(['send mail', 'deliver auth.user_registered to auth.send_verification_on_register', 'POST /api/v1/auth/register']);

    // SQL: under the request itself, and under the delivery and the job.
    const sql = spans.filter((s) => /^pg\.query:/.test(s.name));
    const sqlUnder = (ancestor: ExportedSpan) => sql.filter((s) => lineage(s).includes(ancestor));
    expect(sql.filter((s) => s.parentSpanId === request.spanId).map((s) => s.name)).toEqual(expect.arrayContaining([expect.stringMatching(/:INSERT\b/)]));
    expect(sqlUnder(chain[3]).length).toBeGreaterThan(0);
    expect(sqlUnder(chain[1]).length).toBeGreaterThan(0);
    expect(sql.every((s) => typeof s.attributes['db.query.text'] === 'string')).toBe(true);

    // No parameter value, query string or webhook path anywhere; probes make no traces.
    expect(JSON.stringify(spans)).not.toContain('s3cret');
    expect(spans.filter((s) => s.name.includes('/health/'))).toEqual([]);

    const { code } = await stopGracefully(server);
    expect(code, diagnostics(server)).toBe(0);
  });
});

describe('without OTEL_EXPORTER_OTLP_ENDPOINT', () => {
  it('loads no OpenTelemetry code: only pg-boss and prom-client import the API, as before', { timeout: 2 * WAIT_MS }, async () => {
    const storage = await freshStorage();
    const record = join(storage.dataDir, 'modules.txt');
    const server = await startServer(
      storage.dataDir,
      { ...storage.env, MIGRATE_ON_START: 'true', NODE_OPTIONS: `--import=${join(ROOT, 'test/fixtures/record-modules.mjs')}`, TRELLIS_RECORD_MODULES: record },
      entry,
    );
    // Requests, an event through the dispatcher, and the job queue started (after ready).
    expect((await api(server, 'POST', '/auth/register', { email: `plain-${randomBytes(4).toString('hex')}@example.test`, password: PASSWORD, displayName: 'Plain' })).status).toBe(201);
    const loaded = () => readFileSync(record, 'utf8').trim().split('\n').map((line) => line.split(' ') as [string, string]);
    await until('pg-boss loaded', () => (loaded().some(([, url]) => url.includes('/node_modules/pg-boss/')) ? true : undefined));
    await stopGracefully(server);

    const modules = loaded();
    expect(modules.some(([, url]) => url.endsWith('/node_modules/fastify/fastify.js'))).toBe(true);
    const otel = modules.filter(([, url]) => /\/node_modules\/(@opentelemetry|@fastify\/otel|import-in-the-middle|require-in-the-middle)\//.test(url));
    // pg-boss and prom-client import @opentelemetry/api (for their own optional spans and
    // exemplars) whatever tracing says; nothing else is loaded, and nothing of the app asks for it.
    expect(otel.filter(([, url]) => !url.includes('/node_modules/@opentelemetry/api/'))).toEqual([]);
    expect(otel.filter(([parent]) => !/\/node_modules\/(pg-boss|prom-client|@opentelemetry\/api)\//.test(parent))).toEqual([]);
  });

  it('keeps OpenTelemetry out of the entry file of the bundle: it is imported only when the variable is set', () => {
    const main = readFileSync(join(outDir, 'main.js'), 'utf8');
    expect(main).toContain('OTEL_EXPORTER_OTLP_ENDPOINT');
    expect(main).not.toMatch(/from\s*["'](@opentelemetry|@fastify\/otel)/);
  });
});
