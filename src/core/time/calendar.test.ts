import { describe, expect, it } from 'vitest';
import {
  addDays,
  formatDate,
  isoWeekOneMonday,
  isoWeeksInYear,
  parseCalendarDate,
  parseDateTime,
  parseIsoWeek,
  parseTimestamp,
  parseYearMonth,
  utcMs,
} from './calendar.ts';
import { localDate, startOfLocalDay } from './zones.ts';

describe('calendar arithmetic', () => {
  it('reads years 0–99 as themselves, unlike Date.UTC', () => {
    expect(new Date(utcMs(50, 1, 1)).toISOString()).toBe('0050-01-01T00:00:00.000Z');
    expect(new Date(utcMs(1, 1, 1)).toISOString()).toBe('0001-01-01T00:00:00.000Z');
    // Year 0 is a leap year in the proleptic Gregorian calendar; 1900 (what Date.UTC reads) is not.
    expect(new Date(utcMs(0, 2, 29)).toISOString()).toBe('0000-02-29T00:00:00.000Z');
    expect(new Date(utcMs(99, 12, 32)).toISOString()).toBe('0100-01-01T00:00:00.000Z');
    expect(utcMs(2026, 11, 2, 9, 30)).toBe(Date.UTC(2026, 10, 2, 9, 30));
  });

  it('adds days across months, leap days and the first centuries', () => {
    expect(formatDate(addDays({ year: 2024, month: 2, day: 28 }, 1))).toBe('2024-02-29');
    expect(formatDate(addDays({ year: 2024, month: 12, day: 31 }, 1))).toBe('2025-01-01');
    expect(formatDate(addDays({ year: 1, month: 1, day: 1 }, 30))).toBe('0001-01-31');
  });

  it('zones use the same arithmetic: the first day of year 1 is not 1901', () => {
    expect(startOfLocalDay(1, 1, 1, 'UTC').toISOString()).toBe('0001-01-01T00:00:00.000Z');
    expect(localDate(startOfLocalDay(50, 6, 1, 'Europe/Berlin'), 'Europe/Berlin')).toBe('0050-06-01');
  });

  it('knows ISO weeks: W53 only in long years, week 1 holds 4 January', () => {
    expect(isoWeeksInYear(2026)).toBe(53);
    expect(isoWeeksInYear(2025)).toBe(52);
    expect(isoWeeksInYear(2020)).toBe(53); // a leap year starting on Wednesday
    expect(formatDate(isoWeekOneMonday(2026))).toBe('2025-12-29');
    expect(formatDate(isoWeekOneMonday(1))).toBe('0001-01-01'); // a Monday
  });
});

describe('parsing what clients send', () => {
  it('calendar dates are real and in years 1–9999', () => {
    expect(parseCalendarDate('2024-02-29')).toEqual({ year: 2024, month: 2, day: 29 });
    for (const bad of ['2023-02-29', '2026-02-30', '2026-04-31', '0000-01-01', '10000-01-01', '2026-1-1', ' 2026-01-01']) expect(parseCalendarDate(bad), bad).toBeNull();
  });

  it('RFC 3339 timestamps need seconds and an offset, and stay inside years 1–9999 as instants', () => {
    expect(parseTimestamp('2026-11-02T09:30:00+01:00')?.toISOString()).toBe('2026-11-02T08:30:00.000Z');
    expect(parseTimestamp('2026-11-02T09:30:00.123456789Z')?.toISOString()).toBe('2026-11-02T09:30:00.123Z');
    for (const bad of ['2026-11-02T09:30Z', '2026-11-02T09:30:00', '2016-12-31T23:59:60Z', '2026-11-02T24:00:00Z', '0001-01-01T00:30:00+01:00', '9999-12-31T23:30:00-01:00']) {
      expect(parseTimestamp(bad), bad).toBeNull();
    }
  });

  it('a loose date-time may leave out seconds and the offset (a wall time)', () => {
    expect(parseDateTime('2026-11-02T09:30', false)).toEqual({ year: 2026, wallMs: Date.UTC(2026, 10, 2, 9, 30), offsetMinutes: null });
    expect(parseDateTime('2026-11-02T09:30-05:30', false)?.offsetMinutes).toBe(-330);
    expect(parseDateTime('2026-11-02T09:30', true)).toBeNull();
  });

  it('weeks and months exist', () => {
    expect(parseIsoWeek('2026-W53')).toEqual({ year: 2026, week: 53 });
    for (const bad of ['2025-W53', '2026-W54', '2026-W00', '0000-W01', '2026-W1']) expect(parseIsoWeek(bad), bad).toBeNull();
    expect(parseYearMonth('0001-01')).toEqual({ year: 1, month: 1 });
    for (const bad of ['0000-01', '2026-13', '2026-00']) expect(parseYearMonth(bad), bad).toBeNull();
  });
});
