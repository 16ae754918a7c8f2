// The TimeApi façade the reports module codes against: aggregate (one SQL statement,
// rounding per entry, time zones, currencies), entries in keyset batches, settings.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TimeAggregateQuery, TimeApi } from '../src/modules/time/index.ts';
import { createTestApp, type TestApp } from './harness.ts';
import { call, createProject, putMember } from './projects-fixture.ts';
import { logTime, orgUrl, type TimeWorkspace, timeWorkspace } from './time-fixture.ts';

let t: TestApp;
let w: TimeWorkspace;
let api: TimeApi;
let acme: { id: string };
let swiss: { id: string };
const ids: Record<string, string> = {};
let timerStart: string;

beforeAll(async () => {
  t = await createTestApp();
  w = await timeWorkspace(t);
  api = t.app.apis.time;
  acme = await createProject(t, w.owner.accessToken, w.orgId, { client: 'Acme', hourlyRateMinor: 12_000 });
  swiss = await createProject(t, w.owner.accessToken, w.orgId, { currency: 'CHF', hourlyRateMinor: 9_000 });
  for (const p of [acme, swiss]) {
    await putMember(t, w.owner.accessToken, w.orgId, p.id, w.member.userId, 'contributor');
    await putMember(t, w.owner.accessToken, w.orgId, p.id, w.peer.userId, 'contributor');
  }
  const log = async (name: string, token: string, body: Record<string, unknown>) => {
    ids[name] = (await logTime(t, token, w.orgId, body)).id;
  };
  // 23:30 UTC on Monday 16 November is already Tuesday the 17th in Berlin.
  await log('late', w.member.accessToken, { projectId: acme.id, start: '2026-11-16T23:30:00Z', durationSeconds: 1000 });
  await log('tue', w.member.accessToken, { projectId: acme.id, start: '2026-11-17T08:00:00Z', durationSeconds: 3600, billable: false });
  await log('chf', w.peer.accessToken, { projectId: swiss.id, start: '2026-11-17T09:00:00Z', durationSeconds: 1800 });
  await log('sun', w.peer.accessToken, { projectId: acme.id, start: '2026-11-15T10:00:00Z', durationSeconds: 600 });
  await log('dec', w.peer.accessToken, { projectId: acme.id, start: '2026-12-01T10:00:00Z', durationSeconds: 60 });
  // A running timer is left out of every total.
  const timer = await call(t, w.member.accessToken, 'POST', orgUrl(w.orgId, '/timer/start'), { projectId: acme.id });
  expect(timer.statusCode).toBe(201);
  timerStart = timer.json().timer.start;
});
afterAll(() => t?.close());

const q = (over: Partial<TimeAggregateQuery> = {}): TimeAggregateQuery => ({
  orgId: w.orgId,
  from: new Date('2026-11-01T00:00:00Z'),
  to: new Date('2026-12-01T00:00:00Z'),
  groupBy: 'day',
  timeZone: 'UTC',
  ...over,
});
const byKey = (rows: { key: string | null }[]) => Object.fromEntries(rows.map((r) => [r.key, r]));

