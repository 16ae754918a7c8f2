import { describe, expect, it } from 'vitest';
import { createWaitReporter, type DatabaseWaits, describeWaits } from './lock-waits.ts';

const none: DatabaseWaits = { waits: [], strongLocks: [], slowStatements: [] };

const locked: DatabaseWaits = {
  ...none,
  waits: [
    {
      target: 'time_tracking.entries',
      mode: 'AccessShareLock',
      waiting: 4,
      longestMs: 930,
      pids: [71, 72, 73, 74],
      holders: [
        { pid: 71, state: 'active', application: null, transactionMs: 1200, holds: null, query: 'SELECT …' },
        { pid: 42, state: 'idle in transaction', application: 'psql', transactionMs: 12_345, holds: 'AccessExclusiveLock', query: 'LOCK TABLE time_tracking.entries' },
      ],
    },
  ],
};

describe('lock wait report', () => {
  it('names the relation waited on and the session holding it, not the ones queued ahead', () => {
    expect(describeWaits(locked)).toBe(
      'database requests time out waiting on locks: time_tracking.entries (4 waiting for AccessShareLock, longest 0.9 s; held by pid 42 holding AccessExclusiveLock, idle in transaction, transaction 12.3 s)',
    );
  });

  it('names the holder from the strong locks when the waiter gave up before its blockers were read', () => {
    const gaveUp = { ...locked.waits[0], waiting: 1, longestMs: 1000, pids: [71], holders: [] };
    const strong = { target: 'time_tracking.entries', mode: 'AccessExclusiveLock', pid: 42, state: 'idle in transaction', transactionMs: 1000, query: null };
    const other = { ...strong, target: 'projects.projects', pid: 43 };
    expect(describeWaits({ ...none, waits: [gaveUp], strongLocks: [other, strong] })).toBe(
      'database requests time out waiting on locks: time_tracking.entries (1 waiting for AccessShareLock, longest 1.0 s; held by pid 42 holding AccessExclusiveLock, idle in transaction, transaction 1.0 s)',
    );
  });

  it('names first the targets whose holder does not wait itself', () => {
    const advisory = {
      target: 'advisory',
      mode: 'ExclusiveLock',
      waiting: 5,
      longestMs: 1500,
      pids: [80, 81, 82, 83, 84],
      holders: [{ pid: 71, state: 'active', application: null, transactionMs: 1500, holds: 'ExclusiveLock', query: 'SELECT …' }],
    };
    expect(describeWaits({ ...none, waits: [advisory, ...locked.waits] })).toBe(
      'database requests time out waiting on locks: time_tracking.entries (4 waiting for AccessShareLock, longest 0.9 s; held by pid 42 holding AccessExclusiveLock, idle in transaction, transaction 12.3 s), advisory (5 waiting for ExclusiveLock, longest 1.5 s; held by pid 71 holding ExclusiveLock, itself waiting, transaction 1.5 s)',
    );
  });

  it('falls back to strong locks held, then to long statements', () => {
    expect(describeWaits({ ...none, strongLocks: [{ target: 'projects.projects', mode: 'ExclusiveLock', pid: 9, state: 'idle in transaction', transactionMs: 5000, query: null }] })).toBe(
      'database requests time out; no session waits on a lock now, strong locks are held on: projects.projects (ExclusiveLock held by pid 9, idle in transaction, transaction 5.0 s)',
    );
    expect(describeWaits({ ...none, slowStatements: [{ pid: 3, runningMs: 3900, waitEvent: null, query: 'SELECT pg_sleep(10)' }] })).toMatch(/longest running statement has run 3.9 s/);
    expect(describeWaits(none)).toMatch(/^database requests time out; no lock waits/);
  });

  it('reads and logs at most once per 30 s, and one line when the report cannot be read', async () => {
    const lines: { fields: Record<string, unknown>; msg: string }[] = [];
    const log = { warn: (fields: object, msg: string) => lines.push({ fields: fields as Record<string, unknown>, msg }) } as never;
    let t = 0;
    let reads = 0;
    let fail = false;
    const reporter = createWaitReporter({
      read: async () => {
        reads++;
        if (fail) throw new Error('connect ECONNREFUSED');
        return locked;
      },
      log,
      now: () => t,
    });
    for (; t < 29_000; t += 100) reporter.timedOut();
    await new Promise((r) => setImmediate(r));
    expect(reads).toBe(1);
    expect(lines).toHaveLength(1);
    expect(lines[0].msg).toContain('time_tracking.entries');
    expect(lines[0].fields.waits).toEqual(locked.waits);

    t = 30_000;
    fail = true;
    reporter.timedOut();
    reporter.timedOut();
    await new Promise((r) => setImmediate(r));
    expect(reads).toBe(2);
    expect(lines.map((l) => l.msg)[1]).toBe('database requests time out; what they wait on could not be read');
  });
});
