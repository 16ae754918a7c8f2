import { describe, expect, it } from 'vitest';
import { boundary, bucketStarts, isoWeeksInYear, localDate, parsePeriod, startOfLocalDay, validTimeZone, zoneOffsetMs } from './periods.ts';

const iso = (d: Date) => d.toISOString();

describe('time zones', () => {
  it('knows IANA zones and refuses others', () => {
    expect(validTimeZone('Europe/Berlin')).toBe(true);
    expect(validTimeZone('UTC')).toBe(true);
    expect(validTimeZone('Mars/Olympus')).toBe(false);
  });

  it('finds the start of a local day, across DST changes', () => {
    expect(iso(startOfLocalDay(2026, 1, 15, 'Europe/Berlin'))).toBe('2026-01-14T23:00:00.000Z');
    expect(iso(startOfLocalDay(2026, 7, 15, 'Europe/Berlin'))).toBe('2026-07-14T22:00:00.000Z');
    expect(iso(startOfLocalDay(2026, 3, 29, 'Europe/Berlin'))).toBe('2026-03-28T23:00:00.000Z'); // the day of the spring change
    expect(iso(startOfLocalDay(2026, 3, 30, 'Europe/Berlin'))).toBe('2026-03-29T22:00:00.000Z');
    expect(iso(startOfLocalDay(2026, 11, 2, 'America/New_York'))).toBe('2026-11-02T05:00:00.000Z');
    expect(iso(startOfLocalDay(2026, 11, 1, 'Asia/Kolkata'))).toBe('2026-10-31T18:30:00.000Z');
  });

  it('starts a day whose midnight does not exist when the gap ends', () => {
    // Chile springs forward at 00:00 -> 01:00 (first Sunday of September 2026: 6 Sep).
    const start = startOfLocalDay(2026, 9, 6, 'America/Santiago');
    expect(localDate(start, 'America/Santiago')).toBe('2026-09-06');
    expect(localDate(new Date(start.getTime() - 1000), 'America/Santiago')).toBe('2026-09-05');
  });

  it('reads the local date of an instant: 23:30 UTC is already tomorrow in Berlin', () => {
    expect(localDate(new Date('2026-11-16T23:30:00Z'), 'Europe/Berlin')).toBe('2026-11-17');
    expect(localDate(new Date('2026-11-16T23:30:00Z'), 'UTC')).toBe('2026-11-16');
    expect(zoneOffsetMs(new Date('2026-11-16T23:30:00Z'), 'Europe/Berlin')).toBe(3_600_000);
  });
});

describe('timesheet periods', () => {
  it('parses an ISO week in the org zone', () => {
    const p = parsePeriod('2026-W47', 'Europe/Berlin');
    expect(p).toMatchObject({ kind: 'week', firstDay: '2026-11-16', lastDay: '2026-11-22' });
    expect(iso(p.start)).toBe('2026-11-15T23:00:00.000Z');
    expect(iso(p.end)).toBe('2026-11-22T23:00:00.000Z');
    expect(iso(parsePeriod('2026-W47', 'UTC').start)).toBe('2026-11-16T00:00:00.000Z');
  });

  it('ISO week 1 may start in the previous year, and week 53 exists only in long years', () => {
    expect(parsePeriod('2026-W01', 'UTC').firstDay).toBe('2025-12-29');
    expect(parsePeriod('2021-W01', 'UTC').firstDay).toBe('2021-01-04');
    expect(isoWeeksInYear(2026)).toBe(53);
    expect(isoWeeksInYear(2025)).toBe(52);
    expect(parsePeriod('2026-W53', 'UTC').lastDay).toBe('2027-01-03');
    expect(() => parsePeriod('2025-W53', 'UTC')).toThrow(expect.objectContaining({ code: 'TIME.INVALID_PERIOD' }));
  });

  it('a week holding a DST change is 167 or 169 hours long', () => {
    const spring = parsePeriod('2026-W13', 'Europe/Berlin'); // 23–29 March, clocks go forward on the 29th
    expect(iso(spring.start)).toBe('2026-03-22T23:00:00.000Z');
    expect(iso(spring.end)).toBe('2026-03-29T22:00:00.000Z');
    expect((spring.end.getTime() - spring.start.getTime()) / 3_600_000).toBe(167);
    const autumn = parsePeriod('2026-W44', 'Europe/Berlin'); // 26 Oct – 1 Nov, clocks went back on 25 Oct (W43)
    expect((autumn.end.getTime() - autumn.start.getTime()) / 3_600_000).toBe(168);
    const w43 = parsePeriod('2026-W43', 'Europe/Berlin');
    expect((w43.end.getTime() - w43.start.getTime()) / 3_600_000).toBe(169);
  });

  it('parses a month in the zone', () => {
    const p = parsePeriod('2026-11', 'America/New_York');
    expect(p).toMatchObject({ kind: 'month', firstDay: '2026-11-01', lastDay: '2026-11-30' });
    expect(iso(p.start)).toBe('2026-11-01T04:00:00.000Z'); // EDT until the 1st, 02:00
    expect(iso(p.end)).toBe('2026-12-01T05:00:00.000Z');
    const dec = parsePeriod('2026-12', 'UTC');
    expect(iso(dec.end)).toBe('2027-01-01T00:00:00.000Z');
    expect(parsePeriod('2028-02', 'UTC').lastDay).toBe('2028-02-29');
  });

  it('refuses anything else with TIME.INVALID_PERIOD', () => {
    for (const bad of ['2026-13', '2026-00', '2026-W00', '2026-W54', '2026W47', '26-11', '2026-11-01', 'week']) {
      expect(() => parsePeriod(bad, 'UTC'), bad).toThrow(expect.objectContaining({ code: 'TIME.INVALID_PERIOD', kind: 'validation' }));
    }
  });
});

