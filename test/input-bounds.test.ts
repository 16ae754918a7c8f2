// The input properties of issue #10, over every operation of /openapi.json: one bad value at a
// time, in an otherwise valid request, must answer 400 VALIDATION_FAILED naming that field
// (never a 500, never a 2xx):
//   - U+0000 in every string of a body, query string or path; an unpaired surrogate in every
//     string of a body (a URL cannot carry one: its percent-encoding is not UTF-8, see the
//     path case below and src/core/http/client-errors.test.ts);
//   - CR and LF in every single-line field (`x-text: line`);
//   - impossible dates, and dates outside the years the field allows, in every time field.
// Fields are discovered from the document, so a new route is covered without being named.
// Validation runs before any handler, so nothing here reaches a service; afterwards the org's
// lists must still answer 200.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createTestApp, makeAdmin, signUp, type TestApp } from './harness.ts';
import { badTimes, type Operation, operationsOf, type Schema, type Slot, sample, spliced, stringSlots, type Where, withValue } from './openapi-inputs.ts';

let t: TestApp;
let token: string;
let orgId: string;
let projectId: string;
let operations: Operation[];

beforeAll(async () => {
  t = await createTestApp({ env: { AUTH_RATE_LIMIT: '100000', RATE_LIMIT: '10000000' } });
  const admin = await signUp(t);
  await makeAdmin(t, admin.userId);
  token = admin.accessToken;
  const org = await t.request({ method: 'POST', url: '/api/v1/orgs', headers: bearer(token), payload: { name: 'Bounds', slug: `bounds-${Date.now()}` } });
  orgId = org.json().id;
  const project = await t.request({ method: 'POST', url: `/api/v1/orgs/${orgId}/projects`, headers: bearer(token), payload: { name: 'Bounds', key: 'BND' } });
  projectId = project.json().id;
  // Something in the lists, so reading them afterwards serializes rows.
  const entry = { projectId, start: '2026-03-02T09:00:00Z', durationSeconds: 3600, description: 'before' };
  expect((await t.request({ method: 'POST', url: `/api/v1/orgs/${orgId}/time-entries`, headers: bearer(token), payload: entry })).statusCode).toBe(201);
  operations = operationsOf((await t.request({ method: 'GET', url: '/openapi.json' })).json());
});
afterAll(async () => {
  await t?.close();
});

/** A valid request for the operation: real ids for the org and project, samples elsewhere. */
function validRequest(op: Operation) {
  const params: Record<string, unknown> = {};
  const query: Record<string, unknown> = {};
  for (const p of op.parameters) {
    const value = p.name === 'orgId' ? orgId : p.name === 'projectId' ? projectId : sample(p.schema, `${p.in}.${p.name}`);
    if (p.in === 'path') params[p.name] = value;
    if (p.in === 'query') query[p.name] = value;
  }
  return { params, query, body: op.body ? sample(op.body, 'body') : undefined };
}

type Request = ReturnType<typeof validRequest>;

// encodeURIComponent cannot write an unpaired surrogate; its UTF-8-style bytes can be sent.
const encode = (value: unknown) => (String(value) === '\uD800' ? '%ED%A0%80' : encodeURIComponent(String(value)));

function send(op: Operation, r: Request) {
  const path = op.path.replace(/\{(\w+)\}/g, (_, name) => encode(r.params[name]));
  const qs = Object.entries(r.query)
    .map(([k, v]) => `${k}=${encode(v)}`)
    .join('&');
  return t.request({ method: op.method as 'GET', url: qs ? `${path}?${qs}` : path, headers: bearer(token), payload: r.body as object | undefined });
}

interface Mutation {
  where: Where;
  slot: Slot;
  value: string;
}

/** Every string slot of the operation, by part: path parameters, query parameters, body. */
function slotsOf(op: Operation, r: Request): { where: Where; slot: Slot; current: unknown }[] {
  const out: { where: Where; slot: Slot; current: unknown }[] = [];
  for (const p of op.parameters) {
    if (p.in !== 'path' && p.in !== 'query') continue;
    const where = p.in === 'path' ? 'params' : 'query';
    for (const slot of stringSlots(p.schema, [p.name])) out.push({ where, slot, current: (where === 'params' ? r.params : r.query)[p.name] });
  }
  if (op.body) {
    for (const slot of stringSlots(op.body)) out.push({ where: 'body', slot, current: slot.path.reduce<any>((v, k) => v?.[k], r.body) });
  }
  return out;
}

