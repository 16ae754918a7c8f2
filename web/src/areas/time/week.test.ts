// The week view's arithmetic: weeks by the org's first day, ISO week names, durations as typed.
import { describe, expect, it } from 'vitest';
import { atTime, byDay, type Entry, formatDuration, isoWeek, parseDuration, weekDays, weekStart, ymd } from './week';

describe('weeks', () => {
  it('starts on Monday or Sunday, whatever day is given', () => {
    const thursday = new Date(2026, 11, 10);
    expect(ymd(weekStart(thursday, 'monday'))).toBe('2026-12-07');
    expect(ymd(weekStart(thursday, 'sunday'))).toBe('2026-12-06');
    expect(ymd(weekStart(new Date(2026, 11, 13), 'monday'))).toBe('2026-12-07'); // a Sunday ends the Monday week
    expect(weekDays(new Date(2026, 11, 28))).toEqual(['2026-12-28', '2026-12-29', '2026-12-30', '2026-12-31', '2027-01-01', '2027-01-02', '2027-01-03']);
  });

  it('names ISO weeks as timesheet periods do, across years', () => {
    expect(isoWeek(new Date(2026, 11, 7))).toBe('2026-W50');
    expect(isoWeek(new Date(2027, 0, 1))).toBe('2026-W53'); // 2026 has 53 ISO weeks
    expect(isoWeek(new Date(2025, 11, 29))).toBe('2026-W01');
  });
});

describe('times and durations as people type them', () => {
  it('reads durations', () => {
    expect(parseDuration('1:30')).toBe(5400);
    expect(parseDuration('1.5')).toBe(5400);
    expect(parseDuration('1,5h')).toBe(5400);
    expect(parseDuration('90m')).toBe(5400);
    expect(parseDuration('1h30')).toBe(5400);
    expect(parseDuration('2h')).toBe(7200);
    for (const bad of ['', '0', 'abc', '1:75', '-1']) expect(parseDuration(bad)).toBeUndefined();
  });

  it('makes instants of local wall times and refuses what is no time', () => {
    const start = atTime('2026-12-07', '9:05');
    expect(start).toBe(new Date(2026, 11, 7, 9, 5).toISOString().replace('.000Z', 'Z'));
    expect(atTime('2026-12-07', '24:00')).toBeUndefined();
    expect(atTime('2026-12-07', '930')).toBeUndefined();
    expect(formatDuration(3900)).toBe('1:05');
    expect(formatDuration(42.5 * 3600)).toBe('42:30');
  });

  it('groups entries by the day they start, in start order, leaving out other weeks', () => {
    const at = (d: number, h: number) => new Date(2026, 11, d, h).toISOString();
    const e = (id: string, start: string) => ({ id, start, end: null, durationSeconds: 60 }) as unknown as Entry;
    const days = weekDays(new Date(2026, 11, 7));
    const grouped = byDay([e('b', at(8, 14)), e('a', at(8, 9)), e('x', at(20, 9))], days);
    expect(grouped.get('2026-12-08')?.map((x) => x.id)).toEqual(['a', 'b']);
    expect([...grouped.values()].flat()).toHaveLength(2);
  });
});
