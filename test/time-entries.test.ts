// Time entries over HTTP: the contract, validation, overlaps, frozen time (archived
// projects, the lock date) and who may write whose entries.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, expectProblem, type TestApp } from './harness.ts';
import { call, createProject, putMember } from './projects-fixture.ts';
import { logTime, orgUrl, outbox, type TimeWorkspace, timeWorkspace } from './time-fixture.ts';
import { addMember, createOrg, newUser } from './workspace.ts';

let t: TestApp;
let w: TimeWorkspace;
const entriesUrl = (rest = '') => orgUrl(w.orgId, `/time-entries${rest}`);

beforeAll(async () => {
  t = await createTestApp();
  w = await timeWorkspace(t, { billableDefault: true });
});
afterAll(() => t?.close());

describe('time entries: create and read', () => {
  it('logs time with an end, derives the duration and publishes time.entry_created', async () => {
    const e = await logTime(t, w.member.accessToken, w.orgId, {
      projectId: w.project.id,
      start: '2026-03-02T09:00:00.789Z',
      end: '2026-03-02T10:30:00Z',
      description: 'Planning',
      tags: ['meeting', ' meeting ', 'plan'],
    });
    expect(e).toMatchObject({
      orgId: w.orgId,
      userId: w.member.userId,
      projectId: w.project.id,
      taskId: null,
      start: '2026-03-02T09:00:00.000Z', // truncated to the second
      end: '2026-03-02T10:30:00.000Z',
      durationSeconds: 5400,
      roundedSeconds: 5400,
      description: 'Planning',
      billable: true, // the project's billableDefault
      tags: ['meeting', 'plan'],
      hourlyRateMinor: null,
      currency: 'EUR',
    });
    const events = await outbox(t, 'time.entry_created', w.orgId);
    expect(events.find((ev) => ev.payload.entryId === e.id)).toMatchObject({ actor_id: w.member.userId, payload: { durationSeconds: 5400, projectId: w.project.id } });
    const got = await call(t, w.member.accessToken, 'GET', entriesUrl(`/${e.id}`));
    expect(got.statusCode).toBe(200);
    expect(got.json()).toEqual(e);
  });

  it('accepts durationSeconds instead of end, and an explicit billable flag', async () => {
    const e = await logTime(t, w.member.accessToken, w.orgId, { projectId: w.project.id, start: '2026-03-02T12:00:00+01:00', durationSeconds: 1800, billable: false });
    expect(e).toMatchObject({ start: '2026-03-02T11:00:00.000Z', end: '2026-03-02T11:30:00.000Z', durationSeconds: 1800, billable: false });
  });

  it('links a task of the project, and refuses a task of another project', async () => {
    const task = await call(t, w.owner.accessToken, 'POST', orgUrl(w.orgId, `/projects/${w.project.id}/tasks`), { name: 'Design' });
    expect(task.statusCode, task.body).toBe(201);
    const e = await logTime(t, w.member.accessToken, w.orgId, { projectId: w.project.id, taskId: task.json().id, start: '2026-03-03T09:00:00Z', durationSeconds: 600 });
    expect(e.taskId).toBe(task.json().id);
    const other = await createProject(t, w.owner.accessToken, w.orgId);
    const res = await call(t, w.owner.accessToken, 'POST', entriesUrl(), { projectId: other.id, taskId: task.json().id, start: '2026-03-03T10:00:00Z', durationSeconds: 60 });
    expect(expectProblem(res, 400, 'TIME.TASK_NOT_IN_PROJECT').errors).toEqual([{ field: 'body.taskId', message: expect.any(String) }]);
  });

  it('refuses bad input field by field', async () => {
    const p = w.project.id;
    const cases: [Record<string, unknown>, number, string][] = [
      [{ projectId: p, start: '2026-03-04T10:00:00Z', end: '2026-03-04T10:00:00Z' }, 400, 'TIME.INVALID_RANGE'],
      [{ projectId: p, start: '2026-03-04T10:00:00Z', end: '2026-03-04T09:00:00Z' }, 400, 'TIME.INVALID_RANGE'],
      [{ projectId: p, start: '2026-03-04T10:00:00Z' }, 400, 'VALIDATION_FAILED'],
      [{ projectId: p, start: '2026-03-04T10:00:00Z', end: '2026-03-04T11:00:00Z', durationSeconds: 3600 }, 400, 'VALIDATION_FAILED'],
      [{ projectId: p, start: '2026-03-04 10:00', durationSeconds: 60 }, 400, 'VALIDATION_FAILED'],
      [{ projectId: p, start: '2026-03-04T10:00:00', durationSeconds: 60 }, 400, 'VALIDATION_FAILED'], // no offset
      [{ projectId: p, start: '2026-03-04T10:00:00Z', durationSeconds: 0 }, 400, 'VALIDATION_FAILED'],
      [{ projectId: p, start: '2026-03-04T10:00:00Z', durationSeconds: '60' }, 400, 'VALIDATION_FAILED'],
      [{ projectId: 'nope', start: '2026-03-04T10:00:00Z', durationSeconds: 60 }, 400, 'VALIDATION_FAILED'],
      [{ projectId: p, start: '2026-03-04T10:00:00Z', durationSeconds: 60, tags: ['x'.repeat(41)] }, 400, 'VALIDATION_FAILED'],
      [{ projectId: '00000000-0000-7000-8000-000000000000', start: '2026-03-04T10:00:00Z', durationSeconds: 60 }, 404, 'PROJECTS.NOT_FOUND'],
    ];
    for (const [payload, status, code] of cases) expectProblem(await call(t, w.member.accessToken, 'POST', entriesUrl(), payload), status, code);
  });

  it('drops unknown properties instead of storing them', async () => {
    const e = await logTime(t, w.member.accessToken, w.orgId, { projectId: w.project.id, start: '2026-03-05T09:00:00Z', durationSeconds: 60, hourlyRateMinor: 1, orgId: 'x' });
    expect(e.hourlyRateMinor).toBeNull();
    expect(e.orgId).toBe(w.orgId);
  });

  it('answers 404 for an unknown entry and 400 for a malformed id', async () => {
    expectProblem(await call(t, w.member.accessToken, 'GET', entriesUrl('/00000000-0000-7000-8000-000000000000')), 404, 'TIME.ENTRY_NOT_FOUND');
    expectProblem(await call(t, w.member.accessToken, 'GET', entriesUrl('/abc')), 400, 'VALIDATION_FAILED');
  });
});

