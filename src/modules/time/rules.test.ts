import { describe, expect, it } from 'vitest';
import { AppError } from '../../core/errors.ts';
import {
  amountMinor,
  effectiveRule,
  findClashes,
  isLocked,
  lockInstant,
  overlapError,
  overlaps,
  type RoundingRule,
  resolveCurrency,
  resolveEnd,
  resolveRate,
  roundSeconds,
} from './rules.ts';

const at = (hm: string) => new Date(`2026-11-16T${hm}:00Z`);
const span = (a: string, b: string | null) => ({ start: at(a), end: b ? at(b) : null });

describe('overlap detection', () => {
  it('finds ranges that share time, whichever side they stick out of', () => {
    expect(overlaps(span('09:00', '10:00'), span('09:30', '10:30'))).toBe(true);
    expect(overlaps(span('09:30', '10:30'), span('09:00', '10:00'))).toBe(true);
    expect(overlaps(span('09:00', '12:00'), span('10:00', '11:00'))).toBe(true);
    expect(overlaps(span('10:00', '11:00'), span('09:00', '12:00'))).toBe(true);
    expect(overlaps(span('09:00', '10:00'), span('09:00', '10:00'))).toBe(true);
  });

  it('allows touching boundaries: one ends exactly when the next starts', () => {
    expect(overlaps(span('09:00', '10:00'), span('10:00', '11:00'))).toBe(false);
    expect(overlaps(span('10:00', '11:00'), span('09:00', '10:00'))).toBe(false);
    expect(overlaps(span('09:00', '10:00'), span('10:01', '11:00'))).toBe(false);
  });

  it('treats a running timer as open-ended', () => {
    const timer = span('09:00', null);
    expect(overlaps(span('08:00', '09:00'), timer)).toBe(false);
    expect(overlaps(span('08:00', '09:01'), timer)).toBe(true);
    expect(overlaps(span('23:00', '23:30'), timer)).toBe(true);
    expect(overlaps(timer, span('10:00', null))).toBe(true);
    expect(overlaps(span('10:00', null), span('08:00', '10:00'))).toBe(false);
  });

  it('an empty range (a timer stopped the second it started) overlaps nothing', () => {
    expect(overlaps(span('09:00', '09:00'), span('08:00', '10:00'))).toBe(false);
  });

  it('findClashes skips the entry being edited and lists the rest', () => {
    const others = [
      { id: 'a', ...span('08:00', '09:00') },
      { id: 'b', ...span('09:30', '10:00') },
      { id: 'c', ...span('10:00', '11:00') },
      { id: 'd', ...span('11:00', null) },
    ];
    expect(findClashes(span('09:00', '10:30'), others).map((c) => c.id)).toEqual(['b', 'c']);
    expect(findClashes(span('09:00', '10:30'), others, 'b').map((c) => c.id)).toEqual(['c']);
    expect(findClashes(span('12:00', '13:00'), others).map((c) => c.id)).toEqual(['d']);
    expect(findClashes(span('07:00', '08:00'), others)).toEqual([]);
  });

  it('the 409 lists each clashing entry with its start and end', () => {
    const err = overlapError([{ id: 'b', ...span('09:30', '10:00') }, { id: 'd', ...span('11:00', null) }]);
    expect(err).toBeInstanceOf(AppError);
    expect(err.code).toBe('TIME.ENTRY_OVERLAP');
    expect(err.details).toEqual({
      clashes: [
        { id: 'b', start: '2026-11-16T09:30:00.000Z', end: '2026-11-16T10:00:00.000Z' },
        { id: 'd', start: '2026-11-16T11:00:00.000Z', end: null },
      ],
    });
  });
});

describe('entry ranges from input', () => {
  it('takes end, or start + durationSeconds', () => {
    expect(resolveEnd(at('09:00'), { end: at('10:00') })).toEqual(at('10:00'));
    expect(resolveEnd(at('09:00'), { durationSeconds: 5400 })).toEqual(at('10:30'));
  });

  it('refuses an end not after the start with TIME.INVALID_RANGE', () => {
    for (const end of [at('09:00'), at('08:59')]) {
      expect(() => resolveEnd(at('09:00'), { end })).toThrow(expect.objectContaining({ code: 'TIME.INVALID_RANGE', kind: 'validation' }));
    }
    // Less than a second is nothing once times are truncated to whole seconds.
    expect(() => resolveEnd(at('09:00'), { end: new Date(at('09:00').getTime() + 400) })).toThrow(expect.objectContaining({ code: 'TIME.INVALID_RANGE' }));
  });

  it('needs exactly one of end and durationSeconds', () => {
    expect(() => resolveEnd(at('09:00'), {})).toThrow(expect.objectContaining({ code: 'VALIDATION_FAILED' }));
    expect(() => resolveEnd(at('09:00'), { end: at('10:00'), durationSeconds: 3600 })).toThrow(expect.objectContaining({ code: 'VALIDATION_FAILED' }));
  });
});

