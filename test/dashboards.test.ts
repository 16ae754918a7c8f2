// The dashboards module over HTTP: dashboards of saved questions and text on a 12-column grid,
// their collections and grants, filters mapped to question parameters, every widget's data at
// once with a status each, share links that run with their creator's live rights, the events,
// and tenant isolation.
import { createServer, type Socket } from 'node:net';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { questions as questionRows } from '../src/modules/analytics/repository.ts';
import { sources as sourceRows } from '../src/modules/data_sources/repository.ts';
import { charts as chartRows } from '../src/modules/visualizations/repository.ts';
import { presetRange, todayIn } from '../src/modules/dashboards/filters.ts';
import { createTestApp, expectProblem, type TestApp } from './harness.ts';
import { call, movableClock, orgUrl, outbox, setOrgZone } from './time-fixture.ts';
import { addMember, orgWithRoles, type U } from './workspace.ts';

let t: TestApp;
let w: { orgId: string; owner: U; admin: U; member: U; viewer: U; outsider: U; outsiderOrgId: string };
let sourceId: string;
let echoId: string;
let countId: string;
let chartId: string;
const clock = movableClock();

const dash = (rest = '') => orgUrl(w.orgId, `/dashboards${rest}`);
const ok = async (res: Awaited<ReturnType<typeof call>>, status = 200) => {
  expect(res.statusCode, res.body).toBe(status);
  return res.json();
};

// Echoes the parameters it runs with: what a filter set is visible in the result.
const ECHO = 'SELECT CAST(:since AS text) AS since, CAST(:until AS text) AS until, CAST(:team AS text) AS team';

beforeAll(async () => {
  t = await createTestApp({ overrides: { clock }, env: { DATA_SOURCE_ALLOWED_HOSTS: '127.0.0.1', DASHBOARD_WIDGET_TIMEOUT: '2s' } });
  w = await orgWithRoles(t);
  sourceId = (await ok(await call(t, w.admin.accessToken, 'POST', orgUrl(w.orgId, '/data-sources'), { name: 'Workspace', kind: 'workspace' }), 201)).id;
  await ok(await call(t, w.admin.accessToken, 'POST', orgUrl(w.orgId, `/data-sources/${sourceId}/sync`), {}), 202);
  await t.runJobs();
  echoId = (
    await ok(
      await call(t, w.member.accessToken, 'POST', orgUrl(w.orgId, '/questions'), {
        dataSourceId: sourceId,
        name: 'Echo',
        sql: ECHO,
        parameters: [
          { name: 'since', type: 'date', default: '2000-01-01' },
          { name: 'until', type: 'date', default: '2100-12-31' },
          { name: 'team', type: 'text', default: 'all' },
        ],
      }),
      201,
    )
  ).id;
  countId = (
    await ok(
      await call(t, w.member.accessToken, 'POST', orgUrl(w.orgId, '/questions'), {
        dataSourceId: sourceId,
        name: 'Projects with at least',
        sql: 'SELECT count(*) AS n FROM projects WHERE :least >= 0',
        parameters: [{ name: 'least', type: 'number', default: 0 }],
      }),
      201,
    )
  ).id;
  chartId = (await ok(await call(t, w.member.accessToken, 'POST', orgUrl(w.orgId, '/charts'), { questionId: countId, type: 'single_number', encoding: { y: 'n' }, options: { title: 'Projects' } }), 201)).id;
}, 90_000);
afterAll(async () => t?.close());

const board = () => ({
  name: 'Sales',
  filters: [
    { id: 'period', kind: 'date_range', label: 'Period', default: { preset: 'last_quarter' } },
    { id: 'team', kind: 'category', label: 'Team', values: ['red', 'blue'], default: 'red', locked: true },
    { id: 'least', kind: 'text', label: 'At least' },
  ],
  widgets: [
    { id: 'echo', kind: 'question', questionId: echoId, x: 0, y: 0, w: 6, h: 4, filters: [{ filterId: 'period', parameter: 'since', part: 'from' }, { filterId: 'period', parameter: 'until', part: 'to' }, { filterId: 'team', parameter: 'team' }] },
    { id: 'count', kind: 'question', questionId: countId, x: 6, y: 0, w: 6, h: 4, filters: [{ filterId: 'least', parameter: 'least' }] },
    { id: 'notes', kind: 'text', markdown: '## Notes\n\n[x](javascript:alert(1)) <script>alert(1)</script> <img src=x onerror=alert(1)>', x: 0, y: 4, w: 12, h: 2 },
    { id: 'chart', kind: 'chart', chartId, x: 0, y: 6, w: 4, h: 3, filters: [{ filterId: 'least', parameter: 'least' }] },
  ],
});

