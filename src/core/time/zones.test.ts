import { describe, expect, it } from 'vitest';
import { canonicalTimeZone, isTimeZone, localDate, startOfLocalDay, wallTimeToInstant, zoneOffsetMs } from './zones.ts';

describe('time zones', () => {
  it('knows real zones and refuses others', () => {
    expect(isTimeZone('Europe/Berlin')).toBe(true);
    expect(isTimeZone('UTC')).toBe(true);
    expect(isTimeZone('Mars/Olympus')).toBe(false);
    expect(canonicalTimeZone('europe/zurich')).toBe('Europe/Zurich');
  });

  it('gives offsets across DST and for half-hour zones', () => {
    expect(zoneOffsetMs(new Date('2026-01-15T12:00:00Z'), 'Europe/Berlin')).toBe(3_600_000);
    expect(zoneOffsetMs(Date.parse('2026-07-15T12:00:00Z'), 'Europe/Berlin')).toBe(7_200_000);
    expect(zoneOffsetMs(Date.parse('2026-07-15T12:00:00.999Z'), 'Asia/Kolkata')).toBe(5.5 * 3_600_000);
  });

  it('finds the start of a local day, also when midnight falls in a DST gap', () => {
    expect(startOfLocalDay(2026, 3, 29, 'Europe/Berlin').toISOString()).toBe('2026-03-28T23:00:00.000Z');
    expect(startOfLocalDay(2026, 11, 2, 'America/New_York').toISOString()).toBe('2026-11-02T05:00:00.000Z');
    // Santiago skips from 00:00 to 01:00 on 2026-09-06: the day starts at that 01:00.
    const start = startOfLocalDay(2026, 9, 6, 'America/Santiago');
    expect(localDate(start, 'America/Santiago')).toBe('2026-09-06');
    expect(localDate(new Date(start.getTime() - 1000), 'America/Santiago')).toBe('2026-09-05');
  });

  it('resolves a skipped wall time to just after the jump', () => {
    expect(wallTimeToInstant(Date.UTC(2024, 2, 31, 2, 30), 'Europe/Zurich').toISOString()).toBe('2024-03-31T01:30:00.000Z');
  });

  it('reads the local date of an instant', () => {
    expect(localDate(new Date('2026-11-16T23:30:00Z'), 'Europe/Berlin')).toBe('2026-11-17');
    expect(localDate(new Date('2026-11-16T23:30:00Z'), 'UTC')).toBe('2026-11-16');
  });
});
