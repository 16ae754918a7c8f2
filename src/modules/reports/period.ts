// Report periods in an organization's time zone. Dates in the API are calendar days in `tz`
// with `to` inclusive; internally a period is a half-open interval of instants [from, to).
// No date library: Intl gives the zone's offset at an instant, and a wall time converts to
// an instant in at most two lookups (the second one settles DST changes).
import { AppError, invalid } from '../../core/errors.ts';
import { localDate as dateIn, startOfLocalDay, wallTimeToInstant } from '../../core/time/zones.ts';

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

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:\d{2})?$/;

export { isTimeZone, localDate as dateIn, wallTimeToInstant, zoneOffsetMs } from '../../core/time/zones.ts';

/** Midnight at the start of a calendar day in a zone. */
export function startOfDay(date: string, timeZone: string): Date {
  const m = DATE.exec(date)!;
  return startOfLocalDay(Number(m[1]), Number(m[2]), Number(m[3]), timeZone);
}

/** Calendar arithmetic on YYYY-MM-DD (no zone involved). */
export function addDays(date: string, days: number): string {
  const m = DATE.exec(date)!;
  return new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]) + days)).toISOString().slice(0, 10);
}

function firstOfMonth(date: string): string {
  return `${date.slice(0, 7)}-01`;
}

function lastOfMonth(date: string): string {
  const m = DATE.exec(firstOfMonth(date))!;
  return new Date(Date.UTC(Number(m[1]), Number(m[2]), 0)).toISOString().slice(0, 10);
}

function isRealDate(y: number, mo: number, d: number): boolean {
  const t = new Date(Date.UTC(y, mo - 1, d));
  return t.getUTCFullYear() === y && t.getUTCMonth() === mo - 1 && t.getUTCDate() === d;
}

type Bound = { kind: 'date'; date: string } | { kind: 'instant'; at: Date };

/** Parses `YYYY-MM-DD` or an ISO date-time (with an offset, or wall time in `timeZone`). */
export function parseBound(value: string, field: string, timeZone: string): Bound {
  const d = DATE.exec(value);
  if (d) {
    if (!isRealDate(Number(d[1]), Number(d[2]), Number(d[3]))) throw invalid(field, 'is not a calendar date');
    return { kind: 'date', date: value };
  }
  const m = DATE_TIME.exec(value);
  if (!m) throw invalid(field, 'must be a date (YYYY-MM-DD) or an ISO 8601 date-time');
  const [y, mo, day, h, mi, s] = [1, 2, 3, 4, 5, 6].map((i) => Number(m[i] ?? 0));
  if (!isRealDate(y, mo, day) || h > 23 || mi > 59 || s > 59) throw invalid(field, 'is not a valid date-time');
  const ms = m[7] ? Number(m[7].slice(0, 3).padEnd(3, '0')) : 0;
  const wall = Date.UTC(y, mo - 1, day, h, mi, s, ms);
  if (!m[8]) return { kind: 'instant', at: wallTimeToInstant(wall, timeZone) };
  if (m[8] === 'Z') return { kind: 'instant', at: new Date(wall) };
  const sign = m[8][0] === '-' ? -1 : 1;
  const [oh, om] = m[8].slice(1).split(':').map(Number);
  if (oh > 23 || om > 59) throw invalid(field, 'has an invalid UTC offset');
  return { kind: 'instant', at: new Date(wall - sign * (oh * 60 + om) * 60_000) };
}

/**
 * The period of a report. A missing bound completes to a calendar month: no bounds is the
 * current month in the zone, `from` alone runs to the end of its month, `to` alone starts at
 * the first of its month. A date `to` is inclusive (the next day's midnight, exclusive); a
 * date-time `to` is the exclusive end itself.
 */
export function resolvePeriod(input: { from?: string; to?: string; timeZone: string; now: Date; maxDays?: number }): Period {
  const { timeZone, now } = input;
  const from = input.from === undefined ? undefined : parseBound(input.from, 'query.from', timeZone);
  const to = input.to === undefined ? undefined : parseBound(input.to, 'query.to', timeZone);
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
    throw new AppError('validation', 'REPORTS.RANGE_TOO_LONG', `A report covers at most ${maxDays} days`, {
      errors: [{ field: 'query.to', message: `must be at most ${maxDays} days after from` }],
    });
  }
  return { from: fromAt, to: toAt, fromDate: dateIn(fromAt, timeZone), toDate: dateIn(new Date(toAt.getTime() - 1), timeZone), timeZone };
}
