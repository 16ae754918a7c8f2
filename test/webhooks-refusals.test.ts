// What an org admin learns when a webhook URL is refused or a delivery fails: a general reason,
// never the address a name resolved to nor the resolver's error, so the SSRF guard cannot be
// used to map the server's internal DNS or network. The detail goes to the server log only.
import { Writable } from 'node:stream';
import { sql } from 'kysely';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createTestApp, expectProblem, type TestApp } from './harness.ts';
import { createHook, deliverAll, hooksUrl, type Receiver, startReceiver } from './webhooks-fixture.ts';
import { createOrg, newUser, type U } from './workspace.ts';

/** Addresses behind the names below, and what resolvers and sockets say about them. */
const LEAKS = /127\.0\.0\.|::1|169\.254|ENOTFOUND|EAI_AGAIN|ESERVFAIL|ECONNREFUSED|getaddrinfo|could not be resolved|has no address|resolves to/i;

/** Internal targets: a reserved name that resolves locally, loopback and metadata addresses, a name that does not resolve. */
const INTERNAL = ['http://localhost:8080/hook', 'http://127.0.0.1/hook', 'http://[::1]/hook', 'http://169.254.169.254/latest/meta-data/', 'http://nope.invalid/hook', 'http://2130706433/hook'];

let t: TestApp;
let strict: TestApp;
let rx: Receiver;
let owner: U;
let orgId: string;
/** Log lines of both apps, parsed. */
const logged: Record<string, any>[] = [];

function capturingLogger() {
  const sink = new Writable({
    write(chunk, _enc, done) {
      for (const line of String(chunk).split('\n').filter(Boolean)) logged.push(JSON.parse(line));
      done();
    },
  });
  return pino({ level: 'info' }, sink);
}

beforeAll(async () => {
  rx = await startReceiver();
  // The receiver listens on 127.0.0.1, which only the first app may reach.
  t = await createTestApp({ env: { WEBHOOK_ALLOWED_HOSTS: '127.0.0.1' }, overrides: { log: capturingLogger() } });
  strict = await createTestApp({ database: t.database, overrides: { log: capturingLogger() } });
  owner = await newUser(t);
  orgId = (await createOrg(t, owner.accessToken)).id;
});
afterAll(async () => {
  await strict?.app.close();
  await t?.close();
  await rx?.close();
});

const send = (app: TestApp, method: string, url: string, payload?: unknown) => app.request({ method: method as 'GET', url, headers: bearer(owner.accessToken), payload: payload as object });
const withoutRequestId = ({ requestId: _, ...rest }: Record<string, unknown>) => rest;

describe('creating or changing an endpoint with an internal URL', () => {
  it('answers the same general refusal for every internal target, naming no address or resolver error', async () => {
    const hook = await createHook(t, owner.accessToken, orgId, { url: rx.url('/kept'), events: ['*'] });
    const answers: Record<string, unknown>[] = [];
    for (const url of INTERNAL) {
      for (const res of [await send(strict, 'POST', hooksUrl(orgId), { url, events: ['*'] }), await send(strict, 'PATCH', hooksUrl(orgId, `/${hook.id}`), { url })]) {
        const body = expectProblem(res, 400, 'WEBHOOKS.URL_NOT_ALLOWED');
        expect(res.body, url).not.toMatch(LEAKS);
        answers.push(withoutRequestId(body));
      }
    }
    // "Does not resolve" and "resolves to a private address" must not be told apart.
    expect(new Set(answers.map((a) => JSON.stringify(a))).size).toBe(1);
    expect(answers[0]).toMatchObject({ reason: 'not_public', errors: [{ field: 'body.url', message: expect.any(String) }] });
  });

  it('writes the detail to the server log', async () => {
    await send(strict, 'POST', hooksUrl(orgId), { url: 'http://nope.invalid/logged', events: ['*'] });
    const line = logged.find((l) => l.msg === 'webhook URL refused' && String(l.detail).includes('nope.invalid'));
    expect(line).toMatchObject({ orgId, reason: 'not_public', check: 'unresolvable' });
    expect(line!.detail).toMatch(/ENOTFOUND|EAI_AGAIN|EAI_NONAME|ESERVFAIL/);
  });

  it('still says which general rule was broken', async () => {
    for (const [url, reason] of [
      ['ftp://example.com/hook', 'scheme'],
      ['https://user:pw@example.com/hook', 'credentials'],
      ['not a url', 'invalid'],
    ]) {
      const body = expectProblem(await send(strict, 'POST', hooksUrl(orgId), { url, events: ['*'] }), 400, 'WEBHOOKS.URL_NOT_ALLOWED');
      expect(body.reason, url).toBe(reason);
    }
  });
});

describe('the delivery log of an endpoint whose URL became internal', () => {
  it('records one general error for test sends to every internal target, naming no address or resolver error', async () => {
    const hook = await createHook(t, owner.accessToken, orgId, { url: rx.url('/moved'), events: ['time.*'] });
    const errors: string[] = [];
    // This app may reach 127.0.0.1 (in any spelling); 127.0.0.2 is loopback it may not reach.
    const targets = ['http://localhost:8080/hook', 'http://127.0.0.2/hook', 'http://[::1]/hook', 'http://169.254.169.254/latest/meta-data/', 'http://nope.invalid/hook'];
    for (const url of targets) {
      // As if DNS or the operator's allow list changed after the endpoint was created.
      await sql`UPDATE webhooks.endpoints SET url = ${url} WHERE id = ${hook.id}`.execute(t.database.db);
      const sent = await send(t, 'POST', hooksUrl(orgId, `/${hook.id}/test`));
      expect(sent.statusCode, sent.body).toBe(202);
      expect(sent.body, url).not.toMatch(LEAKS);
      await deliverAll(t);
      const res = await send(t, 'GET', hooksUrl(orgId, `/${hook.id}/deliveries/${sent.json().id}`));
      expect(res.statusCode, res.body).toBe(200);
      expect(res.body, url).not.toMatch(LEAKS);
      const delivery = res.json();
      expect(delivery).toMatchObject({ status: 'failed', lastStatus: null });
      expect(delivery.log[0].error, url).toBe(delivery.lastError);
      errors.push(delivery.lastError);
    }
    expect(new Set(errors).size, errors.join('\n')).toBe(1);
    expect(errors[0]).toMatch(/^URL refused: /);
    const list = await send(t, 'GET', hooksUrl(orgId, `/${hook.id}/deliveries`));
    expect(list.body).not.toMatch(LEAKS);
    // The detail is in the log, for the operator.
    expect(logged.some((l) => l.msg === 'webhook delivery refused' && l.endpointId === hook.id && String(l.detail).includes('169.254.169.254'))).toBe(true);
  });

  it('records a failed connection in general terms, without the address and port it tried', async () => {
    const closed = await startReceiver();
    const url = closed.url('/closed');
    await closed.close();
    const hook = await createHook(t, owner.accessToken, orgId, { url, events: ['time.*'] });
    const sent = await send(t, 'POST', hooksUrl(orgId, `/${hook.id}/test`));
    await deliverAll(t);
    const res = await send(t, 'GET', hooksUrl(orgId, `/${hook.id}/deliveries/${sent.json().id}`));
    const delivery = res.json();
    expect(delivery).toMatchObject({ status: 'failed', lastError: 'connection refused' });
    expect(delivery.log[0].error).toBe('connection refused');
    expect(res.body).not.toMatch(LEAKS);
  });
});
