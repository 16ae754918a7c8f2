// Issue #13's "done when", as a client that reads only /openapi.json: every call below is found
// by its operationId in the document. An org admin builds a dashboard of six charts (single
// number, bar, donut, line, scatter, table) over the workspace source and a PostgreSQL source,
// filters it by last quarter (the quarter computed here in the org's time zone: entries and rows
// on both sides of it), shares it with a link (opened anonymously, then revoked), exports it as a
// PDF whose every page is rendered to pixels and read, subscribes two members of whom one then
// leaves the org (only the other gets the mail, the admin is told), and sets an alert that fires
// once when the PostgreSQL data crosses its line.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { renderPdfPages } from './pdf-pages.ts';
import { bearer, createTestApp, lastMailToken, type TestApp } from './harness.ts';
import { newUser, type U } from './workspace.ts';

const PG_URL = process.env.TEST_DATABASE_URL ?? inject('serverUrl');
const tcp = (url: string) => /^(\w+):\/\/([^:@/]*)(?::([^@/]*))?@([^:/?]+)(?::(\d+))?\/([^?]*)/.exec(url);
const suffix = `${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
const TABLE = `dash_acc_${suffix}`;
/** Far from UTC, so an entry's day in the org is not its UTC day near midnight. */
const ZONE = 'Pacific/Auckland';
const BOARD = `Quarterly review ${suffix}`;
const CHART_TITLES = ['Hours logged', 'Hours per client', 'Hours per project', 'Revenue per day', 'Orders against revenue', 'Time entries'];

let t: TestApp;
let doc: { paths: Record<string, Record<string, { operationId: string }>> };
let admin: U;
let stays: U;
let leaves: U;
let orgId: string;
let dashboardId: string;
let subscriptionId: string;

/** Last quarter in the org's zone, as inclusive dates: what the dashboard's default filter must mean. */
let quarter: { from: string; to: string };
/** The time entries logged, with the day each falls on in the org's zone. */
const entries: { project: string; client: string; start: string; hours: number; day: string }[] = [];
/** The PostgreSQL table's rows. */
const sales: { day: string; region: string; orders: number; revenue: number }[] = [];

const DAY = 86_400_000;
const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const addDays = (date: string, n: number) => isoDay(Date.parse(`${date}T00:00:00Z`) + n * DAY);
/** The calendar day of an instant in the org's zone (en-CA writes YYYY-MM-DD). */
const dayInZone = (instant: Date) => new Intl.DateTimeFormat('en-CA', { timeZone: ZONE, year: 'numeric', month: '2-digit', day: '2-digit' }).format(instant);
const inQuarter = (day: string) => day >= quarter.from && day <= quarter.to;

/** Calls the operation named `id` in /openapi.json as `as` (anonymous when null), filling its path parameters. */
async function call(id: string, opts: { as?: U | null; params?: Record<string, string>; body?: unknown; query?: Record<string, string> } = {}) {
  const { as = admin, params = {}, body, query } = opts;
  for (const [path, methods] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(methods)) {
      if (op.operationId !== id) continue;
      const search = query ? `?${new URLSearchParams(query)}` : '';
      const url = `/api/v1${path.replace(/\{(\w+)\}/g, (_, k) => params[k] ?? orgId)}${search}`;
      return t.request({ method: method.toUpperCase() as 'GET', url, headers: as ? bearer(as.accessToken) : {}, ...(body !== undefined ? { payload: body as never } : {}) });
    }
  }
  throw new Error(`no operation ${id} in /openapi.json`);
}
/** The same, expecting `status`; answers the JSON body. */
async function ok(id: string, opts: Parameters<typeof call>[1] = {}, status = 200) {
  const res = await call(id, opts);
  expect(res.statusCode, `${id}: ${res.body}`).toBe(status);
  return res.statusCode === 204 ? undefined : res.json();
}
/** Delivers events and runs jobs until nothing is left. */
async function settle() {
  for (let i = 0; i < 10; i++) if ((await t.drain()) === 0 && (await t.runJobs()) === 0) return;
  throw new Error('events or jobs keep coming');
}
async function notifications(u: U, type: string) {
  return ((await ok('listNotifications', { as: u, query: { limit: '100' } })).data as { type: string; data: Record<string, unknown> }[]).filter((n) => n.type === type);
}
async function pgQuery(sql: string, values: unknown[] = []) {
  const c = new pg.Client({ connectionString: PG_URL });
  await c.connect();
  try {
    await c.query(sql, values);
  } finally {
    await c.end();
  }
}

/** Signs up a user and makes them a member through an invitation. */
async function invite(): Promise<U> {
  const user = await newUser(t);
  await ok('createInvitation', { body: { email: user.email, role: 'member' } }, 201);
  await t.drain();
  await ok('acceptInvitation', { as: user, body: { token: lastMailToken(t, user.email) } });
  return user;
}


type WidgetData = { widgetId: string; kind: string; status: string; result?: { columns: { name: string }[]; rows: unknown[][] }; error?: unknown };
const byWidget = (data: { widgets: WidgetData[] }) => new Map(data.widgets.map((w) => [w.widgetId, w]));

/** What last quarter's data must be, computed here from what was seeded. */
function expected() {
  const shown = entries.filter((e) => inQuarter(e.day)).sort((a, b) => a.start.localeCompare(b.start));
  const perClient = new Map<string, number>();
  for (const e of shown) perClient.set(e.client, (perClient.get(e.client) ?? 0) + e.hours);
  return {
    hours: shown.reduce((s, e) => s + e.hours, 0),
    perClient: [...perClient].sort(([a], [b]) => a.localeCompare(b)),
    entryRows: shown.map((e) => [e.project, e.day, e.hours]),
    revenuePerDay: sales.filter((s) => inQuarter(s.day)).map((s) => [s.day, s.revenue]),
  };
}

/** The workspace board's values as the test expects them, checked against a /data answer. */
function expectLastQuarter(data: { filters: { id: string; value: unknown }[]; widgets: WidgetData[] }) {
  const want = expected();
  expect(data.filters).toEqual([{ id: 'period', value: quarter }]);
  const w = byWidget(data);
  for (const widget of data.widgets) expect(widget.status, `${widget.widgetId}: ${JSON.stringify(widget.error)}`).toBe('ok');
  expect(w.get('total')?.result?.rows).toEqual([[want.hours]]);
  expect(w.get('clients')?.result?.rows).toEqual(want.perClient);
  expect(w.get('entries')?.result?.rows).toEqual(want.entryRows);
  expect(w.get('revenue')?.result?.rows).toEqual(want.revenuePerDay);
  expect(w.get('client-table')?.result?.rows).toEqual(want.perClient);
}

// Without a PostgreSQL server over TCP (the embedded test server) there is no source to connect.
describe.runIf(tcp(PG_URL))('an org admin who reads only /openapi.json', () => {
  beforeAll(async () => {
    t = await createTestApp({ env: { DATA_SOURCE_ALLOWED_HOSTS: '127.0.0.1,localhost', DASHBOARD_WIDGET_TIMEOUT: '60s' } });
    doc = (await t.request({ method: 'GET', url: '/openapi.json' })).json();
    admin = await newUser(t);
    orgId = (await ok('createOrganization', { body: { name: 'Acceptance Ltd', slug: `acc-${suffix}` } }, 201)).id;
    await ok('updateOrganization', { body: { timezone: ZONE } });
    stays = await invite();
    leaves = await invite();

    // Last quarter as the org's calendar has it today.
    const [y, m] = dayInZone(new Date()).split('-').map(Number);
    const q = Math.floor((m - 1) / 3) * 3;
    quarter = { from: isoDay(Date.UTC(y, q - 3, 1)), to: isoDay(Date.UTC(y, q, 0)) };

    const atlas = await ok('createProject', { body: { name: 'Atlas', key: 'ATLAS', client: 'Acme' } }, 201);
    const borealis = await ok('createProject', { body: { name: 'Borealis', key: 'BOREAL', client: 'Globex' } }, 201);
    // UTC midnight is midday in Auckland: each entry's day in the org is plain, and still computed.
    const log = async (project: { id: string; name: string; client: string }, start: string, hours: number) => {
      await ok('createTimeEntry', { body: { projectId: project.id, start, durationSeconds: hours * 3600 } }, 201);
      entries.push({ project: project.name, client: project.client, start, hours, day: dayInZone(new Date(start)) });
    };
    await log(atlas, `${addDays(quarter.from, -5)}T00:00:00.000Z`, 4);
    await log(atlas, `${addDays(quarter.from, 4)}T00:00:00.000Z`, 2);
    await log(borealis, `${addDays(quarter.from, 30)}T00:00:00.000Z`, 3.5);
    await log(atlas, `${addDays(quarter.to, -2)}T00:00:00.000Z`, 1.25);
    await log(borealis, new Date(Date.now() - 3 * 3_600_000).toISOString(), 0.5);

    // A PostgreSQL table with rows on both edges of the quarter.
    sales.push(
      { day: addDays(quarter.from, -1), region: 'North', orders: 9, revenue: 900 },
      { day: quarter.from, region: 'North', orders: 3, revenue: 300 },
      { day: addDays(quarter.from, 20), region: 'South', orders: 5, revenue: 520 },
      { day: quarter.to, region: 'South', orders: 4, revenue: 410 },
      { day: addDays(quarter.to, 1), region: 'North', orders: 7, revenue: 700 },
    );
    await pgQuery(`CREATE TABLE ${TABLE} (day date, region text, orders int, revenue int)`);
    for (const s of sales) await pgQuery(`INSERT INTO ${TABLE} VALUES ($1, $2, $3, $4)`, [s.day, s.region, s.orders, s.revenue]);
  }, 120_000);

  afterAll(async () => {
    await t?.close();
    await pgQuery(`DROP TABLE IF EXISTS ${TABLE}`);
  });

  it('builds a dashboard of six charts over the workspace source and a PostgreSQL source', async () => {
    const workspace = await ok('createDataSource', { body: { name: 'Our work', kind: 'workspace' } }, 201);
    const [, , user, password, host, port, database] = tcp(PG_URL)!;
    const shop = await ok('createDataSource', { body: { name: 'Shop (PostgreSQL)', kind: 'postgres', connection: { host, port: Number(port ?? 5432), database, user, password: decodeURIComponent(password ?? '') } } }, 201);
    for (const sourceId of [workspace.id, shop.id]) await ok('syncDataSource', { params: { orgId, sourceId } }, 202);
    await t.runJobs();

    // Every question takes the period as two dates; left alone, they cover everything.
    const period = [
      { name: 'since', type: 'date', default: '2000-01-01' },
      { name: 'until', type: 'date', default: '2999-12-31' },
    ];
    const localDay = `(e.start_at AT TIME ZONE '${ZONE}')::date`;
    const question = async (dataSourceId: string, name: string, sql: string) => (await ok('createQuestion', { body: { dataSourceId, name, sql, parameters: period } }, 201)).id as string;
    const total = await question(workspace.id, 'Hours logged', `SELECT coalesce(sum(e.hours), 0) AS hours FROM time_entries e WHERE ${localDay} BETWEEN :since AND :until`);
    const perClient = await question(workspace.id, 'Hours per client', `SELECT p.client, sum(e.hours) AS hours FROM time_entries e JOIN projects p ON p.id = e.project_id WHERE ${localDay} BETWEEN :since AND :until GROUP BY p.client ORDER BY p.client`);
    const perProject = await question(workspace.id, 'Hours per project', `SELECT p.name AS project, sum(e.hours) AS hours FROM time_entries e JOIN projects p ON p.id = e.project_id WHERE ${localDay} BETWEEN :since AND :until GROUP BY p.name ORDER BY p.name`);
    const entryList = await question(workspace.id, 'Time entries', `SELECT p.name AS project, ${localDay} AS day, e.hours FROM time_entries e JOIN projects p ON p.id = e.project_id WHERE ${localDay} BETWEEN :since AND :until ORDER BY e.start_at`);
    const revenue = await question(shop.id, 'Revenue per day', `SELECT day, sum(revenue) AS revenue FROM public.${TABLE} WHERE day BETWEEN :since AND :until GROUP BY day ORDER BY day`);
    const orders = await question(shop.id, 'Orders and revenue', `SELECT region, orders, revenue FROM public.${TABLE} WHERE day BETWEEN :since AND :until ORDER BY day`);

    const chart = async (body: Record<string, unknown>) => (await ok('createChart', { body }, 201)).id as string;
    // The scatter is the one the server proposes for two numbers, kept with a title.
    const { suggestions } = await ok('suggestCharts', { body: { questionId: orders } });
    const scatter = suggestions.find((s: { type: string }) => s.type === 'scatter');
    expect(scatter?.encoding).toMatchObject({ x: 'orders', y: 'revenue', color: 'region' });
    const charts = {
      total: await chart({ questionId: total, type: 'single_number', encoding: { y: 'hours' }, options: { title: CHART_TITLES[0] } }),
      clients: await chart({ questionId: perClient, type: 'bar', encoding: { x: 'client', y: 'hours' }, options: { title: CHART_TITLES[1], sort: 'descending' } }),
      projects: await chart({ questionId: perProject, type: 'pie', encoding: { x: 'project', y: 'hours' }, options: { title: CHART_TITLES[2], donut: true } }),
      revenue: await chart({ questionId: revenue, type: 'line', encoding: { x: 'day', y: 'revenue' }, options: { title: CHART_TITLES[3], currency: 'EUR', yFormat: 'currency' } }),
      orders: await chart({ questionId: orders, type: 'scatter', encoding: scatter.encoding, options: { ...scatter.options, title: CHART_TITLES[4] } }),
      entries: await chart({ questionId: entryList, type: 'table', encoding: {}, options: { title: CHART_TITLES[5] } }),
    };
    const mapped = [
      { filterId: 'period', parameter: 'since', part: 'from' },
      { filterId: 'period', parameter: 'until', part: 'to' },
    ];
    const place = (id: keyof typeof charts, x: number, y: number) => ({ id, kind: 'chart', chartId: charts[id], x, y, w: 6, h: 4, filters: mapped });
    const board = await ok(
      'createDashboard',
      {
        body: {
          name: BOARD,
          filters: [{ id: 'period', kind: 'date_range', label: 'Period', default: { preset: 'last_quarter' } }],
          widgets: [
            place('total', 0, 0),
            place('clients', 6, 0),
            place('projects', 0, 4),
            place('revenue', 6, 4),
            place('orders', 0, 8),
            place('entries', 6, 8),
            // The same hours as a table of numbers: mailed as a table and a CSV file, beside the six charts as pictures.
            { id: 'client-table', kind: 'question', questionId: perClient, title: 'Hours per client, in numbers', x: 0, y: 12, w: 12, h: 3, filters: mapped },
          ],
        },
      },
      201,
    );
    dashboardId = board.id;
    expect(board.widgets.filter((w: { kind: string }) => w.kind === 'chart')).toHaveLength(6);
  }, 120_000);

  it('shows last quarter only, by default and when asked for it', async () => {
    // Seeded on both sides of the quarter: the filter has something to leave out.
    expect(entries.some((e) => !inQuarter(e.day))).toBe(true);
    expect(sales.some((s) => !inQuarter(s.day))).toBe(true);
    expect(expected().hours).toBeGreaterThan(0);
    const asked = await ok('getDashboardData', { params: { orgId, dashboardId }, query: { filters: JSON.stringify({ period: { preset: 'last_quarter' } }) } });
    expectLastQuarter(asked);
    expectLastQuarter(await ok('getDashboardData', { params: { orgId, dashboardId } }));
    // Without the filter's dates every row counts: the filter is what narrowed it.
    const everything = await ok('getDashboardData', { params: { orgId, dashboardId }, query: { filters: JSON.stringify({ period: { from: '2000-01-01', to: '2999-12-31' } }) } });
    expect(byWidget(everything).get('total')?.result?.rows).toEqual([[entries.reduce((s, e) => s + e.hours, 0)]]);
  }, 120_000);

  it('shares it with a link that works without signing in, until revoked', async () => {
    const share = await ok('shareDashboard', { params: { orgId, dashboardId }, body: { expiresInHours: 24 } }, 201);
    const shared = await ok('getSharedDashboard', { as: null, params: { token: share.token } });
    expect(shared).toMatchObject({ id: dashboardId, name: BOARD });
    expectLastQuarter(await ok('getSharedDashboardData', { as: null, params: { token: share.token } }));
    await ok('revokeDashboardShare', { params: { orgId, dashboardId, shareId: share.id } }, 204);
    const gone = await call('getSharedDashboard', { as: null, params: { token: share.token } });
    expect(gone.statusCode).toBe(404);
    expect(gone.json().code).toBe('DASHBOARDS.SHARE_NOT_FOUND');
    expect((await call('getSharedDashboardData', { as: null, params: { token: share.token } })).statusCode).toBe(404);
  }, 120_000);

  it('exports it as a PDF a person would send', async () => {
    const accepted = await ok('exportDashboard', { params: { orgId, dashboardId }, body: { format: 'pdf' } }, 202);
    await t.runJobs();
    const job = await ok('getJob', { params: { id: accepted.jobId } });
    expect(job.status, JSON.stringify(job)).toBe('completed');
    expect(job.result.contentType).toBe('application/pdf');
    const file = await t.request({ method: 'GET', url: job.result.link });
    expect(file.statusCode).toBe(200);
    expect(file.rawPayload.subarray(0, 5).toString()).toBe('%PDF-');

    const pages = await renderPdfPages(file.rawPayload);
    // Every page drawn: ink on each (a blank page has none; the lightest here, tables of text, about 0.8 %).
    for (const [n, page] of pages.entries()) expect(page.inkedShare, `page ${n + 1}`).toBeGreaterThan(0.005);
    const text = pages.map((p) => p.text).join('\n');
    expect(pages[0].text).toContain(BOARD);
    expect(pages[0].text).toContain(`Period: ${quarter.from} – ${quarter.to}`);
    for (const title of CHART_TITLES) expect(text).toContain(title);
    // The table's cells are text: an entry of the quarter, not one outside it.
    const want = expected();
    expect(pages[0].text).toContain(String(want.hours));
    expect(text).toContain(String(want.entryRows[0][1]));
    for (const e of entries.filter((x) => !inQuarter(x.day))) expect(text).not.toContain(e.day);
  }, 180_000);

  it('mails two subscribed members, of whom the one who left the org gets nothing', async () => {
    const sub = await ok('createDashboardSubscription', { body: { dashboardId, recipients: [stays.userId, leaves.userId], schedule: '0 8 * * 1', formats: ['inline', 'pdf', 'csv'] } }, 201);
    subscriptionId = sub.id;
    await ok('removeOrganizationMember', { params: { orgId, userId: leaves.userId } }, 204);
    const run = await ok('sendDashboardSubscription', { params: { orgId, subscriptionId } });
    expect(run).toEqual({ sent: [stays.userId], skipped: [], dropped: [leaves.userId], failed: [] });
    await settle();

    const mails = (u: U) => t.mailer.sent.filter((m) => m.to === u.email && m.subject === BOARD);
    expect(mails(stays)).toHaveLength(1);
    expect(mails(leaves)).toHaveLength(0);
    // Computed with the default filter: last quarter's hours per client.
    for (const [client, hours] of expected().perClient) expect(mails(stays)[0].text).toContain(`${client}\t${hours}`);
    // Every format: the six charts inline as PNG pictures the HTML shows, the dashboard as a PDF, the table as a CSV.
    const mail = mails(stays)[0];
    const files = mail.attachments ?? [];
    const pictures = files.filter((f) => f.contentType === 'image/png');
    expect(pictures).toHaveLength(6);
    for (const p of pictures) {
      expect(p.content.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a');
      expect(mail.html).toContain(`cid:${p.contentId}`);
    }
    const pdf = files.find((f) => f.contentType === 'application/pdf');
    expect(pdf?.content.subarray(0, 5).toString()).toBe('%PDF-');
    const csv = files.filter((f) => f.contentType.startsWith('text/csv'));
    expect(csv).toHaveLength(1);
    for (const [client] of expected().perClient) expect(csv[0].content.toString('utf8')).toContain(client);
    const dropped = await notifications(admin, 'subscription_recipient_dropped');
    expect(dropped).toHaveLength(1);
    expect(dropped[0].data).toMatchObject({ dashboardId, subscriptionId, recipientId: leaves.userId });
  }, 120_000);

  it('fires an alert once when a value crosses its line', async () => {
    const shop = (await ok('listDataSources')).data.find((s: { kind: string }) => s.kind === 'postgres');
    const revenue = await ok('createQuestion', { body: { dataSourceId: shop.id, name: 'Revenue to date', sql: `SELECT coalesce(sum(revenue), 0) AS revenue FROM public.${TABLE}` } }, 201);
    const line = sales.reduce((s, r) => s + r.revenue, 0) + 100;
    const alert = await ok('createAlert', { body: { questionId: revenue.id, name: `Revenue over ${line}`, condition: { kind: 'above', threshold: line }, schedule: '0 9 * * *', channels: ['in_app', 'email'] } }, 201);
    const check = async () => ok('checkAlert', { params: { orgId, alertId: alert.id } });

    expect(await check()).toMatchObject({ fired: false, alert: { state: { firing: false, lastValue: line - 100 } } });
    await pgQuery(`INSERT INTO ${TABLE} VALUES ($1, 'North', 2, 250)`, [dayInZone(new Date())]);
    expect(await check()).toMatchObject({ fired: true, alert: { state: { firing: true, lastValue: line + 150 } } });
    // Still over the line: no second firing.
    expect(await check()).toMatchObject({ fired: false, alert: { state: { firing: true, lastValue: line + 150 } } });
    await settle();
    const fired = await notifications(admin, 'alert_fired');
    expect(fired).toHaveLength(1);
    expect(fired[0].data).toMatchObject({ alertId: alert.id, value: line + 150, threshold: line });
    expect(t.mailer.sent.filter((m) => m.to === admin.email && m.subject === `Alert: Revenue over ${line}`)).toHaveLength(1);
  }, 120_000);
});
