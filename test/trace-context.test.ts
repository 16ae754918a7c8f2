// The trace context crosses the outbox and the job queue (decision 0024), in process: an
// event published in a span stores it, the dispatcher delivers the event in a span under it,
// and a job enqueued there stores pg-boss's send span in its own row. With tracing off both
// columns stay NULL. test/tracing.test.ts follows the same chain through a real server.
import { SpanKind } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { tracing } from '../src/core/telemetry/tracing.ts';
import { DELIVER_JOB } from '../src/modules/webhooks/deliver-job.ts';
import { createTestApp, type TestApp } from './harness.ts';
import { createProject } from './projects-fixture.ts';
import { startTestTracing, type TestTracing, traceParentOf } from './tracing-provider.ts';
import { createHook } from './webhooks-fixture.ts';
import { createOrg, newUser } from './workspace.ts';

const apps: TestApp[] = [];
let tracer: TestTracing | undefined;
afterAll(async () => {
  for (const app of apps) await app.close();
  await tracer?.stop();
});

/** An org with a webhook endpoint for created projects; returns what creates a project in it. */
async function orgWithHook(t: TestApp) {
  const owner = await newUser(t);
  const org = await createOrg(t, owner.accessToken);
  // Jobs are not run here: the endpoint only has to exist for the fan-out to enqueue a delivery.
  await createHook(t, owner.accessToken, org.id, { url: 'http://127.0.0.1:9/hook', events: ['projects.project_created'] });
  await t.drain();
  return () => createProject(t, owner.accessToken, org.id) as Promise<{ id: string }>;
}

/** The trace context stored with the project's creation event. */
async function eventContext(t: TestApp, projectId: string) {
  const { rows } = await sql<{ trace_parent: string | null; trace_state: string | null }>`
    SELECT trace_parent, trace_state FROM core.outbox WHERE type = 'projects.project_created' AND payload->>'projectId' = ${projectId}`.execute(t.database.db);
  expect(rows).toHaveLength(1);
  return rows[0];
}

/** The trace context pg-boss stored with the webhook delivery job of that event. */
async function jobContext(t: TestApp, projectId: string) {
  const { rows } = await sql<{ trace_context: Record<string, string> | null }>`
    SELECT j.trace_context FROM pgboss.job j
    JOIN webhooks.deliveries d ON d.id::text = j.data->>'deliveryId'
    JOIN core.outbox o ON o.id = d.event_id
    WHERE j.name = ${DELIVER_JOB} AND o.payload->>'projectId' = ${projectId}`.execute(t.database.db);
  expect(rows).toHaveLength(1);
  return rows[0].trace_context;
}

describe('with tracing off', () => {
  it('stores no trace context with events or jobs', async () => {
    expect(tracing()).toBeUndefined();
    const t = await createTestApp({ env: { WEBHOOK_ALLOWED_HOSTS: '127.0.0.1' } });
    apps.push(t);
    const newProject = await orgWithHook(t);
    const project = await newProject();
    expect(await eventContext(t, project.id)).toEqual({ trace_parent: null, trace_state: null });
    await t.drain();
    expect(await jobContext(t, project.id)).toBeNull();
  });
});

describe('with tracing on', () => {
  it('links the request, the event delivery to each subscriber and the job it enqueues in one trace', async () => {
    // Before the app: pg-boss takes its telemetry options when it opens.
    tracer = startTestTracing();
    const t = await createTestApp({ env: { WEBHOOK_ALLOWED_HOSTS: '127.0.0.1' } });
    apps.push(t);
    const newProject = await orgWithHook(t);
    tracer.exporter.reset();

    // The span a server's request instrumentation would have opened around the request.
    const project = await tracing()!.inSpan('request', { kind: 'server' }, () => newProject());
    const [request] = tracer.spans('request');
    expect(await eventContext(t, project.id)).toEqual({ trace_parent: traceParentOf(request), trace_state: null });

    await t.drain();
    const childOf = (parent: ReadableSpan) => (s: ReadableSpan) =>
      s.spanContext().traceId === parent.spanContext().traceId && s.parentSpanContext?.spanId === parent.spanContext().spanId;
    const deliveries = tracer.spans(/^deliver projects\.project_created to /);
    expect(deliveries.map((s) => s.name).sort()).toEqual(['deliver projects.project_created to audit.record', 'deliver projects.project_created to webhooks.fan_out']);
    expect(deliveries.every(childOf(request))).toBe(true);
    const fanOut = deliveries.find((s) => s.name.endsWith('webhooks.fan_out'))!;
    expect(fanOut.kind).toBe(SpanKind.CONSUMER);
    expect(fanOut.attributes).toMatchObject({ 'messaging.destination.name': 'projects.project_created', 'messaging.consumer.group.name': 'webhooks.fan_out' });

    // pg-boss sent the delivery job in a span under the fan-out's, and stored that span with the job.
    const send = tracer.spans(`send ${DELIVER_JOB}`).find(childOf(fanOut));
    expect(send).toBeDefined();
    expect((await jobContext(t, project.id))?.traceparent).toBe(traceParentOf(send!));
  });
});
