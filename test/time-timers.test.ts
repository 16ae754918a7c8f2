// Timers (start, stop, restart, open-ended overlaps) on a clock the test moves, and budget
// thresholds announced once each.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, expectProblem, type TestApp } from './harness.ts';
import { call, createProject, putMember } from './projects-fixture.ts';
import { logTime, movableClock, orgUrl, outbox, type TimeWorkspace, timeWorkspace } from './time-fixture.ts';

let t: TestApp;
let w: TimeWorkspace;
const clock = movableClock({ frozen: true });
const url = (rest: string) => orgUrl(w.orgId, rest);
const MIN = 60_000;

beforeAll(async () => {
  t = await createTestApp({ overrides: { clock } });
  w = await timeWorkspace(t);
});
afterAll(() => t?.close());

describe('timers', () => {
  it('start, restart and stop: the stopped timer becomes an entry', async () => {
    const token = w.member.accessToken;
    expectProblem(await call(t, token, 'GET', url('/timer')), 404, 'TIME.NO_TIMER');
    expectProblem(await call(t, token, 'POST', url('/timer/stop')), 404, 'TIME.NO_TIMER');

    const first = await call(t, token, 'POST', url('/timer/start'), { projectId: w.project.id, description: 'Coding', tags: ['dev'] });
    expect(first.statusCode, first.body).toBe(201);
    const timer1 = first.json().timer;
    expect(first.json().stopped).toBeNull();
    expect(timer1).toMatchObject({ userId: w.member.userId, end: null, durationSeconds: null, roundedSeconds: null, description: 'Coding', tags: ['dev'] });
    expect((await call(t, token, 'GET', url('/timer'))).json()).toEqual(timer1);

    clock.advance(10 * MIN);
    const second = await call(t, token, 'POST', url('/timer/start'), { projectId: w.project.id, description: 'Review' });
    expect(second.statusCode, second.body).toBe(201);
    const { timer: timer2, stopped } = second.json();
    expect(stopped).toMatchObject({ id: timer1.id, durationSeconds: 600, end: timer2.start });
    expect((await call(t, token, 'GET', url('/timer'))).json().id).toBe(timer2.id);
    const running = await t.database.db.selectFrom('time_tracking.entries').select('id').where('user_id', '=', w.member.userId).where('end_at', 'is', null).execute();
    expect(running).toEqual([{ id: timer2.id }]);

    clock.advance(5 * MIN);
    const stop = await call(t, token, 'POST', url('/timer/stop'));
    expect(stop.statusCode, stop.body).toBe(200);
    expect(stop.json()).toMatchObject({ id: timer2.id, durationSeconds: 300 });
    expectProblem(await call(t, token, 'GET', url('/timer')), 404, 'TIME.NO_TIMER');

    const started = (await outbox(t, 'time.timer_started', w.orgId)).map((e) => e.payload.entryId);
    const stoppedEvents = (await outbox(t, 'time.timer_stopped', w.orgId)).map((e) => e.payload);
    expect(started).toEqual([timer1.id, timer2.id]);
    expect(stoppedEvents.map((p) => [p.entryId, p.durationSeconds])).toEqual([
      [timer1.id, 600],
      [timer2.id, 300],
    ]);
  });

  it('a running timer is open-ended: later entries clash with it, earlier ones touch it', async () => {
    const token = w.peer.accessToken;
    clock.advance(60 * MIN);
    const { timer } = (await call(t, token, 'POST', url('/timer/start'), { projectId: w.project.id })).json();
    const startMs = Date.parse(timer.start);
    const iso = (ms: number) => new Date(ms).toISOString();
    const clash = await call(t, token, 'POST', url('/time-entries'), { projectId: w.project.id, start: iso(startMs + 3 * 3_600_000), durationSeconds: 60 });
    expect(expectProblem(clash, 409, 'TIME.ENTRY_OVERLAP').clashes).toEqual([{ id: timer.id, start: timer.start, end: null }]);
    await logTime(t, token, w.orgId, { projectId: w.project.id, start: iso(startMs - 3_600_000), end: timer.start });

    // Its end is set by stopping it, not by editing; other fields can be edited.
    expectProblem(await call(t, token, 'PATCH', url(`/time-entries/${timer.id}`), { end: iso(startMs + 60_000) }), 409, 'TIME.TIMER_RUNNING');
    const edited = await call(t, token, 'PATCH', url(`/time-entries/${timer.id}`), { description: 'Support' });
    expect(edited.json()).toMatchObject({ description: 'Support', end: null });
    clock.advance(MIN);
    expect((await call(t, token, 'POST', url('/timer/stop'))).json().durationSeconds).toBe(60);
  });

  it('a timer cannot start where an entry already lies ahead of now', async () => {
    const token = w.peer.accessToken;
    const ahead = await logTime(t, token, w.orgId, { projectId: w.project.id, start: new Date(clock.now().getTime() + 3_600_000).toISOString(), durationSeconds: 600 });
    const res = await call(t, token, 'POST', url('/timer/start'), { projectId: w.project.id });
    expect(expectProblem(res, 409, 'TIME.ENTRY_OVERLAP').clashes.map((c: { id: string }) => c.id)).toEqual([ahead.id]);
    expect((await call(t, token, 'DELETE', url(`/time-entries/${ahead.id}`))).statusCode).toBe(204);
  });

  it('refuses viewers, archived projects and bad bodies', async () => {
    expectProblem(await call(t, w.viewer.accessToken, 'POST', url('/timer/start'), { projectId: w.project.id }), 403, 'FORBIDDEN');
    expectProblem(await call(t, w.viewer.accessToken, 'POST', url('/timer/stop')), 403, 'FORBIDDEN');
    expectProblem(await call(t, w.viewer.accessToken, 'GET', url('/timer')), 404, 'TIME.NO_TIMER');
    expectProblem(await call(t, w.member.accessToken, 'POST', url('/timer/start'), {}), 400, 'VALIDATION_FAILED');
    expectProblem(await call(t, w.member.accessToken, 'POST', url('/timer/start'), { projectId: w.project.id, billable: 'yes' }), 400, 'VALIDATION_FAILED');
    const p = await createProject(t, w.owner.accessToken, w.orgId);
    await putMember(t, w.owner.accessToken, w.orgId, p.id, w.member.userId, 'contributor');
    // A timer started before the archive can still be stopped: finishing a record is not editing history.
    clock.advance(MIN);
    expect((await call(t, w.member.accessToken, 'POST', url('/timer/start'), { projectId: p.id })).statusCode).toBe(201);
    await call(t, w.owner.accessToken, 'POST', orgUrl(w.orgId, `/projects/${p.id}/archive`));
    expectProblem(await call(t, w.member.accessToken, 'POST', url('/timer/start'), { projectId: p.id }), 409, 'TIME.PROJECT_ARCHIVED');
    clock.advance(MIN);
    expect((await call(t, w.member.accessToken, 'POST', url('/timer/stop'))).statusCode).toBe(200);
  });
});

