// Listing entries (filters, pages, zones), rates resolved and frozen on each entry, and the
// settings, member-rate and rounding-rule routes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, expectProblem, type TestApp } from './harness.ts';
import { call, createProject, putMember } from './projects-fixture.ts';
import { logTime, orgUrl, type TimeWorkspace, timeWorkspace } from './time-fixture.ts';
import { newUser } from './workspace.ts';

let t: TestApp;
let w: TimeWorkspace;
const url = (rest: string) => orgUrl(w.orgId, rest);

beforeAll(async () => {
  t = await createTestApp();
  w = await timeWorkspace(t);
});
afterAll(() => t?.close());

describe('listing entries', () => {
  let mine: { id: string; start: string }[];
  beforeAll(async () => {
    const p = w.project.id;
    mine = [];
    for (const [start, extra] of [
      ['2026-11-16T08:00:00Z', { tags: ['alpha'] }],
      ['2026-11-16T23:30:00Z', { billable: false }], // 17 November in Berlin
      ['2026-11-17T09:00:00Z', {}],
      ['2026-11-18T09:00:00Z', { tags: ['alpha', 'beta'] }],
    ] as const) {
      mine.push(await logTime(t, w.member.accessToken, w.orgId, { projectId: p, start, durationSeconds: 900, ...extra }));
    }
    // Another user at the very same start: the keyset breaks the tie by id.
    await logTime(t, w.peer.accessToken, w.orgId, { projectId: p, start: '2026-11-18T09:00:00Z', durationSeconds: 900 });
  });

  const list = (token: string, qs: string) => call(t, token, 'GET', url(`/time-entries?${qs}`));

  it('shows a member only their own entries, newest first, page by page', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const res = await list(w.member.accessToken, `limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      expect(res.statusCode, res.body).toBe(200);
      const body = res.json();
      expect(body.data.length).toBeLessThanOrEqual(2);
      expect(body.data.every((e: { userId: string }) => e.userId === w.member.userId)).toBe(true);
      seen.push(...body.data.map((e: { id: string }) => e.id));
      cursor = body.page.nextCursor;
    } while (cursor);
    expect(seen).toEqual([...mine].reverse().map((m) => m.id));
  });

  it('shows an admin everyone, and filters by user, project, task, billable and tag', async () => {
    const all = (await list(w.admin.accessToken, 'limit=100')).json().data;
    expect(all).toHaveLength(5);
    // One at a time through the tie at 18 November 09:00: each entry exactly once, same order.
    const paged: string[] = [];
    let cursor = '';
    do {
      const body = (await list(w.admin.accessToken, `limit=1${cursor ? `&cursor=${cursor}` : ''}`)).json();
      paged.push(...body.data.map((e: { id: string }) => e.id));
      cursor = body.page.nextCursor ?? '';
    } while (cursor);
    expect(paged).toEqual(all.map((e: { id: string }) => e.id));
    expect((await list(w.admin.accessToken, `userId=${w.peer.userId}`)).json().data).toHaveLength(1);
    expect((await list(w.admin.accessToken, `projectId=${w.project.id}`)).json().data).toHaveLength(5);
    expect((await list(w.admin.accessToken, `taskId=${w.project.id}`)).json().data).toHaveLength(0);
    expect((await list(w.admin.accessToken, 'billable=false')).json().data).toHaveLength(1);
    expect((await list(w.admin.accessToken, 'tag=alpha')).json().data.map((e: { id: string }) => e.id)).toEqual([mine[3].id, mine[0].id]);
  });

  it('takes from/to as instants or as dates in tz (default: the org zone)', async () => {
    const ids = async (qs: string) => (await list(w.admin.accessToken, qs)).json().data.map((e: { id: string }) => e.id);
    expect(await ids(`from=2026-11-17&to=2026-11-17&userId=${w.member.userId}`)).toEqual([mine[2].id]);
    expect(await ids(`from=2026-11-17&to=2026-11-17&tz=Europe/Berlin&userId=${w.member.userId}`)).toEqual([mine[2].id, mine[1].id]);
    expect(await ids(`from=2026-11-16T23:00:00Z&to=2026-11-17T09:00:00Z`)).toEqual([mine[1].id]);
  });

  it('lets a manager list a managed project, and nothing of others beyond their own', async () => {
    expect((await list(w.manager.accessToken, `projectId=${w.project.id}`)).json().data).toHaveLength(5);
    expect((await list(w.manager.accessToken, '')).json().data).toHaveLength(0);
    expect((await list(w.member.accessToken, `projectId=${w.project.id}`)).json().data).toHaveLength(4);
    expect((await list(w.member.accessToken, `userId=${w.peer.userId}`)).json().data).toHaveLength(0);
  });

  it('refuses a bad zone, bound, cursor or limit', async () => {
    expectProblem(await list(w.admin.accessToken, 'tz=Mars/Olympus'), 400, 'VALIDATION_FAILED');
    expectProblem(await list(w.admin.accessToken, 'from=yesterday'), 400, 'VALIDATION_FAILED');
    expectProblem(await list(w.admin.accessToken, 'to=2026-02-30'), 400, 'VALIDATION_FAILED');
    expectProblem(await list(w.admin.accessToken, 'cursor=abc'), 400, 'VALIDATION_FAILED');
    expectProblem(await list(w.admin.accessToken, 'limit=101'), 400, 'VALIDATION_FAILED');
    expectProblem(await list(w.admin.accessToken, 'billable=maybe'), 400, 'VALIDATION_FAILED');
  });
});

describe('rates', () => {
  it('resolve project member > project > org member > org, and stay on the entry', async () => {
    const plain = await createProject(t, w.owner.accessToken, w.orgId);
    const rated = await createProject(t, w.owner.accessToken, w.orgId, { hourlyRateMinor: 15_000, currency: 'CHF' });
    for (const p of [plain, rated]) await putMember(t, w.owner.accessToken, w.orgId, p.id, w.peer.userId, 'contributor');
    let day = 1;
    const log = async (projectId: string) =>
      (await logTime(t, w.peer.accessToken, w.orgId, { projectId, start: `2026-09-${String(day++).padStart(2, '0')}T09:00:00Z`, durationSeconds: 3600 }));

    expect(await log(plain.id)).toMatchObject({ hourlyRateMinor: null, currency: 'EUR' });
    expect((await call(t, w.admin.accessToken, 'PATCH', url('/time-settings'), { hourlyRateMinor: 10_000 })).json().hourlyRateMinor).toBe(10_000);
    expect((await log(plain.id)).hourlyRateMinor).toBe(10_000);
    const put = await call(t, w.admin.accessToken, 'PUT', url(`/member-rates/${w.peer.userId}`), { hourlyRateMinor: 12_000 });
    expect(put.statusCode, put.body).toBe(200);
    expect(put.json()).toMatchObject({ userId: w.peer.userId, hourlyRateMinor: 12_000 });
    const atMemberRate = await log(plain.id);
    expect(atMemberRate.hourlyRateMinor).toBe(12_000);
    expect(await log(rated.id)).toMatchObject({ hourlyRateMinor: 15_000, currency: 'CHF' });
    await putMember(t, w.owner.accessToken, w.orgId, rated.id, w.peer.userId, 'contributor');
    const pm = await call(t, w.owner.accessToken, 'PUT', orgUrl(w.orgId, `/projects/${rated.id}/members/${w.peer.userId}`), { role: 'contributor', hourlyRateMinor: 20_000 });
    expect(pm.statusCode, pm.body).toBe(200);
    expect((await log(rated.id)).hourlyRateMinor).toBe(20_000);

    // A later rate change does not rewrite history, nor does an unrelated edit.
    await call(t, w.admin.accessToken, 'PUT', url(`/member-rates/${w.peer.userId}`), { hourlyRateMinor: 99_000 });
    expect((await call(t, w.peer.accessToken, 'GET', url(`/time-entries/${atMemberRate.id}`))).json().hourlyRateMinor).toBe(12_000);
    const edited = await call(t, w.peer.accessToken, 'PATCH', url(`/time-entries/${atMemberRate.id}`), { description: 'still the old rate' });
    expect(edited.json().hourlyRateMinor).toBe(12_000);
    expect((await log(plain.id)).hourlyRateMinor).toBe(99_000);
    // Moving the entry to another project is a new write there: the rate is resolved again.
    const moved = await call(t, w.peer.accessToken, 'PATCH', url(`/time-entries/${atMemberRate.id}`), { projectId: rated.id });
    expect(moved.json()).toMatchObject({ hourlyRateMinor: 20_000, currency: 'CHF' });

    const listed = await call(t, w.admin.accessToken, 'GET', url('/member-rates'));
    expect(listed.json().data).toEqual([{ userId: w.peer.userId, hourlyRateMinor: 99_000, updatedAt: expect.any(String) }]);
    expect((await call(t, w.admin.accessToken, 'DELETE', url(`/member-rates/${w.peer.userId}`))).statusCode).toBe(204);
    expectProblem(await call(t, w.admin.accessToken, 'DELETE', url(`/member-rates/${w.peer.userId}`)), 404, 'TIME.RATE_NOT_FOUND');
  });

  it('member rates are for admins, for members of the org, with a valid amount', async () => {
    expectProblem(await call(t, w.member.accessToken, 'PUT', url(`/member-rates/${w.member.userId}`), { hourlyRateMinor: 1 }), 403, 'FORBIDDEN');
    expectProblem(await call(t, w.member.accessToken, 'GET', url('/member-rates')), 403, 'FORBIDDEN');
    const stranger = await newUser(t);
    expectProblem(await call(t, w.admin.accessToken, 'PUT', url(`/member-rates/${stranger.userId}`), { hourlyRateMinor: 1 }), 404, 'TIME.MEMBER_NOT_FOUND');
    for (const hourlyRateMinor of [-1, 1.5, '100', null]) {
      expectProblem(await call(t, w.admin.accessToken, 'PUT', url(`/member-rates/${w.member.userId}`), { hourlyRateMinor }), 400, 'VALIDATION_FAILED');
    }
  });
});

describe('settings and rounding rules', () => {
  it('settings: everyone reads, admins write, values are checked', async () => {
    const got = await call(t, w.viewer.accessToken, 'GET', url('/time-settings'));
    expect(got.statusCode).toBe(200);
    expect(got.json()).toMatchObject({ weekStartsOn: 'monday', currency: 'EUR', timeZone: 'UTC' });
    for (const body of [{ weekStartsOn: 'friday' }, { lockDate: '2026-02-30' }, { lockDate: 'soon' }, { hourlyRateMinor: -5 }]) {
      expectProblem(await call(t, w.admin.accessToken, 'PATCH', url('/time-settings'), body), 400, 'VALIDATION_FAILED');
    }
    const res = await call(t, w.owner.accessToken, 'PATCH', url('/time-settings'), { weekStartsOn: 'sunday' });
    expect(res.json()).toMatchObject({ weekStartsOn: 'sunday', hourlyRateMinor: 10_000 });
    await call(t, w.owner.accessToken, 'PATCH', url('/time-settings'), { weekStartsOn: 'monday', hourlyRateMinor: null });
  });

  it('the most specific rule rounds each entry view; raw durations stay beside it', async () => {
    const acme = await createProject(t, w.owner.accessToken, w.orgId, { client: 'Acme' });
    const own = await createProject(t, w.owner.accessToken, w.orgId, { client: 'Acme' });
    for (const p of [acme, own]) await putMember(t, w.owner.accessToken, w.orgId, p.id, w.member.userId, 'contributor');
    const a = await logTime(t, w.member.accessToken, w.orgId, { projectId: acme.id, start: '2026-10-01T09:00:00Z', durationSeconds: 1000 });
    const b = await logTime(t, w.member.accessToken, w.orgId, { projectId: own.id, start: '2026-10-01T10:00:00Z', durationSeconds: 1000 });
    const c = await logTime(t, w.member.accessToken, w.orgId, { projectId: w.project.id, start: '2026-10-01T11:00:00Z', durationSeconds: 1000 });
    const rounded = async (id: string) => (await call(t, w.member.accessToken, 'GET', url(`/time-entries/${id}`))).json().roundedSeconds;

    const put = (body: Record<string, unknown>) => call(t, w.admin.accessToken, 'PUT', url('/rounding-rules'), body);
    const org = await put({ scope: 'org', minutes: 30, mode: 'up' });
    expect(org.statusCode, org.body).toBe(200);
    expect(org.json()).toMatchObject({ scope: 'org', target: null, minutes: 30, mode: 'up' });
    expect((await put({ scope: 'client', target: 'Acme', minutes: 15, mode: 'nearest' })).statusCode).toBe(200);
    const projectRule = await put({ scope: 'project', target: own.id, minutes: 6, mode: 'down' });
    expect([await rounded(a.id), await rounded(b.id), await rounded(c.id)]).toEqual([900, 720, 1800]);
    // A second PUT for the same scope and target replaces the rule.
    const replaced = await put({ scope: 'project', target: own.id, minutes: 10, mode: 'up' });
    expect(replaced.json().id).toBe(projectRule.json().id);
    expect(await rounded(b.id)).toBe(1200);
    const view = await call(t, w.member.accessToken, 'GET', url(`/time-entries/${b.id}`));
    expect(view.json()).toMatchObject({ durationSeconds: 1000, roundedSeconds: 1200 });

    const rules = (await call(t, w.viewer.accessToken, 'GET', url('/rounding-rules'))).json().data;
    expect(rules.map((r: { scope: string }) => r.scope).sort()).toEqual(['client', 'org', 'project']);
    expect((await call(t, w.admin.accessToken, 'DELETE', url(`/rounding-rules/${replaced.json().id}`))).statusCode).toBe(204);
    expect(await rounded(b.id)).toBe(900); // the client rule applies again
    expectProblem(await call(t, w.admin.accessToken, 'DELETE', url(`/rounding-rules/${replaced.json().id}`)), 404, 'TIME.RULE_NOT_FOUND');
    for (const r of rules.filter((x: { id: string }) => x.id !== replaced.json().id)) await call(t, w.admin.accessToken, 'DELETE', url(`/rounding-rules/${r.id}`));
    expect(await rounded(c.id)).toBe(1000);
  });

  it('rounding rules are checked and written by admins only', async () => {
    const put = (token: string, body: Record<string, unknown>) => call(t, token, 'PUT', url('/rounding-rules'), body);
    expectProblem(await put(w.member.accessToken, { scope: 'org', minutes: 15, mode: 'up' }), 403, 'FORBIDDEN');
    for (const body of [
      { scope: 'org', minutes: 0, mode: 'up' },
      { scope: 'org', minutes: 61, mode: 'up' },
      { scope: 'org', minutes: 15, mode: 'sideways' },
      { scope: 'team', minutes: 15, mode: 'up' },
      { scope: 'org', target: 'x', minutes: 15, mode: 'up' },
      { scope: 'client', minutes: 15, mode: 'up' },
    ]) {
      expectProblem(await put(w.admin.accessToken, body), 400, 'VALIDATION_FAILED');
    }
    expectProblem(await put(w.admin.accessToken, { scope: 'project', target: '00000000-0000-7000-8000-000000000000', minutes: 15, mode: 'up' }), 400, 'TIME.UNKNOWN_PROJECT');
    expectProblem(await put(w.admin.accessToken, { scope: 'project', target: 'not-a-uuid', minutes: 15, mode: 'up' }), 400, 'TIME.UNKNOWN_PROJECT');
  });
});
