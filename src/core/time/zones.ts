// Wall-clock arithmetic in IANA time zones, from the zone rules the runtime's Intl carries.
// Times are stored in UTC; a local day, week or month is a range of instants that depends on
// the zone and on its daylight-saving changes, so boundaries are computed here, never by
// adding 24 hours. Shared by every module that shows or groups time in a zone. Wall times are
// built with calendar.ts's utcMs, since Date.UTC reads years 0–99 as 1900–1999.
import { utcMs } from './calendar.ts';

export interface LocalParts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

// Building an Intl.DateTimeFormat costs tens of microseconds: one per zone, kept.
const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(tz: string): Intl.DateTimeFormat {
  let f = formatters.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: tz,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(tz, f);
  }
  return f;
}

/** Is `tz` a zone the runtime knows ('Europe/Berlin', 'UTC')? */
export function isTimeZone(tz: string): boolean {
  try {
    formatter(tz);
    return true;
  } catch {
    return false;
  }
}

/** The zone's canonical spelling ('europe/zurich' -> 'Europe/Zurich'), so stored zones compare equal. */
export const canonicalTimeZone = (tz: string): string => formatter(tz).resolvedOptions().timeZone;

/** The wall-clock reading of `instant` in `tz`. */
export function localParts(instant: Date | number, tz: string): LocalParts {
  const parts: Record<string, number> = {};
  for (const p of formatter(tz).formatToParts(instant)) if (p.type !== 'literal') parts[p.type] = Number(p.value);
  return { year: parts.year, month: parts.month, day: parts.day, hour: parts.hour, minute: parts.minute, second: parts.second };
}

/** Milliseconds the zone is ahead of UTC at `instant` (positive east of Greenwich). */
export function zoneOffsetMs(instant: Date | number, tz: string): number {
  const ms = typeof instant === 'number' ? instant : instant.getTime();
  const p = localParts(ms, tz);
  return utcMs(p.year, p.month, p.day, p.hour, p.minute, p.second) - Math.floor(ms / 1000) * 1000;
}

/**
 * The instant at which clocks in `tz` show a wall time (given as if it were UTC). A wall time
 * skipped by a DST jump resolves to the instant just after the jump.
 */
export function wallTimeToInstant(wallAsUtc: number, tz: string): Date {
  const first = zoneOffsetMs(wallAsUtc, tz);
  let t = wallAsUtc - first;
  const second = zoneOffsetMs(t, tz);
  if (second !== first) t = wallAsUtc - second;
  return new Date(t);
}

/**
 * The instant at which the local calendar day y-m-d begins in `tz`. Where midnight itself
 * does not exist (a DST jump at 00:00), the day begins at the first instant after the gap.
 */
export function startOfLocalDay(year: number, month: number, day: number, tz: string): Date {
  const wall = utcMs(year, month, day);
  // Two passes: the offset at the guess may differ from the offset at the answer near a change.
  let t = wall - zoneOffsetMs(wall, tz);
  t = wall - zoneOffsetMs(t, tz);
  const dayOf = (ms: number) => {
    const p = localParts(ms, tz);
    return utcMs(p.year, p.month, p.day);
  };
  // Midnight fell in a gap: we landed on the previous day; the day starts when the gap ends
  // (offsets are whole quarter hours, so quarter-hour steps hit the gap's end).
  while (dayOf(t) < wall) t += 900_000;
  return new Date(t);
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** 'YYYY-MM-DD' of the local day containing `instant`. */
export function localDate(instant: Date | number, tz: string): string {
  const p = localParts(instant, tz);
  return `${pad(p.year, 4)}-${pad(p.month)}-${pad(p.day)}`;
}

/** Formatters by zone: making one costs more than formatting (a subscription run formats once a recipient). */
const longFormatters = new Map<string, { zone: string; fmt: Intl.DateTimeFormat }>();

/**
 * A moment as a reader sees it in a document (an export, a mail, generated documentation):
 * `7 December 2026 at 01:31 (Europe/Paris)`. An unknown zone falls back to UTC, and says so,
 * rather than failing what is being written.
 */
export function longDateTimeIn(at: Date, timeZone: string): string {
  let f = longFormatters.get(timeZone);
  if (!f) {
    try {
      f = { zone: timeZone, fmt: new Intl.DateTimeFormat('en-GB', { dateStyle: 'long', timeStyle: 'short', timeZone }) };
    } catch {
      f = { zone: 'UTC', fmt: new Intl.DateTimeFormat('en-GB', { dateStyle: 'long', timeStyle: 'short', timeZone: 'UTC' }) };
    }
    // Zones are a few hundred names at most; a bad one is cached as its UTC fallback.
    if (longFormatters.size < 1000) longFormatters.set(timeZone, f);
  }
  return `${f.fmt.format(at)} (${f.zone})`;
}