describe('dashboards', () => {
  it('creates, reads, lists, changes, duplicates and deletes a dashboard, publishing its events', async () => {
    const created = await ok(await call(t, w.member.accessToken, 'POST', dash(), board()), 201);
    expect(created).toMatchObject({ name: 'Sales', collectionId: null, access: 'edit', createdBy: w.member.userId });
    const notes = created.widgets.find((x: { id: string }) => x.id === 'notes');
    expect(notes.html).toContain('<h2>Notes</h2>');
    expect(notes.html).not.toMatch(/javascript|script|onerror|<img/);
    // Everyone in the org views it; only its creator and admins edit it.
    expect((await ok(await call(t, w.viewer.accessToken, 'GET', dash(`/${created.id}`)))).access).toBe('view');
    expect((await ok(await call(t, w.admin.accessToken, 'GET', dash(`/${created.id}`)))).access).toBe('edit');
    expectProblem(await call(t, w.viewer.accessToken, 'PATCH', dash(`/${created.id}`), { name: 'Mine' }), 403, 'FORBIDDEN');
    expectProblem(await call(t, w.viewer.accessToken, 'POST', dash(), { name: 'Viewer board' }), 403, 'FORBIDDEN');
    const renamed = await ok(await call(t, w.admin.accessToken, 'PATCH', dash(`/${created.id}`), { name: 'Sales 2026' }));
    expect(renamed.name).toBe('Sales 2026');
    const listed = await ok(await call(t, w.viewer.accessToken, 'GET', dash()));
    expect(listed.data.map((d: { id: string }) => d.id)).toContain(created.id);
    expectProblem(await call(t, w.viewer.accessToken, 'POST', dash(`/${created.id}/duplicate`), {}), 403, 'FORBIDDEN');
    const dup = await ok(await call(t, w.member.accessToken, 'POST', dash(`/${created.id}/duplicate`), {}), 201);
    expect(dup).toMatchObject({ name: 'Copy of Sales 2026', widgets: created.widgets, filters: created.filters });
    expect(dup.id).not.toBe(created.id);
    expect((await call(t, w.member.accessToken, 'DELETE', dash(`/${dup.id}`))).statusCode).toBe(204);
    expectProblem(await call(t, w.member.accessToken, 'GET', dash(`/${dup.id}`)), 404, 'DASHBOARDS.NOT_FOUND');
    const types = (await outbox(t, 'dashboards.created', w.orgId)).filter((e) => e.payload.dashboardId === dup.id);
    expect(types).toHaveLength(1);
    expect(types[0].payload.sourceId).toBe(created.id);
    expect((await outbox(t, 'dashboards.updated', w.orgId)).map((e) => e.payload)).toContainEqual({ orgId: w.orgId, dashboardId: created.id, fields: ['name'] });
    expect((await outbox(t, 'dashboards.deleted', w.orgId)).map((e) => e.payload.dashboardId)).toContain(dup.id);
  });

  it('refuses a layout that overlaps or leaves the grid, naming the widget', async () => {
    const base = { kind: 'text', markdown: 'x' };
    const overlap = await call(t, w.member.accessToken, 'POST', dash(), { name: 'Bad', widgets: [{ id: 'a', ...base, x: 0, y: 0, w: 6, h: 4 }, { id: 'b', ...base, x: 4, y: 2, w: 4, h: 4 }] });
    expectProblem(overlap, 400, 'VALIDATION_FAILED');
    expect(overlap.json().errors).toEqual([{ field: 'body.widgets[1]', message: 'widget "b" overlaps widget "a"' }]);
    const wide = await call(t, w.member.accessToken, 'POST', dash(), { name: 'Bad', widgets: [{ id: 'wide', ...base, x: 8, y: 0, w: 6, h: 4 }] });
    expectProblem(wide, 400, 'VALIDATION_FAILED');
    expect(wide.json().errors[0].message).toContain('widget "wide" ends past column 12');
    expectProblem(await call(t, w.member.accessToken, 'POST', dash(), { name: 'Bad', widgets: [{ id: 'tall', ...base, x: 0, y: 0, w: 1, h: 25 }] }), 400, 'VALIDATION_FAILED');
    expectProblem(await call(t, w.member.accessToken, 'POST', dash(), { name: 'Bad', widgets: [{ id: 'long', kind: 'text', markdown: 'x'.repeat(20_001), x: 0, y: 0, w: 1, h: 1 }] }), 400, 'VALIDATION_FAILED');
    const unknown = await call(t, w.member.accessToken, 'POST', dash(), { name: 'Bad', widgets: [{ id: 'q', kind: 'question', questionId: '00000000-0000-7000-8000-000000000001', x: 0, y: 0, w: 1, h: 1 }] });
    expect(unknown.json().errors[0]).toEqual({ field: 'body.widgets[0].questionId', message: 'widget "q" names no saved question of this organization' });
    const badParam = await call(t, w.member.accessToken, 'POST', dash(), { name: 'Bad', filters: [{ id: 'f', kind: 'text', label: 'F' }], widgets: [{ id: 'q', kind: 'question', questionId: echoId, x: 0, y: 0, w: 1, h: 1, filters: [{ filterId: 'f', parameter: 'nope' }] }] });
    expect(badParam.json().errors[0].message).toBe('widget "q" maps parameter "nope", which its question does not declare');
  });

  it('answers every widget at once: filters applied in the org time zone, a failing widget alone', async () => {
    const created = await ok(await call(t, w.member.accessToken, 'POST', dash(), board()), 201);
    const data = await ok(await call(t, w.viewer.accessToken, 'GET', dash(`/${created.id}/data`)));
    const quarter = presetRange('last_quarter', todayIn('UTC', clock.now()));
    const byId = Object.fromEntries(data.widgets.map((x: { widgetId: string }) => [x.widgetId, x]));
    expect(byId.echo).toMatchObject({ status: 'ok', result: { columns: [{ name: 'since' }, { name: 'until' }, { name: 'team' }] } });
    expect(byId.echo.result.rows).toEqual([[quarter.from, quarter.to, 'red']]);
    expect(byId.count).toMatchObject({ status: 'ok', result: { rows: [[0]] } });
    expect(byId.notes.status).toBe('ok');
    expect(byId.notes.html).toContain('<h2>Notes</h2>');
    // A chart widget: its question run as the viewer, compiled to a Vega-Lite spec with the data.
    expect(byId.chart).toMatchObject({ status: 'ok', result: { rows: [[0]] } });
    expect(JSON.stringify(byId.chart.spec)).toContain('Projects');
    expect(data.filters).toContainEqual({ id: 'period', value: quarter });

    const filters = encodeURIComponent(JSON.stringify({ period: { from: '2026-01-01', to: '2026-01-31' }, team: 'blue', least: 'lots' }));
    const given = await ok(await call(t, w.viewer.accessToken, 'GET', dash(`/${created.id}/data?filters=${filters}`)));
    const after = Object.fromEntries(given.widgets.map((x: { widgetId: string }) => [x.widgetId, x]));
    expect(after.echo.result.rows).toEqual([['2026-01-01', '2026-01-31', 'blue']]);
    // The text "lots" for a number parameter fails that widget, not the board.
    expect(after.count).toMatchObject({ status: 'error', error: { code: 'DATA_SOURCES.PARAMETER_INVALID' } });

    // Presets are computed in the org's time zone: UTC+14 is a day ahead of UTC for ten hours a day.
    await setOrgZone(t, w.owner.accessToken, w.orgId, 'Pacific/Kiritimati');
    const today = todayIn('Pacific/Kiritimati', clock.now());
    const inZone = await ok(await call(t, w.viewer.accessToken, 'GET', dash(`/${created.id}/data?filters=${encodeURIComponent(JSON.stringify({ period: { preset: 'today' } }))}`)));
    expect(inZone.widgets[0].result.rows).toEqual([[today, today, 'red']]);
    await setOrgZone(t, w.owner.accessToken, w.orgId, 'UTC');

    const bad = await call(t, w.viewer.accessToken, 'GET', dash(`/${created.id}/data?filters=${encodeURIComponent(JSON.stringify({ team: 'green', nope: 1 }))}`));
    expectProblem(bad, 400, 'VALIDATION_FAILED');
    expect(bad.json().errors.map((e: { field: string }) => e.field)).toEqual(['querystring.filters.team', 'querystring.filters.nope']);
    expectProblem(await call(t, w.viewer.accessToken, 'GET', dash(`/${created.id}/data?filters=not-json`)), 400, 'VALIDATION_FAILED');
  });
});