describe('rate precedence', () => {
  it('project member > project > org member > org', () => {
    expect(resolveRate({ projectMember: 100, project: 200, orgMember: 300, org: 400 })).toBe(100);
    expect(resolveRate({ projectMember: null, project: 200, orgMember: 300, org: 400 })).toBe(200);
    expect(resolveRate({ projectMember: null, project: null, orgMember: 300, org: 400 })).toBe(300);
    expect(resolveRate({ projectMember: null, project: null, orgMember: null, org: 400 })).toBe(400);
    expect(resolveRate({ projectMember: null, project: null, orgMember: null, org: null })).toBeNull();
  });

  it('a rate of zero is a rate (pro bono), not a missing one', () => {
    expect(resolveRate({ projectMember: 0, project: 200, orgMember: 300, org: 400 })).toBe(0);
  });

  it("the currency is the project's, else the org's", () => {
    expect(resolveCurrency('CHF', 'EUR')).toBe('CHF');
    expect(resolveCurrency(null, 'EUR')).toBe('EUR');
  });

  it('amounts round once, half up', () => {
    expect(amountMinor(3600, 12_000)).toBe(12_000);
    expect(amountMinor(900, 10_001)).toBe(2500); // 2500.25
    expect(amountMinor(1, 1800)).toBe(1); // 0.5 rounds up
  });
});

describe('rounding', () => {
  const r = (minutes: number, mode: 'up' | 'down' | 'nearest') => ({ minutes, mode });
  it('up, down and nearest to a step of minutes', () => {
    expect(roundSeconds(61, r(15, 'up'))).toBe(900);
    expect(roundSeconds(900, r(15, 'up'))).toBe(900);
    expect(roundSeconds(901, r(15, 'up'))).toBe(1800);
    expect(roundSeconds(899, r(15, 'down'))).toBe(0);
    expect(roundSeconds(1799, r(15, 'down'))).toBe(900);
    expect(roundSeconds(449, r(15, 'nearest'))).toBe(0);
    expect(roundSeconds(450, r(15, 'nearest'))).toBe(900); // half a step rounds up
    expect(roundSeconds(1349, r(15, 'nearest'))).toBe(900);
    expect(roundSeconds(0, r(6, 'up'))).toBe(0);
    expect(roundSeconds(3599, r(60, 'nearest'))).toBe(3600);
    expect(roundSeconds(59, r(1, 'down'))).toBe(0);
  });

  it('no rule keeps the raw duration', () => {
    expect(roundSeconds(1234, null)).toBe(1234);
  });

  it('the most specific rule applies: project > client > org', () => {
    const rules: RoundingRule[] = [
      { scope: 'org', target: '', minutes: 30, mode: 'up' },
      { scope: 'client', target: 'Acme', minutes: 15, mode: 'nearest' },
      { scope: 'project', target: 'p1', minutes: 6, mode: 'down' },
    ];
    expect(effectiveRule(rules, { id: 'p1', client: 'Acme' })?.minutes).toBe(6);
    expect(effectiveRule(rules, { id: 'p2', client: 'Acme' })?.minutes).toBe(15);
    expect(effectiveRule(rules, { id: 'p3', client: 'Other' })?.minutes).toBe(30);
    expect(effectiveRule(rules, { id: 'p4', client: null })?.minutes).toBe(30);
    expect(effectiveRule(rules.slice(1), { id: 'p4', client: null })).toBeNull();
  });
});

describe('lock date', () => {
  it("takes effect at midnight of the lock date in the org's zone", () => {
    expect(lockInstant('2026-11-01', 'UTC')?.toISOString()).toBe('2026-11-01T00:00:00.000Z');
    expect(lockInstant('2026-11-01', 'Europe/Berlin')?.toISOString()).toBe('2026-10-31T23:00:00.000Z');
    expect(lockInstant(null, 'UTC')).toBeNull();
  });

  it('freezes entries that start before it, not those that start on it', () => {
    expect(isLocked(new Date('2026-10-31T22:59:59Z'), '2026-11-01', 'Europe/Berlin')).toBe(true);
    expect(isLocked(new Date('2026-10-31T23:00:00Z'), '2026-11-01', 'Europe/Berlin')).toBe(false);
    expect(isLocked(new Date('2026-10-31T23:30:00Z'), '2026-11-01', 'UTC')).toBe(true);
    expect(isLocked(new Date('2020-01-01T00:00:00Z'), null, 'UTC')).toBe(false);
  });
});