describe('time entries: overlaps', () => {
  it('refuses an overlapping entry with 409 listing each clash; touching entries are fine', async () => {
    const a = await logTime(t, w.peer.accessToken, w.orgId, { projectId: w.project.id, start: '2026-04-01T09:00:00Z', end: '2026-04-01T10:00:00Z' });
    const b = await logTime(t, w.peer.accessToken, w.orgId, { projectId: w.project.id, start: '2026-04-01T10:00:00Z', end: '2026-04-01T11:00:00Z' });
    const res = await call(t, w.peer.accessToken, 'POST', entriesUrl(), { projectId: w.project.id, start: '2026-04-01T09:30:00Z', end: '2026-04-01T10:15:00Z' });
    const body = expectProblem(res, 409, 'TIME.ENTRY_OVERLAP');
    expect(body.clashes).toEqual([
      { id: a.id, start: '2026-04-01T09:00:00.000Z', end: '2026-04-01T10:00:00.000Z' },
      { id: b.id, start: '2026-04-01T10:00:00.000Z', end: '2026-04-01T11:00:00.000Z' },
    ]);
    await logTime(t, w.peer.accessToken, w.orgId, { projectId: w.project.id, start: '2026-04-01T08:00:00Z', end: '2026-04-01T09:00:00Z' });
    // Another person may work at the same time.
    await logTime(t, w.member.accessToken, w.orgId, { projectId: w.project.id, start: '2026-04-01T09:30:00Z', end: '2026-04-01T10:15:00Z' });
  });

  it('checks an update against the other entries but not against itself', async () => {
    const a = await logTime(t, w.peer.accessToken, w.orgId, { projectId: w.project.id, start: '2026-04-02T09:00:00Z', end: '2026-04-02T10:00:00Z' });
    const b = await logTime(t, w.peer.accessToken, w.orgId, { projectId: w.project.id, start: '2026-04-02T11:00:00Z', end: '2026-04-02T12:00:00Z' });
    const ok = await call(t, w.peer.accessToken, 'PATCH', entriesUrl(`/${a.id}`), { end: '2026-04-02T11:00:00Z' });
    expect(ok.statusCode, ok.body).toBe(200);
    expect(ok.json()).toMatchObject({ durationSeconds: 7200, start: '2026-04-02T09:00:00.000Z' });
    const bad = await call(t, w.peer.accessToken, 'PATCH', entriesUrl(`/${a.id}`), { durationSeconds: 7201 });
    expect(expectProblem(bad, 409, 'TIME.ENTRY_OVERLAP').clashes.map((c: { id: string }) => c.id)).toEqual([b.id]);
    expectProblem(await call(t, w.peer.accessToken, 'PATCH', entriesUrl(`/${a.id}`), { start: '2026-04-02T11:30:00Z' }), 400, 'TIME.INVALID_RANGE');
  });
});