describe("the widgets' runs", () => {
  type RunTx = { question_id: string; status: string; cached: boolean; tx: string };
  const runsOf = async (userId: string) =>
    (await sql<RunTx>`SELECT question_id, status, cached, xmin::text AS tx FROM analytics.runs WHERE user_id = ${userId} ORDER BY id`.execute(t.database.db)).rows;
  const eventTxs = async (userId: string) =>
    (await sql<{ tx: string }>`SELECT xmin::text AS tx FROM core.outbox WHERE type = 'analytics.query_executed' AND actor_id = ${userId} ORDER BY id`.execute(t.database.db)).rows.map((r) => r.tx);

  it("land in the viewer's history with their events, all of a board's in one transaction", async () => {
    const viewer = await addMember(t, w.owner.accessToken, w.orgId, 'viewer');
    const created = await ok(await call(t, w.member.accessToken, 'POST', dash(), board()), 201);
    await ok(await call(t, viewer.accessToken, 'GET', dash(`/${created.id}/data`)));
    // echo, count, and the chart's question (count's, read once for the board, run with the chart's parameters).
    const first = await runsOf(viewer.userId);
    expect(first.map((r) => r.question_id).sort()).toEqual([echoId, countId, countId].sort());
    expect(first.every((r) => r.status === 'ok')).toBe(true);
    expect(new Set(first.map((r) => r.tx)).size).toBe(1);
    expect(await eventTxs(viewer.userId)).toEqual(first.map((r) => r.tx));

    // A second look: three more runs, in a transaction of their own; one question run alone is one more.
    await ok(await call(t, viewer.accessToken, 'GET', dash(`/${created.id}/data`)));
    await ok(await call(t, viewer.accessToken, 'POST', orgUrl(w.orgId, `/questions/${countId}/run`), {}));
    const all = await runsOf(viewer.userId);
    expect(all).toHaveLength(7);
    expect(new Set(all.slice(3, 6).map((r) => r.tx)).size).toBe(1);
    expect(all[3].tx).not.toBe(all[0].tx);
    expect(all[6]).toMatchObject({ question_id: countId, status: 'ok' });
    expect(all[6].tx).not.toBe(all[3].tx);
    expect((await eventTxs(viewer.userId)).length).toBe(7);
  });

  it('read their questions in one statement and each source once', async () => {
    const created = await ok(
      await call(t, w.member.accessToken, 'POST', dash(), {
        name: 'Read together',
        widgets: [
          { id: 'a', kind: 'question', questionId: echoId, x: 0, y: 0, w: 4, h: 2 },
          { id: 'b', kind: 'question', questionId: countId, x: 4, y: 0, w: 4, h: 2 },
          { id: 'c', kind: 'question', questionId: countId, x: 8, y: 0, w: 4, h: 2 },
        ],
      }),
      201,
    );
    const byIds = vi.spyOn(questionRows, 'byIds');
    const byId = vi.spyOn(questionRows, 'byId');
    const sourceById = vi.spyOn(sourceRows, 'byId');
    try {
      const data = await ok(await call(t, w.viewer.accessToken, 'GET', dash(`/${created.id}/data`)));
      expect(data.widgets.map((x: { status: string }) => x.status)).toEqual(['ok', 'ok', 'ok']);
      expect(byIds).toHaveBeenCalledTimes(1);
      expect([...byIds.mock.calls[0][2]].sort()).toEqual([echoId, countId].sort());
      expect(byId).not.toHaveBeenCalled();
      expect(sourceById).toHaveBeenCalledTimes(1);
      // A question run alone reads its question and its source itself.
      await ok(await call(t, w.viewer.accessToken, 'POST', orgUrl(w.orgId, `/questions/${countId}/run`), {}));
      expect(byId).toHaveBeenCalledTimes(1);
      expect(sourceById).toHaveBeenCalledTimes(2);
    } finally {
      vi.restoreAllMocks();
    }
  });

  it("read their charts in one statement too", async () => {
    const created = await ok(
      await call(t, w.member.accessToken, 'POST', dash(), {
        name: 'Charts read together',
        widgets: [
          { id: 'a', kind: 'chart', chartId, x: 0, y: 0, w: 6, h: 3 },
          { id: 'b', kind: 'chart', chartId, x: 6, y: 0, w: 6, h: 3 },
          { id: 'c', kind: 'question', questionId: echoId, x: 0, y: 3, w: 6, h: 2 },
        ],
      }),
      201,
    );
    const byIds = vi.spyOn(chartRows, 'byIds');
    const byId = vi.spyOn(chartRows, 'byId');
    try {
      const data = await ok(await call(t, w.viewer.accessToken, 'GET', dash(`/${created.id}/data`)));
      expect(data.widgets.map((x: { status: string }) => x.status)).toEqual(['ok', 'ok', 'ok']);
      expect(data.widgets[0].spec).toEqual(data.widgets[1].spec);
      expect(byIds).toHaveBeenCalledTimes(1);
      expect(byIds.mock.calls[0][2]).toEqual([chartId]);
      expect(byId).not.toHaveBeenCalled();
    } finally {
      vi.restoreAllMocks();
    }
  });

  it('record a run that ends after the batch closed on its own, and a refused one too', async () => {
    const actor = { principal: { userId: w.member.userId, email: w.member.email, role: 'user' as const, emailVerified: true, sessionId: null, apiKeyId: null, scopes: null }, requestId: null, ip: null, userAgent: null };
    const before = (await runsOf(w.member.userId)).length;
    const runs = t.app.apis.analytics.questionRuns(actor, w.orgId);
    const ended = await runs.run(countId, {});
    expect(ended.rows).toEqual([[0]]);
    await expect(runs.run(countId, { parameters: [{ name: 'least', value: 'lots' }] })).rejects.toMatchObject({ code: 'DATA_SOURCES.PARAMETER_INVALID' });
    expect(await runsOf(w.member.userId)).toHaveLength(before); // waiting for the close
    await runs.close();
    const closed = (await runsOf(w.member.userId)).slice(before);
    expect(closed.map((r) => r.status)).toEqual(['ok', 'refused']);
    expect(closed[0].tx).toBe(closed[1].tx);
    // Past the close (a widget past its deadline): recorded as it ends.
    await runs.run(echoId, {});
    const late = (await runsOf(w.member.userId)).slice(before);
    expect(late).toHaveLength(3);
    expect(late[2]).toMatchObject({ question_id: echoId, status: 'ok' });
    expect(late[2].tx).not.toBe(late[0].tx);
  });
});