/** Sends each mutation; returns a line per one not refused as it must be. */
async function refusals(mutationsOf: (op: Operation, r: Request) => Mutation[]): Promise<{ sent: number; wrong: string[] }> {
  const wrong: string[] = [];
  let sent = 0;
  for (const op of operations) {
    const base = validRequest(op);
    const mutations = mutationsOf(op, base);
    sent += mutations.length;
    await Promise.all(
      mutations.map(async ({ where, slot, value }) => {
        const r: Request = { params: base.params, query: base.query, body: base.body };
        if (where === 'body') r.body = withValue(base.body, slot.path, value);
        else r[where === 'params' ? 'params' : 'query'] = withValue(where === 'params' ? base.params : base.query, slot.path, value) as Record<string, unknown>;
        const res = await send(op, r);
        const field = `${where}.${slot.path.join('.')}`;
        const body = res.headers['content-type']?.toString().startsWith('application/problem+json') ? res.json() : null;
        // A path the router cannot decode (a surrogate's bytes) is refused before the route, as `path`.
        const named = body?.errors?.some((e: { field: string }) => e.field === field || e.field.startsWith(`${field}.`) || (where === 'params' && e.field === 'path'));
        if (res.statusCode !== 400 || body?.code !== 'VALIDATION_FAILED' || !named) {
          wrong.push(`${op.method} ${op.path} ${field}=${JSON.stringify(value)} -> ${res.statusCode} ${res.body.slice(0, 160)}`);
        }
      }),
    );
  }
  return { sent, wrong };
}

describe('every string of every operation', () => {
  it('finds the inputs it must test (guards against a suite that tests nothing)', () => {
    const names = operations.flatMap((op) => slotsOf(op, validRequest(op)).map(({ where, slot }) => `${op.method} ${op.path} ${where}.${slot.path.join('.')}`));
    expect(names.length).toBeGreaterThan(150);
    for (const expected of ['POST /api/v1/auth/register body.displayName', 'GET /api/v1/orgs/{orgId}/projects query.q', 'GET /api/v1/orgs/{orgId}/audit query.target', 'PATCH /api/v1/users/me body.displayName']) {
      expect(names).toContain(expected);
    }
  });

  it('refuses U+0000 everywhere and an unpaired surrogate in bodies and paths, with 400 VALIDATION_FAILED', async () => {
    const { sent, wrong } = await refusals((op, r) =>
      slotsOf(op, r).flatMap(({ where, slot, current }) => {
        const value = String(current);
        const bad = [spliced(value, '\u0000')];
        if (where === 'body') bad.push(spliced(value, '\uD800'), spliced(value, '\uDFFF'));
        if (where === 'params') bad.push('\uD800');
        return bad.map((v) => ({ where, slot, value: v }));
      }),
    );
    expect(wrong).toEqual([]);
    expect(sent).toBeGreaterThan(300);
  });

  it('refuses CR and LF in every single-line field', async () => {
    const { sent, wrong } = await refusals((op, r) =>
      slotsOf(op, r)
        .filter(({ slot }) => (slot.schema as Schema)['x-text'] === 'line')
        .flatMap(({ where, slot, current }) => ['\n', '\r', '\u2028'].map((c) => ({ where, slot, value: spliced(String(current), c) }))),
    );
    expect(wrong).toEqual([]);
    expect(sent).toBeGreaterThan(90);
  });

  it('refuses impossible dates and dates outside the years a field allows', async () => {
    const { sent, wrong } = await refusals((op, r) =>
      slotsOf(op, r).flatMap(({ where, slot }) => badTimes(slot.schema).map((value) => ({ where, slot, value }))),
    );
    expect(wrong).toEqual([]);
    expect(sent).toBeGreaterThan(60);
  });
});

describe('afterwards', () => {
  it("the org's lists and reports still answer 200", async () => {
    const reads = operations.filter(
      (op) =>
        op.method === 'GET' &&
        op.path.startsWith('/api/v1/orgs/{orgId}/') &&
        (op.ok?.properties?.data || op.path.includes('/reports/')) &&
        op.parameters.every((p) => (p.in === 'path' ? ['orgId', 'projectId'].includes(p.name) : !p.required || p.schema.default !== undefined)),
    );
    expect(reads.length).toBeGreaterThanOrEqual(8);
    const failed: string[] = [];
    for (const op of reads) {
      const res = await send(op, { params: { orgId, projectId }, query: {}, body: undefined });
      if (res.statusCode !== 200) failed.push(`${op.path} -> ${res.statusCode} ${res.body.slice(0, 160)}`);
    }
    expect(failed).toEqual([]);
  });
});
