// Calendar arithmetic in a time zone. Times are stored in UTC; a day, an ISO week or a
// month is a range of instants that depends on the zone (and on DST inside it), so every
// boundary is computed here, from the zone's rules in Intl, never by adding 24 h.
import { AppError } from '../../core/errors.ts';
import { localParts, startOfLocalDay } from '../../core/time/zones.ts';

export {
  isTimeZone as validTimeZone,
  type LocalParts,
  localDate,
  localParts,
  startOfLocalDay,
  zoneOffsetMs,
} from '../../core/time/zones.ts';

const pad = (n: number) => String(n).padStart(2, '0');

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
/** RFC 3339 with an explicit offset: a bare local time would be read in the server's zone. */
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/i;

/** Parses 'YYYY-MM-DD' into its numbers, or null when it is not a real calendar date. */
export function parseDate(s: string): { year: number; month: number; day: number } | null {
  const m = DATE.exec(s);
  if (!m) return null;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const d = new Date(Date.UTC(year, month - 1, day));
  if (d.getUTCFullYear() !== year || d.getUTCMonth() !== month - 1 || d.getUTCDate() !== day) return null;
  return { year, month, day };
}

/** Adds days to a calendar date (no zone involved: calendar days, not 24 h). */
export function addDays(date: { year: number; month: number; day: number }, days: number) {
  const d = new Date(Date.UTC(date.year, date.month - 1, date.day + days));
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
}

export interface Period {
  /** As given: '2026-W47' or '2026-11'. */
  key: string;
  kind: 'week' | 'month';
  /** Inclusive start and exclusive end, in UTC. */
  start: Date;
  end: Date;
  /** First and last local calendar days. */
  firstDay: string;
  lastDay: string;
}

const WEEK = /^(\d{4})-W(\d{2})$/;
const MONTH = /^(\d{4})-(\d{2})$/;

const invalidPeriod = (key: string) =>
  new AppError('validation', 'TIME.INVALID_PERIOD', `"${key}" is not an ISO week (2026-W47) or a month (2026-11)`, {
    errors: [{ field: 'params.period', message: 'must be an ISO week like 2026-W47 or a month like 2026-11' }],
  });

/** Monday of ISO week 1: the week with the year's first Thursday (so it holds 4 January). */
function isoWeekOneMonday(year: number) {
  const jan4 = new Date(Date.UTC(year, 0, 4));
  const dow = (jan4.getUTCDay() + 6) % 7; // 0 = Monday
  return addDays({ year, month: 1, day: 4 }, -dow);
}

export function isoWeeksInYear(year: number): number {
  const next = isoWeekOneMonday(year + 1);
  const first = isoWeekOneMonday(year);
  return Math.round((Date.UTC(next.year, next.month - 1, next.day) - Date.UTC(first.year, first.month - 1, first.day)) / (7 * 86_400_000));
}

/** Parses a timesheet period in `tz`; throws 400 TIME.INVALID_PERIOD. */
export function parsePeriod(key: string, tz: string): Period {
  const w = WEEK.exec(key);
  if (w) {
    const [year, week] = [Number(w[1]), Number(w[2])];
    if (week < 1 || week > isoWeeksInYear(year)) throw invalidPeriod(key);
    const first = addDays(isoWeekOneMonday(year), (week - 1) * 7);
    const next = addDays(first, 7);
    return {
      key,
      kind: 'week',
      start: startOfLocalDay(first.year, first.month, first.day, tz),
      end: startOfLocalDay(next.year, next.month, next.day, tz),
      firstDay: fmt(first),
      lastDay: fmt(addDays(next, -1)),
    };
  }
  const m = MONTH.exec(key);
  if (m) {
    const [year, month] = [Number(m[1]), Number(m[2])];
    if (month < 1 || month > 12) throw invalidPeriod(key);
    const next = month === 12 ? { year: year + 1, month: 1, day: 1 } : { year, month: month + 1, day: 1 };
    return {
      key,
      kind: 'month',
      start: startOfLocalDay(year, month, 1, tz),
      end: startOfLocalDay(next.year, next.month, 1, tz),
      firstDay: fmt({ year, month, day: 1 }),
      lastDay: fmt(addDays(next, -1)),
    };
  }
  throw invalidPeriod(key);
}

const fmt = (d: { year: number; month: number; day: number }) => `${d.year}-${pad(d.month)}-${pad(d.day)}`;

/**
 * A list filter bound: an instant as given, or a calendar date taken in `tz`. A date as the
 * upper bound includes that whole day (`to=2026-11-30` means through the 30th).
 */
export function boundary(value: string, tz: string, side: 'from' | 'to'): Date {
  const d = parseDate(value);
  if (d) {
    const day = side === 'to' ? addDays(d, 1) : d;
    return startOfLocalDay(day.year, day.month, day.day, tz);
  }
  const t = new Date(value);
  if (!DATE_TIME.test(value) || Number.isNaN(t.getTime())) {
    throw new AppError('validation', 'VALIDATION_FAILED', 'The request is not valid', {
      errors: [{ field: `query.${side}`, message: 'must be a date (YYYY-MM-DD) or a date-time' }],
    });
  }
  return t;
}

export interface Bucket {
  /** The bucket's first local day, 'YYYY-MM-DD'. */
  key: string;
  start: Date;
}

/**
 * The day, week or month buckets in `tz` that cover [from, to), each starting at local
 * midnight (weeks on `weekStartsOn`). The aggregate passes their starts to SQL, which places
 * each entry with width_bucket: a binary search per row instead of a zone conversion per row.
 */
export function bucketStarts(from: Date, to: Date, unit: 'day' | 'week' | 'month', tz: string, weekStartsOn: 'monday' | 'sunday'): Bucket[] {
  const p = localParts(from, tz);
  let day = { year: p.year, month: p.month, day: unit === 'month' ? 1 : p.day };
  if (unit === 'week') {
    const dow = new Date(Date.UTC(day.year, day.month - 1, day.day)).getUTCDay(); // 0 = Sunday
    day = addDays(day, -(weekStartsOn === 'monday' ? (dow + 6) % 7 : dow));
  }
  const buckets: Bucket[] = [];
  for (;;) {
    const start = startOfLocalDay(day.year, day.month, day.day, tz);
    if (start.getTime() >= to.getTime()) return buckets;
    buckets.push({ key: fmt(day), start });
    day = unit === 'day' ? addDays(day, 1) : unit === 'week' ? addDays(day, 7) : day.month === 12 ? { year: day.year + 1, month: 1, day: 1 } : { ...day, month: day.month + 1 };
  }
}
