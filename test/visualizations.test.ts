// Charts over HTTP, as a client reads them from /openapi.json: a member charts a saved question
// of the workspace source; viewers read and draw it (with their own rights); the vocabulary
// refuses what it does not know; a hostile title stays text; a source that is down passes its
// problem through; another org's charts are not there.
import net from 'node:net';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createTestApp, expectProblem, type TestApp } from './harness.ts';
import { createProject, putMember } from './projects-fixture.ts';
import { logTime, orgUrl } from './time-fixture.ts';
import type { Actor } from '../src/core/context/actor.ts';
import { orgWithRoles, type U } from './workspace.ts';

let t: TestApp;
let w: { orgId: string; owner: U; admin: U; member: U; viewer: U; outsider: U; outsiderOrgId: string };
let sourceId: string;
let perClient: string;
let total: string;

const send = (token: string, method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: unknown) =>
  t.request({ method, url, headers: bearer(token), ...(payload === undefined ? {} : { payload: payload as never }) });
const charts = (org: string, rest = '') => orgUrl(org, `/charts${rest}`);

async function question(name: string, query: string, source = sourceId): Promise<string> {
  const res = await send(w.member.accessToken, 'POST', orgUrl(w.orgId, '/questions'), { dataSourceId: source, name, sql: query });
  expect(res.statusCode, res.body).toBe(201);
  return res.json().id;
}

beforeAll(async () => {
  t = await createTestApp({ env: { DATA_SOURCE_ALLOWED_HOSTS: '127.0.0.1' } });
  w = await orgWithRoles(t);
  const start = new Date(Date.UTC(2026, 0, 5, 9)).getTime();
  for (const [i, client] of ['Acme', 'Globex', 'Initech'].entries()) {
    const project = await createProject(t, w.owner.accessToken, w.orgId, { client });
    await putMember(t, w.owner.accessToken, w.orgId, project.id, w.member.userId, 'contributor');
    await logTime(t, w.member.accessToken, w.orgId, { projectId: project.id, start: new Date(start + i * 86_400_000).toISOString(), durationSeconds: (i + 1) * 3600 });
  }
  const created = await send(w.admin.accessToken, 'POST', orgUrl(w.orgId, '/data-sources'), { name: 'Our workspace', kind: 'workspace' });
  expect(created.statusCode, created.body).toBe(201);
  sourceId = created.json().id;
  perClient = await question('Hours per client', 'SELECT p.client, round(sum(e.hours), 2) AS hours FROM time_entries e JOIN projects p ON p.id = e.project_id GROUP BY p.client ORDER BY p.client');
  total = await question('Total hours', 'SELECT round(sum(hours), 2) AS total FROM time_entries');
}, 60_000);
afterAll(async () => t?.close());

