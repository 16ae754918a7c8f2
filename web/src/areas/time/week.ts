// The week view's arithmetic, kept pure so it is tested alone (week.test.ts): which days a week
// has, local wall times to instants and back, durations typed by people ("1:30", "1.5h", "90m"),
// and entries grouped by the day they start. Times are the browser's: a person logs time in the
// zone they work in; the API stores instants (UTC) and accepts any offset.
import type { components } from '../../api/schema';

export type Entry = components['schemas']['TimeEntry'];
export type WeekStartsOn = 'monday' | 'sunday';

const pad = (n: number) => String(n).padStart(2, '0');

/** `YYYY-MM-DD` of a local date. */
export const ymd = (d: Date) => `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;

/** The local midnight of a `YYYY-MM-DD`. */
export function parseYmd(day: string): Date {
  const [y, m, d] = day.split('-').map(Number);
  return new Date(y, m - 1, d);
}

/** The first day of the week holding `date`, at local midnight. */
export function weekStart(date: Date, startsOn: WeekStartsOn = 'monday'): Date {
  const day = new Date(date.getFullYear(), date.getMonth(), date.getDate());
  const offset = startsOn === 'monday' ? (day.getDay() + 6) % 7 : day.getDay();
  day.setDate(day.getDate() - offset);
  return day;
}

/** The seven days from `start`, as `YYYY-MM-DD`. */
export function weekDays(start: Date): string[] {
  return Array.from({ length: 7 }, (_, i) => ymd(new Date(start.getFullYear(), start.getMonth(), start.getDate() + i)));
}

/** `2026-W49`: the ISO week (Monday to Sunday) of a local date, as timesheet periods name it. */
export function isoWeek(date: Date): string {
  const d = new Date(Date.UTC(date.getFullYear(), date.getMonth(), date.getDate()));
  const dayNum = (d.getUTCDay() + 6) % 7;
  d.setUTCDate(d.getUTCDate() - dayNum + 3); // the week's Thursday decides its year
  const firstThursday = new Date(Date.UTC(d.getUTCFullYear(), 0, 4));
  const week = 1 + Math.round(((d.getTime() - firstThursday.getTime()) / 86_400_000 - 3 + ((firstThursday.getUTCDay() + 6) % 7)) / 7);
  return `${d.getUTCFullYear()}-W${pad(week)}`;
}

/** `HH:MM` of an instant, in local time. */
export function hm(instant: string): string {
  const d = new Date(instant);
  return `${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** The instant of a local day and `HH:MM`, as RFC 3339 (UTC); undefined when the time is not one. */
export function atTime(day: string, time: string): string | undefined {
  const match = /^(\d{1,2}):(\d{2})$/.exec(time.trim());
  if (!match) return undefined;
  const [h, m] = [Number(match[1]), Number(match[2])];
  if (h > 23 || m > 59) return undefined;
  const d = parseYmd(day);
  d.setHours(h, m, 0, 0);
  return d.toISOString().replace('.000Z', 'Z');
}

/** `1:05` for 3900 seconds (hours are not wrapped: a week's total reads `42:30`). */
export function formatDuration(seconds: number): string {
  const minutes = Math.round(seconds / 60);
  return `${Math.floor(minutes / 60)}:${pad(minutes % 60)}`;
}

/**
 * Seconds from what a person types for a duration: `1:30`, `1.5`, `1,5h`, `90m`, `1h30`, `2h`.
 * Undefined when it is none (or zero).
 */
export function parseDuration(text: string): number | undefined {
  const t = text.trim().toLowerCase().replace(',', '.');
  const clock = /^(\d+):([0-5]\d)$/.exec(t);
  const hours = /^(\d+(?:\.\d+)?)\s*h?$/.exec(t);
  const mins = /^(\d+)\s*m(?:in)?$/.exec(t);
  const both = /^(\d+)\s*h\s*(\d+)\s*m?$/.exec(t);
  const minutes = clock
    ? Number(clock[1]) * 60 + Number(clock[2])
    : hours
      ? Number(hours[1]) * 60
      : mins
        ? Number(mins[1])
        : both
          ? Number(both[1]) * 60 + Number(both[2])
          : undefined;
  if (minutes === undefined || !Number.isFinite(minutes) || minutes <= 0) return undefined;
  return Math.round(minutes) * 60;
}

/** Entries by the local day they start, each day's in start order; days outside the week are left out. */
export function byDay(entries: Entry[], days: string[]): Map<string, Entry[]> {
  const out = new Map<string, Entry[]>(days.map((d) => [d, []]));
  for (const e of entries) out.get(ymd(new Date(e.start)))?.push(e);
  for (const list of out.values()) list.sort((a, b) => a.start.localeCompare(b.start));
  return out;
}

/** Seconds of finished entries (a running timer counts nothing until it stops). */
export const total = (entries: Entry[]) => entries.reduce((sum, e) => sum + (e.durationSeconds ?? 0), 0);

/** A day's heading: `Monday 7 December`. */
export const dayLabel = (day: string) => parseYmd(day).toLocaleDateString(undefined, { weekday: 'long', day: 'numeric', month: 'long' });