describe('list boundaries', () => {
  it('a date is the start of that day in the zone; as `to` it includes the whole day', () => {
    expect(iso(boundary('2026-11-16', 'Europe/Berlin', 'from'))).toBe('2026-11-15T23:00:00.000Z');
    expect(iso(boundary('2026-11-16', 'Europe/Berlin', 'to'))).toBe('2026-11-16T23:00:00.000Z');
    expect(iso(boundary('2026-11-16T10:00:00+01:00', 'UTC', 'from'))).toBe('2026-11-16T09:00:00.000Z');
    expect(() => boundary('2026-02-30', 'UTC', 'from')).toThrow(expect.objectContaining({ code: 'VALIDATION_FAILED' }));
    expect(() => boundary('yesterday', 'UTC', 'to')).toThrow(expect.objectContaining({ code: 'VALIDATION_FAILED' }));
  });
});

describe('aggregate buckets', () => {
  it('covers [from, to) with local days, starting with the day holding from', () => {
    const b = bucketStarts(new Date('2026-11-16T23:30:00Z'), new Date('2026-11-18T23:00:00Z'), 'day', 'Europe/Berlin', 'monday');
    expect(b.map((x) => [x.key, iso(x.start)])).toEqual([
      ['2026-11-17', '2026-11-16T23:00:00.000Z'],
      ['2026-11-18', '2026-11-17T23:00:00.000Z'],
    ]);
  });

  it('days across a DST change are 23 or 25 hours long', () => {
    const b = bucketStarts(new Date('2026-10-24T12:00:00Z'), new Date('2026-10-26T23:00:00Z'), 'day', 'Europe/Berlin', 'monday');
    expect(b.map((x) => x.key)).toEqual(['2026-10-24', '2026-10-25', '2026-10-26']);
    expect((b[2].start.getTime() - b[1].start.getTime()) / 3_600_000).toBe(25);
  });

  it('starts weeks on Monday or Sunday, and months on the 1st', () => {
    const from = new Date('2026-11-18T12:00:00Z'); // a Wednesday
    const to = new Date('2026-12-02T00:00:00Z');
    expect(bucketStarts(from, to, 'week', 'UTC', 'monday').map((x) => x.key)).toEqual(['2026-11-16', '2026-11-23', '2026-11-30']);
    expect(bucketStarts(from, to, 'week', 'UTC', 'sunday').map((x) => x.key)).toEqual(['2026-11-15', '2026-11-22', '2026-11-29']);
    expect(bucketStarts(new Date('2026-11-15T00:00:00Z'), to, 'week', 'UTC', 'sunday')[0].key).toBe('2026-11-15');
    expect(bucketStarts(new Date('2026-11-30T23:30:00Z'), new Date('2027-01-31T23:00:00Z'), 'month', 'Europe/Berlin', 'monday').map((x) => x.key)).toEqual([
      '2026-12-01',
      '2027-01-01',
    ]);
    expect(bucketStarts(new Date('2026-12-15T00:00:00Z'), new Date('2027-01-01T00:00:00Z'), 'month', 'UTC', 'monday').map((x) => x.key)).toEqual(['2026-12-01']);
  });

  it('an empty range has no buckets', () => {
    expect(bucketStarts(new Date('2026-11-18T00:00:00Z'), new Date('2026-11-18T00:00:00Z'), 'day', 'UTC', 'monday')).toEqual([]);
  });
});

describe('periods at the edges of the calendar', () => {
  it('computes weeks and months of the first centuries as themselves (Date.UTC read them as 19xx)', () => {
    expect(parsePeriod('0001-W01', 'UTC')).toMatchObject({ firstDay: '0001-01-01', lastDay: '0001-01-07' });
    expect(parsePeriod('0050-02', 'UTC')).toMatchObject({ firstDay: '0050-02-01', lastDay: '0050-02-28' });
    expect(iso(parsePeriod('0050-02', 'UTC').start)).toBe('0050-02-01T00:00:00.000Z');
  });

  it('refuses year 0, and weeks a year does not have', () => {
    for (const bad of ['0000-W01', '0000-01', '2025-W53']) {
      expect(() => parsePeriod(bad, 'UTC'), bad).toThrow(expect.objectContaining({ code: 'TIME.INVALID_PERIOD' }));
    }
  });

  it('reads a list bound without an offset as wall time in the zone', () => {
    expect(iso(boundary('2026-11-16T10:00', 'Europe/Berlin', 'from'))).toBe('2026-11-16T09:00:00.000Z');
    expect(iso(boundary('2026-11-16T10:00:00', 'UTC', 'to'))).toBe('2026-11-16T10:00:00.000Z');
  });
});