describe('TimeApi.aggregate', () => {
  it('groups by day in the given zone: 23:30 UTC lands on the next day in Berlin', async () => {
    const utc = await api.aggregate(q());
    expect(utc.rows.map((r) => [r.key, r.entries, r.durationSeconds])).toEqual([
      ['2026-11-15', 1, 600],
      ['2026-11-16', 1, 1000],
      ['2026-11-17', 2, 5400],
    ]);
    const berlin = await api.aggregate(q({ timeZone: 'Europe/Berlin' }));
    expect(berlin.rows.map((r) => [r.key, r.entries, r.durationSeconds])).toEqual([
      ['2026-11-15', 1, 600],
      ['2026-11-17', 3, 6400],
    ]);
    expect(berlin.totals).toEqual(utc.totals);
  });

  it('totals raw and billable time and money per currency, without rounding rules', async () => {
    const { rows, totals } = await api.aggregate(q({ groupBy: 'project' }));
    expect(totals).toEqual({
      entries: 4,
      durationSeconds: 7000,
      roundedSeconds: 7000,
      billableSeconds: 3400,
      billableRoundedSeconds: 3400,
      amounts: [
        { currency: 'CHF', amountMinor: 4500 }, // 0.5 h × 90.00
        { currency: 'EUR', amountMinor: 5333 }, // 1600 s × 120.00 / h
      ],
    });
    const r = byKey(rows);
    expect(r[acme.id]).toMatchObject({ entries: 3, durationSeconds: 5200, billableSeconds: 1600, amounts: [{ currency: 'EUR', amountMinor: 5333 }] });
    expect(r[swiss.id]).toMatchObject({ entries: 1, durationSeconds: 1800, amounts: [{ currency: 'CHF', amountMinor: 4500 }] });
  });

  it('rounds each entry by its most specific rule, in SQL, and bills the rounded time', async () => {
    const put = async (body: Record<string, unknown>) => {
      const res = await call(t, w.admin.accessToken, 'PUT', orgUrl(w.orgId, '/rounding-rules'), body);
      expect(res.statusCode, res.body).toBe(200);
      return res.json().id as string;
    };
    const rules = [await put({ scope: 'org', minutes: 15, mode: 'up' }), await put({ scope: 'client', target: 'Acme', minutes: 30, mode: 'nearest' })];
    try {
      const { rows, totals } = await api.aggregate(q({ groupBy: 'project' }));
      const r = byKey(rows);
      // Acme (client rule, nearest 30 min): 1000 s → 1800, 3600 → 3600, 600 → 0.
      expect(r[acme.id]).toMatchObject({ durationSeconds: 5200, roundedSeconds: 5400, billableRoundedSeconds: 1800, amounts: [{ currency: 'EUR', amountMinor: 6000 }] });
      // CHF project (org rule, up 15 min): 1800 s stays 1800.
      expect(r[swiss.id]).toMatchObject({ roundedSeconds: 1800 });
      expect(totals.roundedSeconds).toBe(7200);
      rules.push(await put({ scope: 'project', target: swiss.id, minutes: 20, mode: 'up' }));
      expect(byKey((await api.aggregate(q({ groupBy: 'project' }))).rows)[swiss.id]).toMatchObject({ roundedSeconds: 2400, amounts: [{ currency: 'CHF', amountMinor: 6000 }] });
      // The entry views agree with the SQL.
      const view = await call(t, w.member.accessToken, 'GET', orgUrl(w.orgId, `/time-entries/${ids.late}`));
      expect(view.json()).toMatchObject({ durationSeconds: 1000, roundedSeconds: 1800 });
    } finally {
      for (const id of rules) await call(t, w.admin.accessToken, 'DELETE', orgUrl(w.orgId, `/rounding-rules/${id}`));
    }
  });

  it("buckets weeks from the org's first weekday, and months, by their first day", async () => {
    const monday = await api.aggregate(q({ groupBy: 'week' }));
    expect(monday.rows.map((r) => [r.key, r.entries])).toEqual([
      ['2026-11-09', 1],
      ['2026-11-16', 3],
    ]);
    await call(t, w.admin.accessToken, 'PATCH', orgUrl(w.orgId, '/time-settings'), { weekStartsOn: 'sunday' });
    const sunday = await api.aggregate(q({ groupBy: 'week' }));
    expect(sunday.rows.map((r) => [r.key, r.entries])).toEqual([['2026-11-15', 4]]);
    await call(t, w.admin.accessToken, 'PATCH', orgUrl(w.orgId, '/time-settings'), { weekStartsOn: 'monday' });
    const months = await api.aggregate(q({ groupBy: 'month', to: new Date('2027-01-01T00:00:00Z') }));
    expect(months.rows.map((r) => [r.key, r.entries])).toEqual([
      ['2026-11-01', 4],
      ['2026-12-01', 1],
    ]);
  });

  it('gives the same buckets over an unbounded range (rows converted in SQL instead of listed buckets)', async () => {
    const all = { from: new Date('1970-01-01T00:00:00Z'), to: new Date('9999-01-01T00:00:00Z') };
    for (const groupBy of ['day', 'week', 'month'] as const) {
      for (const timeZone of ['UTC', 'Europe/Berlin']) {
        const bounded = await api.aggregate(q({ groupBy, timeZone, to: new Date('2027-01-01T00:00:00Z') }));
        const unbounded = await api.aggregate(q({ groupBy, timeZone, ...all }));
        expect(unbounded, `${groupBy} ${timeZone}`).toEqual(bounded);
      }
    }
    await call(t, w.admin.accessToken, 'PATCH', orgUrl(w.orgId, '/time-settings'), { weekStartsOn: 'sunday' });
    expect((await api.aggregate(q({ groupBy: 'week', ...all }))).rows.map((r) => r.key)).toEqual(['2026-11-15', '2026-11-29']);
    await call(t, w.admin.accessToken, 'PATCH', orgUrl(w.orgId, '/time-settings'), { weekStartsOn: 'monday' });
  });

  it('groups by user and task, and filters by project, user and billable', async () => {
    const users = byKey((await api.aggregate(q({ groupBy: 'user' }))).rows);
    expect(users[w.member.userId].entries).toBe(2);
    expect(users[w.peer.userId].entries).toBe(2);
    expect((await api.aggregate(q({ groupBy: 'task' }))).rows).toEqual([expect.objectContaining({ key: null, entries: 4 })]);
    expect((await api.aggregate(q({ projectId: swiss.id }))).totals.entries).toBe(1);
    expect((await api.aggregate(q({ userId: w.member.userId, groupBy: 'project' }))).totals.durationSeconds).toBe(4600);
    expect((await api.aggregate(q({ billable: false }))).totals).toMatchObject({ entries: 1, billableSeconds: 0, amounts: [] });
    // `to` is exclusive, and another org sees none of this.
    expect((await api.aggregate(q({ from: new Date('2026-11-17T08:00:00Z'), to: new Date('2026-11-17T09:00:00Z') }))).totals.entries).toBe(1);
    expect((await api.aggregate(q({ orgId: w.outsiderOrgId }))).totals.entries).toBe(0);
  });

  it('refuses an unknown zone', async () => {
    await expect(api.aggregate(q({ timeZone: 'Mars/Olympus' }))).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
  });
});

