// Report periods in an organization's time zone. Dates in the API are calendar days in `tz`
// with `to` inclusive; internally a period is a half-open interval of instants [from, to).
// No date library: Intl gives the zone's offset at an instant, and a wall time converts to
// an instant in at most two lookups (the second one settles DST changes).
import { invalid } from '../../core/errors.ts';
import {
  addDays as addCivilDays,
  type CivilDate,
  daysInMonth,
  formatDate,
  parseCalendarDate,
  parseDateTime,
  type YearRange,
} from '../../core/time/calendar.ts';
import { localDate as dateIn, localParts, startOfLocalDay, wallTimeToInstant } from '../../core/time/zones.ts';
import { ENTRY_YEARS } from '../time/index.ts';
import { ReportProblems } from './problems.ts';

/** The longest period a report may cover (a leap year, `to` inclusive). */
export const MAX_RANGE_DAYS = 366;
const DAY_MS = 86_400_000;

export interface Period {
  /** First instant of the period. */
  from: Date;
  /** First instant after the period (exclusive). */
  to: Date;
  /** Calendar day of `from` in the time zone. */
  fromDate: string;
  /** Calendar day of the period's last instant in the time zone (inclusive). */
  toDate: string;
  timeZone: string;
}

export { isTimeZone, localDate as dateIn, wallTimeToInstant, zoneOffsetMs } from '../../core/time/zones.ts';

/** A 'YYYY-MM-DD' this module made or validated; anything else is a bug, not input. */
function civil(date: string): CivilDate {
  const d = parseCalendarDate(date);
  if (!d) throw new Error(`not a calendar date: ${date}`);
  return d;
}

/** Midnight at the start of a calendar day in a zone. */
export function startOfDay(date: string, timeZone: string): Date {
  const d = civil(date);
  return startOfLocalDay(d.year, d.month, d.day, timeZone);
}

/** Calendar arithmetic on YYYY-MM-DD (no zone involved). */
export const addDays = (date: string, days: number): string => formatDate(addCivilDays(civil(date), days));

const firstOfMonth = (date: string): string => `${date.slice(0, 7)}-01`;

function lastOfMonth(date: string): string {
  const d = civil(date);
  return formatDate({ ...d, day: daysInMonth(d.year, d.month) });
}

type Bound = { kind: 'date'; date: string } | { kind: 'instant'; at: Date };

/** Parses `YYYY-MM-DD` or an ISO 8601 date-time (with an offset, or wall time in `timeZone`). */
export function parseBound(value: string, field: string, timeZone: string): Bound {
  if (parseCalendarDate(value)) return { kind: 'date', date: value };
  const t = parseDateTime(value, false);
  if (!t) throw invalid(field, 'must be a real date (YYYY-MM-DD) or ISO 8601 date-time');
  if (t.offsetMinutes === null) return { kind: 'instant', at: wallTimeToInstant(t.wallMs, timeZone) };
  return { kind: 'instant', at: new Date(t.wallMs - t.offsetMinutes * 60_000) };
}

/**
 * The period of a report. A missing bound completes to a calendar month: no bounds is the
 * current month in the zone, `from` alone runs to the end of its month, `to` alone starts at
 * the first of its month. A date `to` is inclusive (the next day's midnight, exclusive); a
 * date-time `to` is the exclusive end itself.
 */
export function resolvePeriod(input: { from?: string; to?: string; timeZone: string; now: Date; maxDays?: number; years?: YearRange }): Period {
  const { timeZone, now, years = ENTRY_YEARS } = input;
  // Reports cover the years time can be recorded in, so no bucket or label of one ever
  // reaches the calendar's edge (a report in year 9999 ended in year 10000 and answered 500).
  const outside = (field: string) => invalid(field, `must be in the years ${years.min}–${years.max}`);
  const bound = (value: string | undefined, field: string) => {
    if (value === undefined) return undefined;
    const b = parseBound(value, field, timeZone);
    const year = b.kind === 'date' ? Number(b.date.slice(0, 4)) : localParts(b.at, timeZone).year;
    if (year < years.min || year > years.max) throw outside(field);
    return b;
  };
  const from = bound(input.from, 'query.from');
  const to = bound(input.to, 'query.to');
  const dayOf = (b: Bound) => (b.kind === 'date' ? b.date : dateIn(b.at, timeZone));

  const fromAt = from
    ? from.kind === 'date'
      ? startOfDay(from.date, timeZone)
      : from.at
    : startOfDay(firstOfMonth(to ? dayOf(to) : dateIn(now, timeZone)), timeZone);
  const toAt = to
    ? to.kind === 'date'
      ? startOfDay(addDays(to.date, 1), timeZone)
      : to.at
    : startOfDay(addDays(lastOfMonth(dateIn(fromAt, timeZone)), 1), timeZone);

  if (toAt.getTime() <= fromAt.getTime()) throw invalid('query.to', 'must be after from');
  const maxDays = input.maxDays ?? MAX_RANGE_DAYS;
  // One hour of slack: a range of whole days across a DST change is an hour longer or shorter.
  if (toAt.getTime() - fromAt.getTime() > maxDays * DAY_MS + 3_600_000) {
    throw ReportProblems.rangeTooLong.error(`A report covers at most ${maxDays} days`, {
      errors: [{ field: 'query.to', message: `must be at most ${maxDays} days after from` }],
    });
  }
  // A date `to` on the range's last day ends on the next year's first midnight: still inside.
  if (toAt > startOfLocalDay(years.max + 1, 1, 1, timeZone)) throw outside('query.to');
  return { from: fromAt, to: toAt, fromDate: dateIn(fromAt, timeZone), toDate: dateIn(new Date(toAt.getTime() - 1), timeZone), timeZone };
}