describe('time entries: overlaps under concurrency', () => {
  it('of two overlapping entries sent at once, exactly one is written', async () => {
    const body = (minute: string) => ({ projectId: w.project.id, start: `2026-04-03T09:${minute}:00Z`, durationSeconds: 1800 });
    const results = await Promise.all(['00', '10', '20', '05'].map((m) => call(t, w.peer.accessToken, 'POST', entriesUrl(), body(m))));
    expect(results.map((r) => r.statusCode).sort()).toEqual([201, 409, 409, 409]);
  });

  it('a GiST exclusion constraint refuses overlaps even around the service', async () => {
    const row = (id: string, start: string, end: string | null) => ({
      id,
      org_id: w.orgId,
      user_id: w.peer.userId,
      project_id: w.project.id,
      start_at: new Date(start),
      end_at: end ? new Date(end) : null,
      billable: true,
      currency: 'EUR',
      created_by: w.peer.userId,
    });
    const insert = (r: ReturnType<typeof row>) => t.database.db.insertInto('time_tracking.entries').values(r).execute();
    await insert(row('01900000-0000-7000-8000-000000000001', '2026-04-04T09:00:00Z', '2026-04-04T10:00:00Z'));
    await insert(row('01900000-0000-7000-8000-000000000002', '2026-04-04T10:00:00Z', '2026-04-04T11:00:00Z')); // touching
    await expect(insert(row('01900000-0000-7000-8000-000000000003', '2026-04-04T10:30:00Z', '2026-04-04T10:45:00Z'))).rejects.toMatchObject({ code: '23P01' });
    // A NULL end is open-ended in SQL too.
    await insert(row('01900000-0000-7000-8000-000000000004', '2026-04-05T09:00:00Z', null));
    await expect(insert(row('01900000-0000-7000-8000-000000000005', '2026-04-06T09:00:00Z', '2026-04-06T10:00:00Z'))).rejects.toMatchObject({ code: '23P01' });
    await t.database.db.deleteFrom('time_tracking.entries').where('id', 'in', ['01900000-0000-7000-8000-000000000001', '01900000-0000-7000-8000-000000000002', '01900000-0000-7000-8000-000000000004']).execute();
  });
});

