// A team's month, as a client that knows only /openapi.json would run it: every call below
// goes to an operation looked up in the published document first, so a route that is
// missing from the contract (or answers with another status than it documents) fails here.
// Org and child org, invitations accepted through the mailed link, projects from a template,
// a timer and manual entries, then the CSV and PDF report of the month.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createTestApp, lastMailToken, type TestApp } from './harness.ts';
import { movableClock } from './time-fixture.ts';
import { newUser, type U, uniqueSlug } from './workspace.ts';

type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';

let t: TestApp;
let spec: { paths: Record<string, Record<string, { responses: Record<string, unknown> }>> };
const clock = movableClock();

beforeAll(async () => {
  t = await createTestApp({ overrides: { clock } });
  spec = (await t.request({ method: 'GET', url: '/openapi.json' })).json();
});
afterAll(async () => t?.close());

/** Calls the documented operation `method template` with path params filled in, as `user`. */
async function call(user: U | null, method: Method, template: string, params: Record<string, string> = {}, payload?: unknown) {
  const [path, query = ''] = template.split('?');
  // Paths in the document are relative to its server URL, /api/v1.
  const operation = spec.paths[path]?.[method];
  expect(operation, `${method.toUpperCase()} ${path} is documented in /openapi.json`).toBeDefined();
  const url = `/api/v1${path.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(params[name] ?? `{${name}}`))}${query ? `?${query}` : ''}`;
  const res = await t.request({
    method: method.toUpperCase() as 'GET',
    url,
    headers: user ? bearer(user.accessToken) : {},
    ...(payload === undefined ? {} : { payload: payload as object }),
  });
  if (res.statusCode < 400) {
    expect(Object.keys(operation!.responses), `${method.toUpperCase()} ${template} documents ${res.statusCode}`).toContain(String(res.statusCode));
  }
  return res;
}

async function invite(owner: U, orgId: string, role: string): Promise<U> {
  const user = await newUser(t);
  const sent = await call(owner, 'post', '/orgs/{orgId}/invitations', { orgId }, { email: user.email, role });
  expect(sent.statusCode, sent.body).toBe(201);
  await t.drain(); // the invitation mail goes out through the outbox
  const accepted = await call(user, 'post', '/invitations/accept', {}, { token: lastMailToken(t, user.email) });
  expect(accepted.statusCode, accepted.body).toBe(200);
  return user;
}

