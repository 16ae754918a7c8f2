import type { AddressInfo } from 'node:net';
import pg from 'pg';
import { afterAll, beforeAll, it } from 'vitest';
import { bearer, createTestApp, type TestApp } from './harness.ts';
import { type LlmServer, llmEnv, startLlmServer } from './llm-server.ts';
import { openSse } from './sse.ts';
import { orgWithRoles } from './workspace.ts';

let llm: LlmServer; let a: TestApp; let base: string; let w: Awaited<ReturnType<typeof orgWithRoles>>;
beforeAll(async () => {
  llm = await startLlmServer();
  a = await createTestApp({ env: llmEnv(llm, {}) });
  await a.app.http.listen({ port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${(a.app.http.server.address() as AddressInfo).port}/api/v1`;
  w = await orgWithRoles(a);
});
afterAll(async () => { a.app.http.server.closeAllConnections(); await a.close(); await llm.close(); });

it('counts', async () => {
  const seen: string[] = [];
  const orig = pg.Client.prototype.query;
  for (let i = 0; i < 3; i++) {
    const conv = (await a.request({ method: 'POST', url: `/api/v1/orgs/${w.orgId}/conversations`, headers: bearer(w.member.accessToken), payload: {} })).json().id;
    llm.script({ text: 'hi there', chunkDelayMs: 1 });
    if (i === 2) (pg.Client.prototype as any).query = function (this: any, q: any, ...rest: any[]) { seen.push(typeof q === 'string' ? q : q?.text ?? String(q)); return (orig as any).call(this, q, ...rest); };
    const t0 = performance.now(); const c0 = process.cpuUsage();
    const client = await openSse(`${base}/orgs/${w.orgId}/conversations/${conv}/messages`, { method: 'POST', headers: bearer(w.member.accessToken), body: { content: 'hello?' } });
    await client.ended;
    const c = process.cpuUsage(c0);
    console.log('answer', i, (performance.now() - t0).toFixed(1), 'ms wall', ((c.user + c.system) / 1000).toFixed(1), 'ms cpu');
  }
  (pg.Client.prototype as any).query = orig;
  const { Session } = await import('node:inspector/promises');
  const session = new Session(); session.connect();
  await session.post('Profiler.enable'); await session.post('Profiler.setSamplingInterval', { interval: 200 }); await session.post('Profiler.start');
  const convs: string[] = [];
  for (let i = 0; i < 100; i++) convs.push((await a.request({ method: 'POST', url: `/api/v1/orgs/${w.orgId}/conversations`, headers: bearer(w.member.accessToken), payload: {} })).json().id);
  const c0 = process.cpuUsage();
  for (const conv of convs) {
    llm.script({ text: 'hi there', chunkDelayMs: 1 });
    const client = await openSse(`${base}/orgs/${w.orgId}/conversations/${conv}/messages`, { method: 'POST', headers: bearer(w.member.accessToken), body: { content: 'hello?' } });
    await client.ended;
  }
  const c = process.cpuUsage(c0);
  console.log('cpu per answer (all in process)', ((c.user + c.system) / 1000 / 100).toFixed(2), 'ms');
  const { profile } = await session.post('Profiler.stop');
  (await import('node:fs')).writeFileSync('/tmp/starts.cpuprofile', JSON.stringify(profile));
  await new Promise((r) => setTimeout(r, 1500));
  console.log(seen.length, 'queries\n' + seen.map((s) => s.replace(/\s+/g, ' ').slice(0, 160)).join('\n'));
});
