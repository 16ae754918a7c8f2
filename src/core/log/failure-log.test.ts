import { describe, expect, it } from 'vitest';
import { createFailureLog } from './failure-log.ts';

function recorder() {
  const lines: { level: string; fields: Record<string, unknown>; msg: string }[] = [];
  const at = (level: string) => (fields: object, msg: string) => lines.push({ level, fields: fields as Record<string, unknown>, msg });
  return { lines, log: { error: at('error'), warn: at('warn'), info: at('info') } as never };
}

describe('failure log', () => {
  it('logs the first failure, a summary at most every 30 s with the repeats, and one line on recovery', () => {
    const { lines, log } = recorder();
    let t = 0;
    const failures = createFailureLog(log, 'job queue', { now: () => t });
    // 9 failures a second for a minute.
    for (; t < 60_000; t += 111) failures.failed(new Error('connect ECONNREFUSED'));
    failures.ok();
    failures.ok(); // once
    expect(lines.map((l) => l.msg)).toEqual([
      'job queue failed',
      expect.stringMatching(/^job queue still failing \(\d+ more since the last line\)$/),
      'job queue works again',
    ]);
    expect(lines[0].fields.err).toBe('connect ECONNREFUSED');
    expect(lines[1].fields.repeats).toBe(271);
    expect(lines[2].fields).toMatchObject({ failures: 541 });
  });

  it('starts over after a recovery', () => {
    const { lines, log } = recorder();
    const failures = createFailureLog(log, 'dispatcher', { level: 'warn' });
    failures.failed('down');
    failures.ok();
    failures.failed('down again');
    expect(lines.map((l) => [l.level, l.msg])).toEqual([
      ['warn', 'dispatcher failed'],
      ['info', 'dispatcher works again'],
      ['warn', 'dispatcher failed'],
    ]);
  });

  it('says what a plain error object says (pg-boss reports worker failures as such), not [object Object]', () => {
    const { lines, log } = recorder();
    const failures = createFailureLog(log, 'job queue');
    failures.failed({ message: 'connect ECONNREFUSED 127.0.0.1:5432', queue: 'webhooks.deliver', worker: 'w1' });
    expect(lines[0].fields.err).toBe('connect ECONNREFUSED 127.0.0.1:5432');
  });
});