describe("a team's month through the published API", () => {
  it('runs end to end: orgs, members, projects from a template, time, reports', { timeout: 120_000 }, async () => {
    const owner = await newUser(t);

    // Company and a department under it.
    const org = await call(owner, 'post', '/orgs', {}, { name: 'Acme', slug: uniqueSlug('acme'), timezone: 'Europe/Berlin', currency: 'EUR' });
    expect(org.statusCode, org.body).toBe(201);
    const orgId = org.json().id as string;
    const child = await call(owner, 'post', '/orgs', {}, { name: 'Acme R&D', slug: uniqueSlug('acme-rd'), parentId: orgId });
    expect(child.statusCode, child.body).toBe(201);

    // Two people join through their mailed links; a role in the company reaches the department.
    const alice = await invite(owner, orgId, 'member');
    const bob = await invite(owner, orgId, 'admin');
    const inherited = await call(alice, 'get', '/orgs/{orgId}', { orgId: child.json().id });
    expect(inherited.statusCode, inherited.body).toBe(200);
    const members = await call(bob, 'get', '/orgs/{orgId}/members', { orgId });
    expect(members.json().data.map((m: { email: string }) => m.email).sort()).toEqual([alice.email, bob.email, owner.email].sort());

    // A project with tasks becomes a template; the next project starts from it.
    const website = await call(bob, 'post', '/orgs/{orgId}/projects', { orgId }, {
      name: 'Website',
      key: 'WEB',
      client: 'Globex',
      tags: ['web'],
      billableDefault: true,
      hourlyRateMinor: 9000,
    });
    expect(website.statusCode, website.body).toBe(201);
    const websiteId = website.json().id as string;
    for (const name of ['Design', 'Build']) {
      const task = await call(bob, 'post', '/orgs/{orgId}/projects/{projectId}/tasks', { orgId, projectId: websiteId }, { name });
      expect(task.statusCode, task.body).toBe(201);
    }
    const template = await call(bob, 'post', '/orgs/{orgId}/projects/{projectId}/save-as-template', { orgId, projectId: websiteId }, { name: 'Client site' });
    expect(template.statusCode, template.body).toBe(201);
    const mobile = await call(bob, 'post', '/orgs/{orgId}/projects', { orgId }, { templateId: template.json().id, name: 'Mobile app', key: 'MOB' });
    expect(mobile.statusCode, mobile.body).toBe(201);
    const mobileId = mobile.json().id as string;
    expect(mobile.json()).toMatchObject({ client: 'Globex', billableDefault: true, hourlyRateMinor: 9000 });
    const tasks = await call(bob, 'get', '/orgs/{orgId}/projects/{projectId}/tasks', { orgId, projectId: mobileId });
    expect(tasks.json().data.map((x: { name: string }) => x.name).sort()).toEqual(['Build', 'Design']);
    const build = tasks.json().data.find((x: { name: string }) => x.name === 'Build').id as string;
    const joined = await call(bob, 'put', '/orgs/{orgId}/projects/{projectId}/members/{userId}', { orgId, projectId: mobileId, userId: alice.userId }, { role: 'contributor' });
    expect(joined.statusCode, joined.body).toBe(201);

    // Alice times 90 minutes with the timer, then logs two manual entries in the past week.
    const started = await call(alice, 'post', '/orgs/{orgId}/timer/start', { orgId }, { projectId: mobileId, taskId: build, description: 'Login screen' });
    expect(started.statusCode, started.body).toBe(201);
    clock.advance(90 * 60_000);
    const running = await call(alice, 'get', '/orgs/{orgId}/timer', { orgId });
    expect(running.statusCode, running.body).toBe(200);
    const stopped = await call(alice, 'post', '/orgs/{orgId}/timer/stop', { orgId });
    expect(stopped.statusCode, stopped.body).toBe(200);
    expect(stopped.json().durationSeconds).toBeGreaterThanOrEqual(90 * 60);

    const day = (daysAgo: number, hour: number) => {
      const d = new Date(clock.now().getTime() - daysAgo * 86_400_000);
      d.setUTCHours(hour, 0, 0, 0);
      return d.toISOString();
    };
    const manual = [
      { projectId: mobileId, taskId: build, start: day(3, 8), end: day(3, 12), description: 'API client' },
      { projectId: websiteId, start: day(2, 13), end: day(2, 15), description: 'Review' },
    ];
    for (const body of manual) {
      const res = await call(alice, 'post', '/orgs/{orgId}/time-entries', { orgId }, body);
      // Alice is not on Website: her entry there is refused, and only there.
      expect(res.statusCode, res.body).toBe(body.projectId === mobileId ? 201 : 404);
    }
    const clash = await call(alice, 'post', '/orgs/{orgId}/time-entries', { orgId }, { projectId: mobileId, start: day(3, 11), end: day(3, 13) });
    expect(clash.statusCode).toBe(409);
    expect(clash.json().code).toBe('TIME.ENTRY_OVERLAP');

    const mine = await call(alice, 'get', '/orgs/{orgId}/time-entries', { orgId });
    expect(mine.json().data).toHaveLength(2);

    // The month's report, as the client would download it. The range covers both entries.
    const range = { from: day(10, 0).slice(0, 10), to: clock.now().toISOString().slice(0, 10) };
    const query = (format: string) => `?from=${range.from}&to=${range.to}&groupBy=project&format=${format}`;
    const json = await call(owner, 'get', `/orgs/{orgId}/reports/time${query('json')}`, { orgId });
    expect(json.statusCode, json.body).toBe(200);
    expect(json.json().totals.durationSeconds).toBeGreaterThanOrEqual(90 * 60 + 4 * 3600);

    const csv = await call(owner, 'get', `/orgs/{orgId}/reports/time${query('csv')}`, { orgId });
    expect(csv.statusCode, csv.body).toBe(200);
    expect(csv.headers['content-type']).toMatch(/^text\/csv/);
    expect(csv.body).toContain('Mobile app');

    const pdf = await call(owner, 'get', `/orgs/{orgId}/reports/time${query('pdf')}`, { orgId });
    expect(pdf.statusCode).toBe(200);
    expect(pdf.headers['content-type']).toBe('application/pdf');
    expect(pdf.rawPayload.subarray(0, 5).toString()).toBe('%PDF-');
    expect(pdf.headers['content-disposition']).toMatch(/^attachment; filename="[^"/\\]+\.pdf"/);
  });
});