describe('a widget whose source is down', () => {
  it('answers error with the problem, the other widgets ok', async () => {
    const down = await ok(await call(t, w.admin.accessToken, 'POST', orgUrl(w.orgId, '/data-sources'), { name: 'Down', kind: 'postgres', connection: { host: '127.0.0.1', port: 1, database: 'x', user: 'x' } }), 201);
    const question = await ok(await call(t, w.member.accessToken, 'POST', orgUrl(w.orgId, '/questions'), { dataSourceId: down.id, name: 'Unreachable', sql: 'SELECT 1 AS one' }), 201);
    const created = await ok(
      await call(t, w.member.accessToken, 'POST', dash(), {
        name: 'Half down',
        widgets: [
          { id: 'down', kind: 'question', questionId: question.id, x: 0, y: 0, w: 6, h: 2 },
          { id: 'up', kind: 'question', questionId: countId, x: 6, y: 0, w: 6, h: 2 },
        ],
      }),
      201,
    );
    const data = await ok(await call(t, w.viewer.accessToken, 'GET', dash(`/${created.id}/data`)));
    expect(data.widgets[0]).toMatchObject({ widgetId: 'down', status: 'error', error: { code: 'DATA_SOURCES.UNREACHABLE', detail: expect.stringContaining('could not be reached') } });
    expect(data.widgets[1]).toMatchObject({ widgetId: 'up', status: 'ok', result: { rows: [[0]] } });
  });
});