describe('budget thresholds', () => {
  it('80 % and 100 % of hours and of money are announced once each', async () => {
    const p = await createProject(t, w.owner.accessToken, w.orgId, { budgetHours: 10, budgetMinor: 50_000, hourlyRateMinor: 10_000 });
    await putMember(t, w.owner.accessToken, w.orgId, p.id, w.member.userId, 'contributor');
    const fired = async () => (await outbox(t, 'time.budget_threshold_reached', w.orgId)).filter((e) => e.payload.projectId === p.id).map((e) => e.payload);
    let day = 0;
    const log = (hours: number, billable: boolean) => {
      day++;
      return logTime(t, w.member.accessToken, w.orgId, { projectId: p.id, start: new Date(Date.UTC(2026, 0, 5 + day)).toISOString(), durationSeconds: hours * 3600, billable });
    };

    await log(7, false);
    expect(await fired()).toEqual([]);
    const eight = await log(1, false); // 8 h of 10: 80 % of hours; no billable money yet
    expect(await fired()).toEqual([{ projectId: p.id, kind: 'hours', threshold: 80, spent: 8, budget: 10 }]);
    await log(4, true); // 12 h: 100 % of hours; 400.00 of 500.00: 80 % of money
    expect(await fired()).toHaveLength(3);
    expect((await fired()).slice(1)).toEqual(
      expect.arrayContaining([
        { projectId: p.id, kind: 'hours', threshold: 100, spent: 12, budget: 10 },
        { projectId: p.id, kind: 'money', threshold: 80, spent: 40_000, budget: 50_000 },
      ]),
    );
    // Going down and up again announces nothing twice.
    expect((await call(t, w.member.accessToken, 'DELETE', url(`/time-entries/${eight.id}`))).statusCode).toBe(204);
    await log(1, false);
    await log(1, true); // 500.00: 100 % of money
    await log(2, true);
    const all = await fired();
    expect(all).toHaveLength(4);
    expect(all[3]).toEqual({ projectId: p.id, kind: 'money', threshold: 100, spent: 50_000, budget: 50_000 });
    const recorded = await t.database.db.selectFrom('time_tracking.budget_alerts').select(['kind', 'threshold']).where('project_id', '=', p.id).execute();
    expect(recorded).toHaveLength(4);
  });

  it('a stopped timer counts towards the budget too', async () => {
    const p = await createProject(t, w.owner.accessToken, w.orgId, { budgetHours: 1 });
    await putMember(t, w.owner.accessToken, w.orgId, p.id, w.peer.userId, 'contributor');
    clock.advance(60 * MIN);
    expect((await call(t, w.peer.accessToken, 'POST', url('/timer/start'), { projectId: p.id })).statusCode).toBe(201);
    clock.advance(50 * MIN);
    expect((await call(t, w.peer.accessToken, 'POST', url('/timer/stop'))).statusCode).toBe(200);
    const events = (await outbox(t, 'time.budget_threshold_reached', w.orgId)).filter((e) => e.payload.projectId === p.id);
    expect(events.map((e) => [e.payload.kind, e.payload.threshold])).toEqual([['hours', 80]]);
  });
});