describe('charts', () => {
  it('are created by members, read and drawn by viewers, changed by their author or an admin, with events', async () => {
    const created = await send(w.member.accessToken, 'POST', charts(w.orgId), { questionId: perClient, type: 'bar', encoding: { x: 'client', y: 'hours' }, options: { title: 'Hours per client', sort: 'descending' } });
    expect(created.statusCode, created.body).toBe(201);
    const chart = created.json();
    expect(chart).toMatchObject({ questionId: perClient, type: 'bar', encoding: { x: 'client', y: 'hours' }, options: { title: 'Hours per client', sort: 'descending' }, createdBy: w.member.userId });

    expect((await send(w.viewer.accessToken, 'GET', charts(w.orgId, `/${chart.id}`))).json()).toEqual(chart);
    expect((await send(w.viewer.accessToken, 'GET', charts(w.orgId))).json().data.map((c: { id: string }) => c.id)).toContain(chart.id);
    expectProblem(await send(w.viewer.accessToken, 'POST', charts(w.orgId), { questionId: perClient, type: 'table', encoding: {} }), 403, 'FORBIDDEN');

    const other = await send(w.member.accessToken, 'POST', charts(w.orgId), { questionId: perClient, type: 'pie', encoding: { x: 'client', y: 'hours' } });
    expect(other.statusCode).toBe(201);
    const viewerTurn = await send(w.viewer.accessToken, 'PATCH', charts(w.orgId, `/${other.json().id}`), { options: { donut: true } });
    expectProblem(viewerTurn, 403, 'FORBIDDEN');
    const updated = await send(w.admin.accessToken, 'PATCH', charts(w.orgId, `/${other.json().id}`), { options: { donut: true } });
    expect(updated.statusCode, updated.body).toBe(200);
    expect(updated.json().options).toEqual({ donut: true });
    expect((await send(w.admin.accessToken, 'DELETE', charts(w.orgId, `/${other.json().id}`))).statusCode).toBe(204);
    expectProblem(await send(w.viewer.accessToken, 'GET', charts(w.orgId, `/${other.json().id}`)), 404, 'VISUALIZATIONS.CHART_NOT_FOUND');

    const events = await sql<{ type: string }>`SELECT type FROM core.outbox WHERE payload->>'chartId' = ${other.json().id} ORDER BY id`.execute(t.database.db);
    expect(events.rows.map((e) => e.type)).toEqual(['visualizations.chart_created', 'visualizations.chart_updated', 'visualizations.chart_deleted']);
  });

  it("refuses a change by another member: only its author or an admin", async () => {
    const mine = (await send(w.admin.accessToken, 'POST', charts(w.orgId), { questionId: total, type: 'single_number', encoding: { y: 'total' } })).json();
    expectProblem(await send(w.member.accessToken, 'PATCH', charts(w.orgId, `/${mine.id}`), { options: { title: 'Mine now' } }), 403, 'VISUALIZATIONS.NOT_YOUR_CHART');
    expectProblem(await send(w.member.accessToken, 'DELETE', charts(w.orgId, `/${mine.id}`)), 403, 'VISUALIZATIONS.NOT_YOUR_CHART');
  });

  it('draws a chart as SVG, PNG and a Vega-Lite spec with its data, for a viewer', async () => {
    const chart = (await send(w.member.accessToken, 'POST', charts(w.orgId), { questionId: perClient, type: 'bar', encoding: { x: 'client', y: 'hours' }, options: { title: 'Hours per client', sort: 'descending' } })).json();
    const svg = await send(w.viewer.accessToken, 'GET', charts(w.orgId, `/${chart.id}/render?format=svg&width=640&height=320&theme=dark`));
    expect(svg.statusCode, svg.body).toBe(200);
    expect(svg.headers['content-type']).toMatch(/^image\/svg\+xml/);
    expect(svg.body).toMatch(/<svg[^>]*width="640"[^>]*height="320"/);
    for (const text of ['Hours per client', 'Acme', 'Globex', 'Initech']) expect(svg.body).toContain(text);

    const png = await send(w.viewer.accessToken, 'GET', charts(w.orgId, `/${chart.id}/render?format=png&width=300&height=200`));
    expect(png.statusCode).toBe(200);
    expect(png.headers['content-type']).toBe('image/png');
    expect(png.rawPayload.subarray(1, 4).toString()).toBe('PNG');
    expect(png.rawPayload.readUInt32BE(16)).toBe(300);

    const json = await send(w.viewer.accessToken, 'GET', charts(w.orgId, `/${chart.id}/render?format=json`));
    expect(json.statusCode, json.body).toBe(200);
    const body = json.json();
    expect(body.result.rows).toEqual([
      ['Acme', 1],
      ['Globex', 2],
      ['Initech', 3],
    ]);
    expect(body.spec).toMatchObject({ title: 'Hours per client', mark: { type: 'bar' }, encoding: { x: { field: 'c0', sort: '-y' }, y: { field: 'c1' } }, data: { values: [{ c0: 'Acme', c1: 1 }, { c0: 'Globex', c1: 2 }, { c0: 'Initech', c1: 3 }] } });

    expectProblem(await send(w.viewer.accessToken, 'GET', charts(w.orgId, `/${chart.id}/render?width=5000`)), 400, 'VALIDATION_FAILED');
    expectProblem(await send(w.viewer.accessToken, 'GET', charts(w.orgId, `/${chart.id}/render?format=pdf`)), 400, 'VALIDATION_FAILED');
  });

  it('keeps to the vocabulary: unknown options, free formats, bad colours and overlong titles are 400; missing channels say which', async () => {
    const base = { questionId: perClient, type: 'bar', encoding: { x: 'client', y: 'hours' } };
    for (const options of [{ signal: 'alert(1)' }, { yFormat: '$,.2f' }, { colors: ['red'] }, { title: 'x'.repeat(201) }, { currency: 'euro' }]) {
      expectProblem(await send(w.member.accessToken, 'POST', charts(w.orgId), { ...base, options }), 400, 'VALIDATION_FAILED');
    }
    expectProblem(await send(w.member.accessToken, 'POST', charts(w.orgId), { ...base, encoding: { x: 'client', y: 'hours', expr: 'x' } }), 400, 'VALIDATION_FAILED');
    const missing = await send(w.member.accessToken, 'POST', charts(w.orgId), { ...base, type: 'progress', encoding: { y: 'hours' } });
    expectProblem(missing, 400, 'VISUALIZATIONS.ENCODING_REQUIRED');
    expect(missing.json().missing).toEqual(['options.goal']);
    expectProblem(await send(w.member.accessToken, 'POST', charts(w.orgId), { ...base, questionId: '0190a0a0-0000-7000-8000-000000000000' }), 404, 'VISUALIZATIONS.QUESTION_NOT_FOUND');
  });

  it('draws a hostile title as inert text', async () => {
    const hostile = '<script>alert(1)</script>"}]<svg onload=alert(2)>';
    const chart = (await send(w.member.accessToken, 'POST', charts(w.orgId), { questionId: perClient, type: 'bar', encoding: { x: 'client', y: 'hours' }, options: { title: hostile, yTitle: hostile } })).json();
    const svg = (await send(w.viewer.accessToken, 'GET', charts(w.orgId, `/${chart.id}/render`))).body;
    expect(svg).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    const markup = svg.replace(/>[^<]*</g, '><').replace(/="[^"]*"/g, '=""');
    expect(markup).not.toMatch(/<script|\son\w+=/i);
    expect(markup.match(/<svg/g)).toHaveLength(1);
  });

  it('answers 422 naming a column the result does not have', async () => {
    const chart = (await send(w.member.accessToken, 'POST', charts(w.orgId), { questionId: perClient, type: 'line', encoding: { x: 'client', y: 'minutes' } })).json();
    const res = await send(w.viewer.accessToken, 'GET', charts(w.orgId, `/${chart.id}/render`));
    expectProblem(res, 422, 'VISUALIZATIONS.UNKNOWN_COLUMN');
    expect(res.json()).toMatchObject({ column: 'minutes', columns: ['client', 'hours'] });
  });

  it('answers the analytics 404 when the question behind a chart is gone', async () => {
    const q = await question('Soon gone', 'SELECT 1 AS one');
    const chart = (await send(w.member.accessToken, 'POST', charts(w.orgId), { questionId: q, type: 'single_number', encoding: { y: 'one' } })).json();
    expect((await send(w.member.accessToken, 'DELETE', orgUrl(w.orgId, `/questions/${q}`))).statusCode).toBe(204);
    expectProblem(await send(w.viewer.accessToken, 'GET', charts(w.orgId, `/${chart.id}/render`)), 404, 'ANALYTICS.QUESTION_NOT_FOUND');
  });

  it('suggests charts from the result: bar by category, single number for one value', async () => {
    const byClient = await send(w.viewer.accessToken, 'POST', charts(w.orgId, '/suggest'), { questionId: perClient });
    expect(byClient.statusCode, byClient.body).toBe(200);
    expect(byClient.json().suggestions[0]).toMatchObject({ type: 'bar', encoding: { x: 'client', y: 'hours' }, options: { sort: 'descending' } });
    expect(byClient.json().suggestions.map((s: { type: string }) => s.type)).toEqual(['bar', 'pie', 'table']);
    const one = await send(w.viewer.accessToken, 'POST', charts(w.orgId, '/suggest'), { questionId: total });
    expect(one.json().suggestions[0]).toMatchObject({ type: 'single_number', encoding: { y: 'total' } });
  });

  it('passes the problem of a source that is down through, naming the source', async () => {
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as net.AddressInfo;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const down = await send(w.admin.accessToken, 'POST', orgUrl(w.orgId, '/data-sources'), {
      name: 'Closed warehouse',
      kind: 'postgres',
      connection: { host: '127.0.0.1', port, database: 'x', user: 'x', password: 'x', tls: { mode: 'disable' }, connectTimeoutSeconds: 2 },
    });
    expect(down.statusCode, down.body).toBe(201);
    const q = await question('On a closed port', 'SELECT 1 AS one', down.json().id);
    const chart = (await send(w.member.accessToken, 'POST', charts(w.orgId), { questionId: q, type: 'single_number', encoding: { y: 'one' } })).json();
    const res = await send(w.viewer.accessToken, 'GET', charts(w.orgId, `/${chart.id}/render?format=png`));
    expectProblem(res, 503, 'DATA_SOURCES.UNREACHABLE');
    expect(res.json().detail).toContain('Closed warehouse');
    expectProblem(await send(w.viewer.accessToken, 'POST', charts(w.orgId, '/suggest'), { questionId: q }), 503, 'DATA_SOURCES.UNREACHABLE');
  });

  it('lets an API key with visualizations:read draw, and not write', async () => {
    const key = await send(w.viewer.accessToken, 'POST', '/api/v1/auth/api-keys', { name: 'wallboard', scopes: ['visualizations:read'] });
    expect(key.statusCode, key.body).toBe(201);
    const headers = { 'x-api-key': key.json().key };
    const chart = (await send(w.member.accessToken, 'POST', charts(w.orgId), { questionId: total, type: 'single_number', encoding: { y: 'total' } })).json();
    const drawn = await t.request({ method: 'GET', url: charts(w.orgId, `/${chart.id}/render?format=json`), headers });
    expect(drawn.statusCode, drawn.body).toBe(200);
    expect(drawn.json().result.rows).toEqual([[6]]);
    expectProblem(await t.request({ method: 'DELETE', url: charts(w.orgId, `/${chart.id}`), headers }), 403, 'FORBIDDEN');
  });

  it('serves dashboards through the façade: run as the given actor, with parameters by name', async () => {
    const api = t.app.apis.visualizations;
    const res = await send(w.member.accessToken, 'POST', orgUrl(w.orgId, '/questions'), {
      dataSourceId: sourceId,
      name: 'Clients with at least some hours',
      sql: 'SELECT p.client, round(sum(e.hours), 2) AS hours FROM time_entries e JOIN projects p ON p.id = e.project_id GROUP BY p.client HAVING sum(e.hours) >= :least ORDER BY p.client',
      parameters: [{ name: 'least', type: 'number', default: 0 }],
    });
    expect(res.statusCode, res.body).toBe(201);
    const chart = (await send(w.member.accessToken, 'POST', charts(w.orgId), { questionId: res.json().id, type: 'bar', encoding: { x: 'client', y: 'hours' } })).json();
    const as = (u: U): Actor => ({ principal: { userId: u.userId, email: u.email, role: 'user', emailVerified: true, sessionId: null, apiKeyId: null, scopes: null }, requestId: null, ip: null, userAgent: null });

    expect(await api.getChart(w.orgId, chart.id)).toEqual(chart);
    expect(await api.getChart(w.outsiderOrgId, chart.id)).toBeNull();
    const all = await api.chartData(as(w.viewer), w.orgId, chart.id, {});
    expect(all.result.rows.map((r) => r[0])).toEqual(['Acme', 'Globex', 'Initech']);
    const some = await api.chartData(as(w.viewer), w.orgId, chart.id, { parameters: [{ name: 'least', value: 2 }] });
    expect(some.chart).toEqual(chart);
    expect(some.result.rows).toEqual([
      ['Globex', 2],
      ['Initech', 3],
    ]);
    expect(some.spec).toMatchObject({ mark: { type: 'bar' }, data: { values: [{ c0: 'Globex', c1: 2 }, { c0: 'Initech', c1: 3 }] } });
    const png = await api.renderChart(as(w.viewer), w.orgId, chart.id, { format: 'png', width: 400, height: 300, theme: 'light', parameters: [{ name: 'least', value: 3 }] });
    expect(png.contentType).toBe('image/png');
    expect(png.body.readUInt32BE(16)).toBe(400);
    const svg = (await api.renderChart(as(w.viewer), w.orgId, chart.id, { format: 'svg', width: 400, height: 300, theme: 'light', parameters: [{ name: 'least', value: 3 }] })).body.toString();
    expect(svg).toContain('Initech');
    expect(svg).not.toContain('Globex');
    // The outsider's rights, not the chart author's: not a member, so nothing.
    await expect(api.chartData(as(w.outsider), w.orgId, chart.id, {})).rejects.toMatchObject({ code: 'ORG.NOT_FOUND' });
  });

  it('takes the question\'s parameters on the render URL, as a JSON object by name', async () => {
    const question = (await send(w.member.accessToken, 'GET', orgUrl(w.orgId, '/questions?limit=100'))).json().data.find((q: { name: string }) => q.name === 'Clients with at least some hours');
    const chart = (await send(w.member.accessToken, 'POST', charts(w.orgId), { questionId: question.id, type: 'bar', encoding: { x: 'client', y: 'hours' } })).json();
    const at = (parameters: string, format = 'json') => send(w.viewer.accessToken, 'GET', charts(w.orgId, `/${chart.id}/render?format=${format}&parameters=${encodeURIComponent(parameters)}`));
    const json = await at('{"least":2}');
    expect(json.statusCode, json.body).toBe(200);
    expect(json.json().result.rows.map((r: unknown[]) => r[0])).toEqual(['Globex', 'Initech']);
    const svg = await at('{"least":3}', 'svg');
    expect(svg.body).toContain('Initech');
    expect(svg.body).not.toContain('Globex');
    for (const bad of ['not json', '[1]', '{"least":{"nested":1}}']) {
      const res = expectProblem(await at(bad), 400, 'VALIDATION_FAILED');
      expect(res.errors).toEqual([expect.objectContaining({ field: 'querystring.parameters' })]);
    }
    expectProblem(await at('{"least":"many"}'), 400, 'DATA_SOURCES.PARAMETER_INVALID');
  });

  it("answers 404 for another organization's charts", async () => {
    const mine = (await send(w.member.accessToken, 'POST', charts(w.orgId), { questionId: total, type: 'single_number', encoding: { y: 'total' } })).json();
    expectProblem(await send(w.outsider.accessToken, 'GET', charts(w.orgId, `/${mine.id}`)), 404, 'ORG.NOT_FOUND');
    expectProblem(await send(w.outsider.accessToken, 'GET', charts(w.outsiderOrgId, `/${mine.id}`)), 404, 'VISUALIZATIONS.CHART_NOT_FOUND');
    expectProblem(await send(w.outsider.accessToken, 'GET', charts(w.outsiderOrgId, `/${mine.id}/render`)), 404, 'VISUALIZATIONS.CHART_NOT_FOUND');
    expectProblem(await send(w.outsider.accessToken, 'POST', charts(w.outsiderOrgId), { questionId: total, type: 'single_number', encoding: { y: 'total' } }), 404, 'VISUALIZATIONS.QUESTION_NOT_FOUND');
  });
});
