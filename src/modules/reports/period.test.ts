import { describe, expect, it } from 'vitest';
import { AppError } from '../../core/errors.ts';
import { addDays, dateIn, isTimeZone, parseBound, resolvePeriod, startOfDay, wallTimeToInstant, zoneOffsetMs } from './period.ts';

const now = new Date('2024-03-15T12:00:00Z');

function problem(fn: () => unknown): AppError {
  try {
    fn();
  } catch (err) {
    if (err instanceof AppError) return err;
    throw err;
  }
  throw new Error('expected an AppError');
}

describe('reports: time zones', () => {
  it('knows the offset of a zone at an instant, DST included', () => {
    expect(zoneOffsetMs(Date.parse('2024-01-15T12:00:00Z'), 'Europe/Zurich')).toBe(3_600_000);
    expect(zoneOffsetMs(Date.parse('2024-07-15T12:00:00Z'), 'Europe/Zurich')).toBe(7_200_000);
    expect(zoneOffsetMs(Date.parse('2024-07-15T12:00:00Z'), 'America/New_York')).toBe(-4 * 3_600_000);
    expect(zoneOffsetMs(Date.parse('2024-07-15T12:00:00.999Z'), 'Asia/Kolkata')).toBe(5.5 * 3_600_000);
    expect(zoneOffsetMs(Date.parse('2024-07-15T12:00:00Z'), 'UTC')).toBe(0);
  });

  it('turns a midnight into the right instant on both sides of a DST change', () => {
    expect(startOfDay('2024-03-31', 'Europe/Zurich').toISOString()).toBe('2024-03-30T23:00:00.000Z');
    expect(startOfDay('2024-04-01', 'Europe/Zurich').toISOString()).toBe('2024-03-31T22:00:00.000Z');
    expect(startOfDay('2024-11-03', 'America/New_York').toISOString()).toBe('2024-11-03T04:00:00.000Z');
    expect(startOfDay('2024-11-04', 'America/New_York').toISOString()).toBe('2024-11-04T05:00:00.000Z');
    expect(startOfDay('2024-01-01', 'Pacific/Kiritimati').toISOString()).toBe('2023-12-31T10:00:00.000Z');
  });

  it('resolves a wall time skipped by a DST jump to just after the jump', () => {
    // 02:30 does not exist in Zurich on 2024-03-31 (02:00 -> 03:00).
    expect(wallTimeToInstant(Date.UTC(2024, 2, 31, 2, 30), 'Europe/Zurich').toISOString()).toBe('2024-03-31T01:30:00.000Z');
  });

  it('gives the calendar day of an instant in a zone', () => {
    expect(dateIn(new Date('2024-03-31T22:30:00Z'), 'Europe/Zurich')).toBe('2024-04-01');
    expect(dateIn(new Date('2024-03-31T22:30:00Z'), 'UTC')).toBe('2024-03-31');
    expect(dateIn(new Date('2024-04-01T03:00:00Z'), 'America/Los_Angeles')).toBe('2024-03-31');
  });

  it('does calendar arithmetic across months and leap days', () => {
    expect(addDays('2024-02-28', 1)).toBe('2024-02-29');
    expect(addDays('2023-02-28', 1)).toBe('2023-03-01');
    expect(addDays('2024-12-31', 1)).toBe('2025-01-01');
    expect(addDays('2024-03-01', -1)).toBe('2024-02-29');
  });

  it('validates zone names', () => {
    expect(isTimeZone('Europe/Zurich')).toBe(true);
    expect(isTimeZone('Mars/Olympus')).toBe(false);
  });
});

describe('reports: parsing a bound', () => {
  it('accepts dates and date-times with or without an offset', () => {
    expect(parseBound('2024-02-29', 'query.from', 'UTC')).toEqual({ kind: 'date', date: '2024-02-29' });
    expect(parseBound('2024-03-01T10:00:00Z', 'query.from', 'UTC')).toEqual({ kind: 'instant', at: new Date('2024-03-01T10:00:00Z') });
    expect(parseBound('2024-03-01T10:00:00.5+05:30', 'query.from', 'UTC')).toEqual({ kind: 'instant', at: new Date('2024-03-01T04:30:00.500Z') });
    expect(parseBound('2024-03-01T10:00', 'query.from', 'Europe/Zurich')).toEqual({ kind: 'instant', at: new Date('2024-03-01T09:00:00Z') });
  });

  it('refuses what is not a real date or time, naming the field', () => {
    for (const bad of ['2023-02-29', '2024-13-01', '2024-1-1', 'yesterday', '2024-03-01T25:00Z', '2024-03-01T10:00+24:00', '2024-03-01 10:00']) {
      const err = problem(() => parseBound(bad, 'query.to', 'UTC'));
      expect(err.code, bad).toBe('VALIDATION_FAILED');
      expect(err.errors?.[0].field).toBe('query.to');
    }
  });
});