describe('time entries: frozen time', () => {
  it('entries of an archived project are read-only (409 TIME.PROJECT_ARCHIVED)', async () => {
    const p = await createProject(t, w.owner.accessToken, w.orgId);
    await putMember(t, w.owner.accessToken, w.orgId, p.id, w.member.userId, 'contributor');
    const e = await logTime(t, w.member.accessToken, w.orgId, { projectId: p.id, start: '2026-05-01T09:00:00Z', durationSeconds: 600 });
    expect((await call(t, w.owner.accessToken, 'POST', orgUrl(w.orgId, `/projects/${p.id}/archive`))).statusCode).toBe(200);
    expectProblem(await call(t, w.member.accessToken, 'POST', entriesUrl(), { projectId: p.id, start: '2026-05-02T09:00:00Z', durationSeconds: 60 }), 409, 'TIME.PROJECT_ARCHIVED');
    expectProblem(await call(t, w.member.accessToken, 'PATCH', entriesUrl(`/${e.id}`), { description: 'x' }), 409, 'TIME.PROJECT_ARCHIVED');
    expectProblem(await call(t, w.owner.accessToken, 'DELETE', entriesUrl(`/${e.id}`)), 409, 'TIME.PROJECT_ARCHIVED');
    // Nor can an entry be moved into an archived project.
    const other = await logTime(t, w.member.accessToken, w.orgId, { projectId: w.project.id, start: '2026-05-03T09:00:00Z', durationSeconds: 60 });
    expectProblem(await call(t, w.owner.accessToken, 'PATCH', entriesUrl(`/${other.id}`), { projectId: p.id }), 409, 'TIME.PROJECT_ARCHIVED');
    expect((await call(t, w.member.accessToken, 'GET', entriesUrl(`/${e.id}`))).statusCode).toBe(200);
  });

  it('the lock date freezes entries that start before it, in the org time zone', async () => {
    const before = await logTime(t, w.member.accessToken, w.orgId, { projectId: w.project.id, start: '2026-06-30T21:00:00Z', durationSeconds: 600 });
    const after = await logTime(t, w.member.accessToken, w.orgId, { projectId: w.project.id, start: '2026-07-01T00:00:00Z', durationSeconds: 600 });
    expectProblem(await call(t, w.member.accessToken, 'PATCH', orgUrl(w.orgId, '/time-settings'), { lockDate: '2026-07-01' }), 403, 'FORBIDDEN');
    const set = await call(t, w.admin.accessToken, 'PATCH', orgUrl(w.orgId, '/time-settings'), { lockDate: '2026-07-01' });
    expect(set.statusCode, set.body).toBe(200);
    expect(set.json()).toMatchObject({ lockDate: '2026-07-01', timeZone: 'UTC' });

    expect(expectProblem(await call(t, w.member.accessToken, 'PATCH', entriesUrl(`/${before.id}`), { description: 'late edit' }), 409, 'TIME.LOCKED').lockDate).toBe('2026-07-01');
    expectProblem(await call(t, w.member.accessToken, 'DELETE', entriesUrl(`/${before.id}`)), 409, 'TIME.LOCKED');
    expectProblem(await call(t, w.member.accessToken, 'POST', entriesUrl(), { projectId: w.project.id, start: '2026-06-30T23:59:59Z', durationSeconds: 1 }), 409, 'TIME.LOCKED');
    // Moving an open entry back before the lock date is an edit of locked time too.
    expectProblem(await call(t, w.member.accessToken, 'PATCH', entriesUrl(`/${after.id}`), { start: '2026-06-29T00:00:00Z' }), 409, 'TIME.LOCKED');
    const ok = await call(t, w.member.accessToken, 'PATCH', entriesUrl(`/${after.id}`), { description: 'fine' });
    expect(ok.statusCode, ok.body).toBe(200);

    // In Berlin, 1 July starts at 22:00 UTC on 30 June: the 21:00 entry stays locked, a 22:30 one is open.
    expect((await call(t, w.owner.accessToken, 'PATCH', `/api/v1/orgs/${w.orgId}`, { timezone: 'Europe/Berlin' })).statusCode).toBe(200);
    await logTime(t, w.member.accessToken, w.orgId, { projectId: w.project.id, start: '2026-06-30T22:30:00Z', durationSeconds: 60 });
    expectProblem(await call(t, w.member.accessToken, 'PATCH', entriesUrl(`/${before.id}`), { description: 'x' }), 409, 'TIME.LOCKED');
    await call(t, w.owner.accessToken, 'PATCH', `/api/v1/orgs/${w.orgId}`, { timezone: 'UTC' });
    const cleared = await call(t, w.owner.accessToken, 'PATCH', orgUrl(w.orgId, '/time-settings'), { lockDate: null });
    expect(cleared.json().lockDate).toBeNull();
    expect((await call(t, w.member.accessToken, 'DELETE', entriesUrl(`/${before.id}`))).statusCode).toBe(204);
  });
});

