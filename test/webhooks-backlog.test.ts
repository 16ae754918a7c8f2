// Webhook delivery keeps up (issue #20, decision 0029): with the queue's workers running as in a
// server, a backlog drains without waiting a poll interval per delivery, and an endpoint that
// answers slowly holds only its share of the workers: the deliveries to a healthy endpoint,
// queued after the slow ones, all arrive while the slow endpoint is still being worked through.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createTestApp, type TestApp } from './harness.ts';
import { createHook, hooksUrl } from './webhooks-fixture.ts';
import { createOrg, newUser, type U } from './workspace.ts';

const SLOW_MS = 2000;

let t: TestApp;
let owner: U;
let orgId: string;
const arrived = { fast: 0, slow: 0 };
const receiver = createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    const slow = req.url === '/slow';
    setTimeout(
      () => {
        arrived[slow ? 'slow' : 'fast']++;
        res.writeHead(204).end();
      },
      slow ? SLOW_MS : 0,
    );
  });
});

beforeAll(async () => {
  await new Promise<void>((ok) => receiver.listen(0, '127.0.0.1', ok));
  t = await createTestApp({ env: { WEBHOOK_ALLOWED_HOSTS: '127.0.0.1' }, overrides: { startJobs: true } });
  owner = await newUser(t);
  orgId = (await createOrg(t, owner.accessToken)).id;
});
afterAll(async () => {
  await t?.close();
  receiver.closeAllConnections();
  await new Promise((r) => receiver.close(r));
});

async function until(what: string, done: () => boolean, ms: number) {
  const deadline = Date.now() + ms;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`${what} within ${ms} ms (fast ${arrived.fast}, slow ${arrived.slow})`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('webhook deliveries under a backlog', () => {
  it('drain in parallel, and a slow endpoint does not hold up the others', async () => {
    const base = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
    const slow = await createHook(t, owner.accessToken, orgId, { url: `${base}/slow`, events: ['*'] });
    const fast = await createHook(t, owner.accessToken, orgId, { url: `${base}/fast`, events: ['*'] });
    const send = (id: string) => t.request({ method: 'POST', url: hooksUrl(orgId, `/${id}/test`), headers: bearer(owner.accessToken) });
    // The slow endpoint's deliveries first: each takes 2 s, 20 of them take 20 s on one worker.
    for (let i = 0; i < 20; i++) expect((await send(slow.id)).statusCode).toBe(202);
    for (let i = 0; i < 200; i++) expect((await send(fast.id)).statusCode).toBe(202);
    // One delivery per poll (2 s) would take minutes; 200 come within seconds.
    await until('the 200 deliveries to the healthy endpoint', () => arrived.fast === 200, 30_000);
    // …while the slow endpoint, two at a time, is still far from done.
    expect(arrived.slow).toBeLessThan(20);
  });
});