describe('reports: the period of a report', () => {
  it('defaults to the current month in the zone', () => {
    expect(resolvePeriod({ timeZone: 'Europe/Zurich', now })).toEqual({
      from: new Date('2024-02-29T23:00:00Z'),
      to: new Date('2024-03-31T22:00:00Z'),
      fromDate: '2024-03-01',
      toDate: '2024-03-31',
      timeZone: 'Europe/Zurich',
    });
    // 23:30 UTC on the last day of February is already March in Zurich, still February in UTC.
    const lateFeb = new Date('2024-02-29T23:30:00Z');
    expect(resolvePeriod({ timeZone: 'Europe/Zurich', now: lateFeb }).fromDate).toBe('2024-03-01');
    expect(resolvePeriod({ timeZone: 'UTC', now: lateFeb }).fromDate).toBe('2024-02-01');
  });

  it('treats a date `to` as inclusive: the next midnight in the zone, exclusive', () => {
    const p = resolvePeriod({ from: '2024-03-01', to: '2024-03-01', timeZone: 'America/New_York', now });
    expect(p.from.toISOString()).toBe('2024-03-01T05:00:00.000Z');
    expect(p.to.toISOString()).toBe('2024-03-02T05:00:00.000Z');
    expect([p.fromDate, p.toDate]).toEqual(['2024-03-01', '2024-03-01']);
  });

  it('takes a date-time `to` as the exclusive end itself', () => {
    const p = resolvePeriod({ from: '2024-03-01T00:00:00Z', to: '2024-03-02T00:00:00Z', timeZone: 'UTC', now });
    expect(p.to.toISOString()).toBe('2024-03-02T00:00:00.000Z');
    expect(p.toDate).toBe('2024-03-01');
  });

  it('completes a missing bound to a calendar month', () => {
    const onlyFrom = resolvePeriod({ from: '2024-02-10', timeZone: 'UTC', now });
    expect([onlyFrom.fromDate, onlyFrom.toDate]).toEqual(['2024-02-10', '2024-02-29']);
    const onlyTo = resolvePeriod({ to: '2024-05-20', timeZone: 'UTC', now });
    expect([onlyTo.fromDate, onlyTo.toDate]).toEqual(['2024-05-01', '2024-05-20']);
  });

  it('refuses an empty or inverted period', () => {
    expect(problem(() => resolvePeriod({ from: '2024-03-02', to: '2024-03-01', timeZone: 'UTC', now })).errors?.[0].field).toBe('query.to');
    expect(problem(() => resolvePeriod({ from: '2024-03-01T10:00Z', to: '2024-03-01T10:00Z', timeZone: 'UTC', now })).code).toBe('VALIDATION_FAILED');
  });

  it('allows a leap year of 366 days, across DST changes, and refuses one day more', () => {
    expect(resolvePeriod({ from: '2024-01-01', to: '2024-12-31', timeZone: 'Europe/Zurich', now }).toDate).toBe('2024-12-31');
    // 366 days that start in winter and end in summer time are an hour short; the reverse, an hour long.
    expect(resolvePeriod({ from: '2023-10-01', to: '2024-09-30', timeZone: 'Europe/Zurich', now }).fromDate).toBe('2023-10-01');
    const err = problem(() => resolvePeriod({ from: '2024-01-01', to: '2025-01-01', timeZone: 'UTC', now }));
    expect(err.code).toBe('REPORTS.RANGE_TOO_LONG');
    expect(err.kind).toBe('validation');
  });
});

describe('reports: the years a report may cover', () => {
  it('refuses a period outside the years time is recorded in, before any arithmetic', () => {
    for (const [from, to, field] of [
      ['9999-12-01', '9999-12-31', 'query.from'],
      ['2999-12-01', '3000-01-05', 'query.to'],
      ['1969-12-01', '1970-01-05', 'query.from'],
      [undefined, '9999-12-31', 'query.to'],
      ['9999-12-31T23:00:00Z', undefined, 'query.from'],
    ] as const) {
      const err = problem(() => resolvePeriod({ from, to, timeZone: 'UTC', now }));
      expect(err.code, `${from}..${to}`).toBe('VALIDATION_FAILED');
      expect(err.errors?.[0]).toEqual({ field, message: 'must be in the years 1970–2999' });
    }
  });

  it('allows the last day of the range, whose end is the first midnight after it', () => {
    const p = resolvePeriod({ from: '2999-12-01', to: '2999-12-31', timeZone: 'Pacific/Kiritimati', now });
    expect([p.fromDate, p.toDate]).toEqual(['2999-12-01', '2999-12-31']);
    expect(resolvePeriod({ from: '1970-01-01', timeZone: 'UTC', now }).toDate).toBe('1970-01-31');
  });
});
