// Calendar dates and the text forms of time the API accepts, in years 1–9999. JavaScript's
// Date is no help at the edges: Date.UTC reads years 0–99 as 1900–1999, `new Date()` takes
// `2026-02-30` and leap seconds it cannot hold, and toISOString() writes year 10000 as
// `+010000-…`, which clients and our own validators refuse. So every parse and every piece of
// calendar arithmetic goes through here, and what it accepts is what the schemas accept.

export const MIN_YEAR = 1;
export const MAX_YEAR = 9999;

/** Years a value may fall in: the calendar's (1–9999), or a narrower range a domain needs. */
export interface YearRange {
  min: number;
  max: number;
}

export const ALL_YEARS: YearRange = { min: MIN_YEAR, max: MAX_YEAR };

export interface CivilDate {
  year: number;
  month: number;
  day: number;
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

export const isLeapYear = (year: number) => year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);

export const daysInMonth = (year: number, month: number) => (month === 2 && isLeapYear(year) ? 29 : DAYS_IN_MONTH[month - 1]);

/** A real day of the Gregorian calendar in years 1–9999. */
export function isCivilDate(year: number, month: number, day: number): boolean {
  return (
    Number.isInteger(year) && year >= MIN_YEAR && year <= MAX_YEAR && month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth(year, month)
  );
}

/**
 * Milliseconds since the epoch of a wall time read as UTC. Fields may overflow (day 32, month
 * 13) as in Date.UTC, but years 0–99 are themselves, not 1900–1999.
 */
export function utcMs(year: number, month: number, day: number, hour = 0, minute = 0, second = 0, ms = 0): number {
  if (year >= 100) return Date.UTC(year, month - 1, day, hour, minute, second, ms);
  const d = new Date(0);
  d.setUTCFullYear(year, month - 1, day);
  d.setUTCHours(hour, minute, second, ms);
  return d.getTime();
}

/** The UTC calendar day of an instant. */
export function civilDateOf(ms: number): CivilDate {
  const d = new Date(ms);
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
}

/** Calendar days later (or earlier): no zone, so always whole days, never 24 hours. */
export const addDays = (date: CivilDate, days: number): CivilDate => civilDateOf(utcMs(date.year, date.month, date.day + days));

/** The first day of the month after `date`'s. */
export const nextMonth = (date: CivilDate): CivilDate => (date.month === 12 ? { year: date.year + 1, month: 1, day: 1 } : { year: date.year, month: date.month + 1, day: 1 });

/** Monday = 0 … Sunday = 6. */
export const isoWeekday = (date: CivilDate) => (new Date(utcMs(date.year, date.month, date.day)).getUTCDay() + 6) % 7;

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** 'YYYY-MM-DD'. */
export const formatDate = (d: CivilDate) => `${pad(d.year, 4)}-${pad(d.month)}-${pad(d.day)}`;

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** 'YYYY-MM-DD' as a real calendar day in years 1–9999, else null. */
export function parseCalendarDate(text: string): CivilDate | null {
  const m = DATE.exec(text);
  if (!m) return null;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  return isCivilDate(year, month, day) ? { year, month, day } : null;
}

/** A date-time as written: its wall time (read as UTC) and offset, if it has one. */
export interface WrittenTime {
  year: number;
  /** The wall time's milliseconds as if it were UTC. */
  wallMs: number;
  /** Minutes east of UTC; null when the text carries no offset. */
  offsetMinutes: number | null;
}

// RFC 3339 (`T` or `t`, offset `Z`/`z` or ±hh:mm). Seconds are optional only where the
// caller allows a loose ISO 8601 form.
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?([Zz]|[+-]\d{2}:\d{2})?$/;

const MIN_MS = utcMs(MIN_YEAR, 1, 1);
const MAX_MS = utcMs(MAX_YEAR + 1, 1, 1) - 1;

/** Is this instant inside years 1–9999, in UTC? */
export const isRepresentable = (ms: number) => ms >= MIN_MS && ms <= MAX_MS;

/**
 * Parses a date-time with a real date and clock time (no `24:00`, no leap second `:60`, which
 * Date cannot hold). `strict` is RFC 3339: seconds and an offset required. Otherwise seconds
 * and the offset may be left out (a wall time the caller places in a zone).
 */
export function parseDateTime(text: string, strict: boolean): WrittenTime | null {
  const m = DATE_TIME.exec(text);
  if (!m) return null;
  const [year, month, day, hour, minute] = [1, 2, 3, 4, 5].map((i) => Number(m[i]));
  if (strict && (m[6] === undefined || m[8] === undefined)) return null;
  const second = Number(m[6] ?? 0);
  if (!isCivilDate(year, month, day) || hour > 23 || minute > 59 || second > 59) return null;
  const ms = m[7] ? Number(m[7].slice(0, 3).padEnd(3, '0')) : 0;
  const wallMs = utcMs(year, month, day, hour, minute, second, ms);
  const zone = m[8];
  if (zone === undefined) return { year, wallMs, offsetMinutes: null };
  if (zone === 'Z' || zone === 'z') return { year, wallMs, offsetMinutes: 0 };
  const [oh, om] = [Number(zone.slice(1, 3)), Number(zone.slice(4, 6))];
  if (oh > 23 || om > 59) return null;
  return { year, wallMs, offsetMinutes: (zone[0] === '-' ? -1 : 1) * (oh * 60 + om) };
}

/** An RFC 3339 timestamp with its offset, as an instant inside years 1–9999 (UTC), else null. */
export function parseTimestamp(text: string): Date | null {
  const t = parseDateTime(text, true);
  if (!t || t.offsetMinutes === null) return null;
  const ms = t.wallMs - t.offsetMinutes * 60_000;
  return isRepresentable(ms) ? new Date(ms) : null;
}

/** Monday of ISO week 1: the week that holds the year's first Thursday (so 4 January). */
export function isoWeekOneMonday(year: number): CivilDate {
  const jan4 = { year, month: 1, day: 4 };
  return addDays(jan4, -isoWeekday(jan4));
}

/** 52 or 53. */
export function isoWeeksInYear(year: number): number {
  const first = isoWeekOneMonday(year);
  const next = isoWeekOneMonday(year + 1);
  return Math.round((utcMs(next.year, next.month, next.day) - utcMs(first.year, first.month, first.day)) / (7 * 86_400_000));
}

const WEEK = /^(\d{4})-W(\d{2})$/;
const MONTH = /^(\d{4})-(\d{2})$/;

/** 'YYYY-Www': a week the ISO calendar has (W53 only in long years), in years 1–9999. */
export function parseIsoWeek(text: string): { year: number; week: number } | null {
  const m = WEEK.exec(text);
  if (!m) return null;
  const [year, week] = [Number(m[1]), Number(m[2])];
  return year >= MIN_YEAR && year <= MAX_YEAR && week >= 1 && week <= isoWeeksInYear(year) ? { year, week } : null;
}

/** 'YYYY-MM' in years 1–9999. */
export function parseYearMonth(text: string): { year: number; month: number } | null {
  const m = MONTH.exec(text);
  if (!m) return null;
  const [year, month] = [Number(m[1]), Number(m[2])];
  return year >= MIN_YEAR && year <= MAX_YEAR && month >= 1 && month <= 12 ? { year, month } : null;
}

/** The year a date, date-time, week or month is written in (its first four digits). */
export const writtenYear = (text: string): number => Number(text.slice(0, 4));