describe('TimeApi.entries and settings', () => {
  it('yields every entry of the filter in keyset batches, oldest first, running timers included', async () => {
    const batches: { id: string; end: string | null }[][] = [];
    for await (const batch of api.entries(w.orgId, {}, 2)) batches.push(batch);
    expect(batches.map((b) => b.length)).toEqual([2, 2, 2]);
    const all = batches.flat();
    // The timer runs since the real now, so its place in the order is computed.
    const starts: [string, string][] = [
      [ids.sun, '2026-11-15T10'],
      [ids.late, '2026-11-16T23'],
      [ids.tue, '2026-11-17T08'],
      [ids.chf, '2026-11-17T09'],
      [ids.dec, '2026-12-01T10'],
      ['timer', timerStart],
    ];
    const expected = starts.sort((a, b) => a[1].localeCompare(b[1])).map(([id]) => id);
    expect(all.map((e) => (e.end === null ? 'timer' : e.id))).toEqual(expected);
    const peer: string[] = [];
    for await (const batch of api.entries(w.orgId, { userId: w.peer.userId, from: new Date('2026-11-16T00:00:00Z'), to: new Date('2026-12-01T00:00:00Z') })) {
      peer.push(...batch.map((e) => e.id));
    }
    expect(peer).toEqual([ids.chf]);
    const none: unknown[] = [];
    for await (const batch of api.entries(w.outsiderOrgId, {})) none.push(batch);
    expect(none).toEqual([]);
  });

  it('settings carry the org currency', async () => {
    expect(await api.settings(w.orgId)).toEqual({ lockDate: null, hourlyRateMinor: null, weekStartsOn: 'monday', currency: 'EUR' });
  });
});