describe("time entries: whose entries one may write", () => {
  it("a member cannot see, edit or delete another member's entry (404)", async () => {
    const e = await logTime(t, w.peer.accessToken, w.orgId, { projectId: w.project.id, start: '2026-08-01T09:00:00Z', durationSeconds: 600 });
    for (const [method, payload] of [['GET'], ['PATCH', { description: 'mine now' }], ['DELETE']] as const) {
      expectProblem(await call(t, w.member.accessToken, method, entriesUrl(`/${e.id}`), payload), 404, 'TIME.ENTRY_NOT_FOUND');
    }
    expectProblem(await call(t, w.viewer.accessToken, 'PATCH', entriesUrl(`/${e.id}`), { description: 'x' }), 403, 'FORBIDDEN');
  });

  it("the project's manager and org admins edit anyone's entries in it", async () => {
    const e = await logTime(t, w.peer.accessToken, w.orgId, { projectId: w.project.id, start: '2026-08-02T09:00:00Z', durationSeconds: 600 });
    const byManager = await call(t, w.manager.accessToken, 'PATCH', entriesUrl(`/${e.id}`), { description: 'reviewed', tags: ['ok'] });
    expect(byManager.statusCode, byManager.body).toBe(200);
    expect(byManager.json()).toMatchObject({ userId: w.peer.userId, description: 'reviewed', tags: ['ok'] });
    const updated = await outbox(t, 'time.entry_updated', w.orgId);
    expect(updated.at(-1)).toMatchObject({ actor_id: w.manager.userId, payload: { entryId: e.id, fields: ['description', 'tags'] } });
    const byAdmin = await call(t, w.admin.accessToken, 'PATCH', entriesUrl(`/${e.id}`), { billable: false });
    expect(byAdmin.json().billable).toBe(false);
    expect((await call(t, w.admin.accessToken, 'DELETE', entriesUrl(`/${e.id}`))).statusCode).toBe(204);
    expect((await outbox(t, 'time.entry_deleted', w.orgId)).at(-1)?.payload).toMatchObject({ entryId: e.id, userId: w.peer.userId, durationSeconds: 600 });
    expectProblem(await call(t, w.peer.accessToken, 'GET', entriesUrl(`/${e.id}`)), 404, 'TIME.ENTRY_NOT_FOUND');
  });

  it("a manager's rights stop at the projects they manage", async () => {
    const p = await createProject(t, w.owner.accessToken, w.orgId);
    await putMember(t, w.owner.accessToken, w.orgId, p.id, w.peer.userId, 'contributor');
    const e = await logTime(t, w.peer.accessToken, w.orgId, { projectId: p.id, start: '2026-08-03T09:00:00Z', durationSeconds: 600 });
    expectProblem(await call(t, w.manager.accessToken, 'PATCH', entriesUrl(`/${e.id}`), { description: 'x' }), 404, 'TIME.ENTRY_NOT_FOUND');
    // And a manager cannot move an entry of their project into one they do not manage.
    const mine = await logTime(t, w.peer.accessToken, w.orgId, { projectId: w.project.id, start: '2026-08-04T09:00:00Z', durationSeconds: 600 });
    expectProblem(await call(t, w.manager.accessToken, 'PATCH', entriesUrl(`/${mine.id}`), { projectId: p.id }), 404, 'PROJECTS.NOT_FOUND');
  });

  it('writing for someone else takes a manager or an admin, and an org member as the subject', async () => {
    const body = { projectId: w.project.id, userId: w.peer.userId, start: '2026-08-05T09:00:00Z', durationSeconds: 600 };
    expectProblem(await call(t, w.member.accessToken, 'POST', entriesUrl(), body), 403, 'FORBIDDEN');
    const e = await logTime(t, w.manager.accessToken, w.orgId, body);
    expect(e.userId).toBe(w.peer.userId);
    const stranger = await newUser(t);
    expectProblem(await call(t, w.admin.accessToken, 'POST', entriesUrl(), { ...body, userId: stranger.userId, start: '2026-08-06T09:00:00Z' }), 400, 'TIME.NOT_A_MEMBER');
    // A member cannot hand an own entry to someone else; a manager can.
    const own = await logTime(t, w.member.accessToken, w.orgId, { projectId: w.project.id, start: '2026-08-07T09:00:00Z', durationSeconds: 600 });
    expectProblem(await call(t, w.member.accessToken, 'PATCH', entriesUrl(`/${own.id}`), { userId: w.peer.userId }), 403, 'FORBIDDEN');
    const moved = await call(t, w.manager.accessToken, 'PATCH', entriesUrl(`/${own.id}`), { userId: w.peer.userId });
    expect(moved.statusCode, moved.body).toBe(200);
    expect(moved.json().userId).toBe(w.peer.userId);
  });

  it('an org member who is not in the project cannot log time in it', async () => {
    const loner = await addMember(t, w.owner.accessToken, w.orgId, 'member');
    expectProblem(await call(t, loner.accessToken, 'POST', entriesUrl(), { projectId: w.project.id, start: '2026-08-08T09:00:00Z', durationSeconds: 60 }), 404, 'PROJECTS.NOT_FOUND');
    const viewerInProject = await call(t, w.viewer.accessToken, 'POST', entriesUrl(), { projectId: w.project.id, start: '2026-08-08T09:00:00Z', durationSeconds: 60 });
    expectProblem(viewerInProject, 403, 'FORBIDDEN');
  });

  it("a project in another org is not found, even for that org's owner", async () => {
    const foreign = await createOrg(t, w.outsider.accessToken);
    const p = await createProject(t, w.outsider.accessToken, foreign.id);
    expectProblem(await call(t, w.owner.accessToken, 'POST', entriesUrl(), { projectId: p.id, start: '2026-08-09T09:00:00Z', durationSeconds: 60 }), 404, 'PROJECTS.NOT_FOUND');
  });
});
