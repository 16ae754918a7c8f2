// Calendar arithmetic in a time zone. Times are stored in UTC; a day, an ISO week or a
// month is a range of instants that depends on the zone (and on DST inside it), so every
// boundary is computed here, from the zone's rules in Intl, never by adding 24 h.
import { CoreProblems } from '../../core/errors.ts';
import { TimeProblems } from './problems.ts';
import { addDays, type CivilDate, formatDate, isoWeekday, isoWeekOneMonday, nextMonth, parseCalendarDate, parseDateTime, parseIsoWeek, parseYearMonth } from '../../core/time/calendar.ts';
import { localParts, startOfLocalDay, wallTimeToInstant } from '../../core/time/zones.ts';

export { isoWeeksInYear } from '../../core/time/calendar.ts';
export {
  isTimeZone as validTimeZone,
  type LocalParts,
  localDate,
  localParts,
  startOfLocalDay,
  zoneOffsetMs,
} from '../../core/time/zones.ts';

/** Parses 'YYYY-MM-DD' into its numbers, or null when it is not a real calendar date. */
export const parseDate = parseCalendarDate;

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

const invalidPeriod = () =>
  TimeProblems.invalidPeriod.error('The period is not an ISO week (2026-W47) or a month (2026-11)', {
    errors: [{ field: 'params.period', message: 'must be an ISO week like 2026-W47 or a month like 2026-11' }],
  });

/** Parses a timesheet period in `tz`; throws 400 TIME.INVALID_PERIOD. */
export function parsePeriod(key: string, tz: string): Period {
  const w = parseIsoWeek(key);
  if (w) {
    const first = addDays(isoWeekOneMonday(w.year), (w.week - 1) * 7);
    return periodOf(key, 'week', first, addDays(first, 7), tz);
  }
  const m = parseYearMonth(key);
  if (m) {
    const first = { year: m.year, month: m.month, day: 1 };
    return periodOf(key, 'month', first, nextMonth(first), tz);
  }
  throw invalidPeriod();
}

function periodOf(key: string, kind: Period['kind'], first: CivilDate, next: CivilDate, tz: string): Period {
  return {
    key,
    kind,
    start: startOfLocalDay(first.year, first.month, first.day, tz),
    end: startOfLocalDay(next.year, next.month, next.day, tz),
    firstDay: formatDate(first),
    lastDay: formatDate(addDays(next, -1)),
  };
}

/**
 * A list filter bound: a calendar date taken in `tz`, or a date-time, read in `tz` when it has
 * no offset. A date as the upper bound includes that whole day (`to=2026-11-30` means through
 * the 30th). The schema admits only these forms; the check here keeps the function total.
 */
export function boundary(value: string, tz: string, side: 'from' | 'to'): Date {
  const d = parseCalendarDate(value);
  if (d) {
    const day = side === 'to' ? addDays(d, 1) : d;
    return startOfLocalDay(day.year, day.month, day.day, tz);
  }
  const t = parseDateTime(value, false);
  if (!t) {
    throw CoreProblems.validationFailed.error('The request is not valid', {
      errors: [{ field: `query.${side}`, message: 'must be a date (YYYY-MM-DD) or a date-time' }],
    });
  }
  return t.offsetMinutes === null ? wallTimeToInstant(t.wallMs, tz) : new Date(t.wallMs - t.offsetMinutes * 60_000);
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
  let day: CivilDate = { year: p.year, month: p.month, day: unit === 'month' ? 1 : p.day };
  if (unit === 'week') {
    const monday = isoWeekday(day);
    day = addDays(day, -(weekStartsOn === 'monday' ? monday : (monday + 1) % 7));
  }
  const buckets: Bucket[] = [];
  for (;;) {
    const start = startOfLocalDay(day.year, day.month, day.day, tz);
    if (start.getTime() >= to.getTime()) return buckets;
    buckets.push({ key: formatDate(day), start });
    day = unit === 'day' ? addDays(day, 1) : unit === 'week' ? addDays(day, 7) : nextMonth(day);
  }
}