describe('a widget whose source hangs', () => {
  it('answers timed_out after DASHBOARD_WIDGET_TIMEOUT, the other widgets ok', async () => {
    // A server that accepts connections and never says a word: the driver waits on it.
    const held: Socket[] = [];
    const silent = createServer((socket) => held.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as { port: number }).port;
    try {
      const hung = await ok(await call(t, w.admin.accessToken, 'POST', orgUrl(w.orgId, '/data-sources'), { name: 'Silent', kind: 'postgres', connection: { host: '127.0.0.1', port, database: 'x', user: 'x', connectTimeoutSeconds: 30 } }), 201);
      const question = await ok(await call(t, w.member.accessToken, 'POST', orgUrl(w.orgId, '/questions'), { dataSourceId: hung.id, name: 'Silent', sql: 'SELECT 1 AS one' }), 201);
      const created = await ok(
        await call(t, w.member.accessToken, 'POST', dash(), {
          name: 'Half slow',
          widgets: [
            { id: 'slow', kind: 'question', questionId: question.id, x: 0, y: 0, w: 6, h: 2 },
            { id: 'up', kind: 'question', questionId: countId, x: 6, y: 0, w: 6, h: 2 },
          ],
        }),
        201,
      );
      const started = Date.now();
      const data = await ok(await call(t, w.viewer.accessToken, 'GET', dash(`/${created.id}/data`)));
      expect(Date.now() - started).toBeGreaterThanOrEqual(1900);
      expect(Date.now() - started).toBeLessThan(10_000);
      expect(data.widgets[0]).toMatchObject({ widgetId: 'slow', status: 'timed_out' });
      expect(data.widgets[1]).toMatchObject({ widgetId: 'up', status: 'ok' });
    } finally {
      for (const socket of held) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  }, 20_000);
});

describe('collections', () => {
  it('grant view and edit per role and per member; admins always edit', async () => {
    const shared = await ok(
      await call(t, w.admin.accessToken, 'POST', orgUrl(w.orgId, '/dashboard-collections'), { name: 'Finance', grants: [{ role: 'member', access: 'view' }, { userId: w.viewer.userId, access: 'edit' }] }),
      201,
    );
    const secret = await ok(await call(t, w.admin.accessToken, 'POST', orgUrl(w.orgId, '/dashboard-collections'), { name: 'Board only' }), 201);
    expectProblem(await call(t, w.member.accessToken, 'POST', orgUrl(w.orgId, '/dashboard-collections'), { name: 'Mine' }), 403, 'FORBIDDEN');
    expectProblem(await call(t, w.admin.accessToken, 'POST', orgUrl(w.orgId, '/dashboard-collections'), { name: 'finance' }), 409, 'DASHBOARDS.COLLECTION_NAME_TAKEN');
    expectProblem(await call(t, w.admin.accessToken, 'POST', orgUrl(w.orgId, '/dashboard-collections'), { name: 'Both', grants: [{ role: 'member', userId: w.viewer.userId, access: 'view' }] }), 400, 'VALIDATION_FAILED');

    // The viewer holds an edit grant: they add a dashboard there; the member may only view it.
    const inFinance = await ok(await call(t, w.viewer.accessToken, 'POST', dash(), { name: 'Budget', collectionId: shared.id }), 201);
    expect((await ok(await call(t, w.member.accessToken, 'GET', dash(`/${inFinance.id}`)))).access).toBe('view');
    expectProblem(await call(t, w.member.accessToken, 'PATCH', dash(`/${inFinance.id}`), { name: 'Mine' }), 403, 'FORBIDDEN');
    expectProblem(await call(t, w.member.accessToken, 'POST', dash(), { name: 'X', collectionId: shared.id }), 403, 'FORBIDDEN');
    expect((await ok(await call(t, w.viewer.accessToken, 'PATCH', dash(`/${inFinance.id}`), { description: 'Q3' }))).description).toBe('Q3');

    // Nobody but admins sees the collection without grants, nor what is in it.
    const hidden = await ok(await call(t, w.admin.accessToken, 'POST', dash(), { name: 'Salaries', collectionId: secret.id }), 201);
    expectProblem(await call(t, w.member.accessToken, 'GET', dash(`/${hidden.id}`)), 404, 'DASHBOARDS.NOT_FOUND');
    expectProblem(await call(t, w.member.accessToken, 'GET', dash(`/${hidden.id}/data`)), 404, 'DASHBOARDS.NOT_FOUND');
    expectProblem(await call(t, w.member.accessToken, 'POST', dash(), { name: 'X', collectionId: secret.id }), 404, 'DASHBOARDS.COLLECTION_NOT_FOUND');
    const memberList = (await ok(await call(t, w.member.accessToken, 'GET', dash()))).data.map((d: { id: string }) => d.id);
    expect(memberList).toContain(inFinance.id);
    expect(memberList).not.toContain(hidden.id);
    expect((await ok(await call(t, w.admin.accessToken, 'GET', dash()))).data.map((d: { id: string }) => d.id)).toContain(hidden.id);
    const collections = (await ok(await call(t, w.member.accessToken, 'GET', orgUrl(w.orgId, '/dashboard-collections')))).data;
    expect(collections.map((c: { id: string; access: string }) => [c.id, c.access])).toEqual([[shared.id, 'view']]);
    expectProblem(await call(t, w.member.accessToken, 'GET', orgUrl(w.orgId, `/dashboard-collections/${secret.id}`)), 404, 'DASHBOARDS.COLLECTION_NOT_FOUND');

    // Taking the grant away takes the dashboards away.
    await ok(await call(t, w.admin.accessToken, 'PATCH', orgUrl(w.orgId, `/dashboard-collections/${shared.id}`), { grants: [] }));
    expectProblem(await call(t, w.member.accessToken, 'GET', dash(`/${inFinance.id}`)), 404, 'DASHBOARDS.NOT_FOUND');
    expectProblem(await call(t, w.admin.accessToken, 'DELETE', orgUrl(w.orgId, `/dashboard-collections/${secret.id}`)), 409, 'DASHBOARDS.COLLECTION_NOT_EMPTY');
    expect((await call(t, w.admin.accessToken, 'DELETE', dash(`/${hidden.id}`))).statusCode).toBe(204);
    expect((await call(t, w.admin.accessToken, 'DELETE', orgUrl(w.orgId, `/dashboard-collections/${secret.id}`))).statusCode).toBe(204);
  });
});

describe('tenant isolation', () => {
  it("answers 404 for another organization's dashboards", async () => {
    const mine = await ok(await call(t, w.member.accessToken, 'POST', dash(), { name: 'Private' }), 201);
    expectProblem(await call(t, w.outsider.accessToken, 'GET', dash(`/${mine.id}`)), 404, 'ORG.NOT_FOUND');
    expectProblem(await call(t, w.outsider.accessToken, 'GET', dash(`/${mine.id}/data`)), 404, 'ORG.NOT_FOUND');
    expectProblem(await call(t, w.outsider.accessToken, 'GET', orgUrl(w.outsiderOrgId, `/dashboards/${mine.id}`)), 404, 'DASHBOARDS.NOT_FOUND');
    expectProblem(await call(t, w.outsider.accessToken, 'PATCH', orgUrl(w.outsiderOrgId, `/dashboards/${mine.id}`), { name: 'x' }), 404, 'DASHBOARDS.NOT_FOUND');
    expectProblem(await call(t, w.outsider.accessToken, 'POST', orgUrl(w.outsiderOrgId, `/dashboards/${mine.id}/shares`), {}), 404, 'DASHBOARDS.NOT_FOUND');
    expect((await ok(await call(t, w.outsider.accessToken, 'GET', orgUrl(w.outsiderOrgId, '/dashboards')))).data).toEqual([]);
    // A widget may not name another org's question.
    const theirs = await call(t, w.outsider.accessToken, 'POST', orgUrl(w.outsiderOrgId, '/dashboards'), { name: 'Steal', widgets: [{ id: 'q', kind: 'question', questionId: echoId, x: 0, y: 0, w: 1, h: 1 }] });
    expectProblem(theirs, 400, 'VALIDATION_FAILED');
  });
});

describe('share links', () => {
  const shared = (token: string, rest = '') => `/api/v1/shared-dashboards/${token}${rest}`;

  it('show the dashboard read-only without credentials, locked filters stay locked, every view audited', async () => {
    const created = await ok(await call(t, w.member.accessToken, 'POST', dash(), board()), 201);
    expectProblem(await call(t, w.viewer.accessToken, 'POST', dash(`/${created.id}/shares`), {}), 403, 'FORBIDDEN');
    const share = await ok(await call(t, w.member.accessToken, 'POST', dash(`/${created.id}/shares`), { expiresInHours: 2 }), 201);
    expect(share.url).toBe(`/api/v1/shared-dashboards/${share.token}`);
    const view = await ok(await call(t, null, 'GET', share.url));
    expect(view).toMatchObject({ id: created.id, name: 'Sales', expiresAt: share.expiresAt });
    expect(view.widgets.find((x: { id: string }) => x.id === 'notes').html).toContain('<h2>Notes</h2>');
    const data = await ok(await call(t, null, 'GET', shared(share.token, `/data?filters=${encodeURIComponent(JSON.stringify({ period: { from: '2026-02-01', to: '2026-02-28' } }))}`)));
    expect(data.widgets.find((x: { widgetId: string }) => x.widgetId === 'echo').result.rows).toEqual([['2026-02-01', '2026-02-28', 'red']]);
    const locked = await call(t, null, 'GET', shared(share.token, `/data?filters=${encodeURIComponent(JSON.stringify({ team: 'blue' }))}`));
    expectProblem(locked, 400, 'VALIDATION_FAILED');
    expect(locked.json().errors).toEqual([{ field: 'querystring.filters.team', message: "is locked by the dashboard's owner" }]);
    const views = (await outbox(t, 'dashboards.shared_dashboard_viewed', w.orgId)).filter((e) => e.payload.shareId === share.id);
    expect(views.map((e) => e.payload.what)).toEqual(['dashboard', 'data']);
    expect(views[0].actor_id).toBeNull();
    // The audit log records each view, filed under the dashboard, with the viewer's address.
    await t.drain();
    const audited = await t.database.db.selectFrom('audit.events').select(['target_type', 'target_id', 'actor_id', 'payload']).where('type', '=', 'dashboards.shared_dashboard_viewed').where('org_id', '=', w.orgId).execute();
    const mine = audited.filter((r: { payload: unknown }) => (typeof r.payload === 'string' ? JSON.parse(r.payload) : r.payload).shareId === share.id);
    expect(mine).toHaveLength(2);
    expect(mine[0]).toMatchObject({ target_type: 'dashboard', target_id: created.id, actor_id: null });
    expect((await outbox(t, 'dashboards.shared', w.orgId)).map((e) => e.payload.shareId)).toContain(share.id);

    const list = await ok(await call(t, w.member.accessToken, 'GET', dash(`/${created.id}/shares`)));
    expect(list.data).toEqual([{ ...share, revokedAt: null }]);
    expectProblem(await call(t, w.viewer.accessToken, 'GET', dash(`/${created.id}/shares`)), 403, 'FORBIDDEN');
    // Tampered and made-up tokens: 404, as revoked ones.
    const flipped = share.token.slice(0, 5) + (share.token[5] === 'A' ? 'B' : 'A') + share.token.slice(6);
    expectProblem(await call(t, null, 'GET', shared(flipped)), 404, 'DASHBOARDS.SHARE_NOT_FOUND');
    expectProblem(await call(t, null, 'GET', shared('nonsense')), 404, 'DASHBOARDS.SHARE_NOT_FOUND');
    expect((await call(t, w.member.accessToken, 'DELETE', dash(`/${created.id}/shares/${share.id}`))).statusCode).toBe(204);
    expectProblem(await call(t, null, 'GET', share.url), 404, 'DASHBOARDS.SHARE_NOT_FOUND');
    expectProblem(await call(t, null, 'GET', shared(share.token, '/data')), 404, 'DASHBOARDS.SHARE_NOT_FOUND');
    expectProblem(await call(t, w.member.accessToken, 'DELETE', dash(`/${created.id}/shares/${share.id}`)), 404, 'DASHBOARDS.SHARE_NOT_FOUND');
    expect((await ok(await call(t, w.member.accessToken, 'GET', dash(`/${created.id}/shares`)))).data[0].revokedAt).not.toBeNull();
    expect((await outbox(t, 'dashboards.share_revoked', w.orgId)).map((e) => e.payload.shareId)).toContain(share.id);
  });

  it("stop working the moment the creator loses access to the dashboard or a question on it", async () => {
    const creator = await addMember(t, w.owner.accessToken, w.orgId, 'member');
    const created = await ok(await call(t, creator.accessToken, 'POST', dash(), board()), 201);
    const share = await ok(await call(t, creator.accessToken, 'POST', dash(`/${created.id}/shares`), {}), 201);
    await ok(await call(t, null, 'GET', `${share.url}/data`));
    // Moved into a collection the creator has no grant on.
    const closed = await ok(await call(t, w.admin.accessToken, 'POST', orgUrl(w.orgId, '/dashboard-collections'), { name: 'Closed' }), 201);
    await ok(await call(t, w.admin.accessToken, 'PATCH', dash(`/${created.id}`), { collectionId: closed.id }));
    expectProblem(await call(t, null, 'GET', share.url), 404, 'DASHBOARDS.SHARE_NOT_FOUND');
    await ok(await call(t, w.admin.accessToken, 'PATCH', dash(`/${created.id}`), { collectionId: null }));
    await ok(await call(t, null, 'GET', share.url));
    // The creator leaves the org.
    expect((await call(t, w.owner.accessToken, 'DELETE', orgUrl(w.orgId, `/members/${creator.userId}`))).statusCode).toBe(204);
    expectProblem(await call(t, null, 'GET', share.url), 404, 'DASHBOARDS.SHARE_NOT_FOUND');
    expectProblem(await call(t, null, 'GET', `${share.url}/data`), 404, 'DASHBOARDS.SHARE_NOT_FOUND');

    // A question on the board is deleted: the admin's link stops too.
    const gone = await ok(await call(t, w.member.accessToken, 'POST', orgUrl(w.orgId, '/questions'), { dataSourceId: sourceId, name: 'Temporary', sql: 'SELECT 1 AS one' }), 201);
    const small = await ok(await call(t, w.admin.accessToken, 'POST', dash(), { name: 'Small', widgets: [{ id: 'q', kind: 'question', questionId: gone.id, x: 0, y: 0, w: 2, h: 2 }] }), 201);
    const link = await ok(await call(t, w.admin.accessToken, 'POST', dash(`/${small.id}/shares`), {}), 201);
    expect((await ok(await call(t, null, 'GET', `${link.url}/data`))).widgets[0]).toMatchObject({ status: 'ok', result: { rows: [[1]] } });
    expect((await call(t, w.member.accessToken, 'DELETE', orgUrl(w.orgId, `/questions/${gone.id}`))).statusCode).toBe(204);
    expectProblem(await call(t, null, 'GET', link.url), 404, 'DASHBOARDS.SHARE_NOT_FOUND');
  });

  it('expire', async () => {
    const created = await ok(await call(t, w.member.accessToken, 'POST', dash(), { name: 'Brief' }), 201);
    const share = await ok(await call(t, w.member.accessToken, 'POST', dash(`/${created.id}/shares`), { expiresInHours: 1 }), 201);
    await ok(await call(t, null, 'GET', share.url));
    clock.advance(3_601_000);
    expectProblem(await call(t, null, 'GET', share.url), 404, 'DASHBOARDS.SHARE_NOT_FOUND');
  });
});
