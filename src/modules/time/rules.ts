// The pure rules of time tracking: no I/O, so each is unit-tested on its own. The service
// feeds them what the repositories and façades return.
import { type AppError, CoreProblems } from '../../core/errors.ts';
import type { OrgRole } from '../organizations/index.ts';
import { TimeProblems } from './problems.ts';
import { parseDate, startOfLocalDay } from './periods.ts';

// ---- Who sees what ----------------------------------------------------------------

export const isAdmin = (role: OrgRole) => role === 'owner' || role === 'admin';

export const entryNotFound = () => TimeProblems.entryNotFound.error('Time entry not found');
export const projectArchived = () => TimeProblems.projectArchived.error('The project is archived: its entries are read-only');

// ---- Ranges and overlaps -------------------------------------------------------------

/** A half-open range [start, end); end null = a running timer, open-ended. */
export interface Span {
  start: Date;
  end: Date | null;
}

/**
 * Half-open ranges overlap when each starts before the other ends. So touching entries
 * (09:00–10:00 and 10:00–11:00) do not overlap, an empty range overlaps nothing, and a
 * running timer reaches to infinity.
 */
export function overlaps(a: Span, b: Span): boolean {
  if (a.end && a.end.getTime() <= a.start.getTime()) return false;
  if (b.end && b.end.getTime() <= b.start.getTime()) return false;
  const aEnd = a.end ? a.end.getTime() : Number.POSITIVE_INFINITY;
  const bEnd = b.end ? b.end.getTime() : Number.POSITIVE_INFINITY;
  return a.start.getTime() < bEnd && b.start.getTime() < aEnd;
}

export interface Clash {
  id: string;
  start: Date;
  end: Date | null;
}

/** The entries among `others` that clash with `span` (the repository pre-filters by range). */
export function findClashes<T extends Clash>(span: Span, others: T[], ignoreId?: string): T[] {
  return others.filter((o) => o.id !== ignoreId && overlaps(span, o));
}

export function overlapError(clashes: Clash[]): AppError {
  return TimeProblems.entryOverlap.error(`The entry overlaps ${clashes.length} other entr${clashes.length === 1 ? 'y' : 'ies'} of this user`, {
    details: { clashes: clashes.map((c) => ({ id: c.id, start: c.start.toISOString(), end: c.end ? c.end.toISOString() : null })) },
  });
}

/** Whole seconds: durations are integers, so SQL sums and these views agree exactly. */
export const truncateToSecond = (d: Date) => new Date(Math.floor(d.getTime() / 1000) * 1000);

export const durationSeconds = (span: Span): number | null => (span.end ? Math.round((span.end.getTime() - span.start.getTime()) / 1000) : null);

/**
 * The end of an entry from its input: `end`, or `start + durationSeconds`; exactly one is
 * given. Throws 400 TIME.INVALID_RANGE unless the end is after the start.
 */
export function resolveEnd(start: Date, input: { end?: Date; durationSeconds?: number }): Date {
  if (input.end && input.durationSeconds !== undefined) {
    throw CoreProblems.validationFailed.error('Give either end or durationSeconds, not both', {
      errors: [{ field: 'body.durationSeconds', message: 'must not be given together with end' }],
    });
  }
  const end = input.end ?? (input.durationSeconds !== undefined ? new Date(start.getTime() + input.durationSeconds * 1000) : undefined);
  if (!end) {
    throw CoreProblems.validationFailed.error('The request is not valid', {
      errors: [{ field: 'body.end', message: 'either end or durationSeconds is required' }],
    });
  }
  assertRange(start, end);
  return end;
}

export function assertRange(start: Date, end: Date) {
  if (truncateToSecond(end).getTime() <= truncateToSecond(start).getTime()) {
    throw TimeProblems.invalidRange.error('The end must be after the start', {
      errors: [{ field: 'body.end', message: 'must be after start' }],
    });
  }
}

// ---- Rates ---------------------------------------------------------------------------

export interface RateSources {
  projectMember: number | null;
  project: number | null;
  orgMember: number | null;
  org: number | null;
}

/** The most specific rate wins: project member > project > org member > org. */
export function resolveRate(r: RateSources): number | null {
  return r.projectMember ?? r.project ?? r.orgMember ?? r.org ?? null;
}

/** The entry's currency: the project's, else the organization's. */
export const resolveCurrency = (projectCurrency: string | null, orgCurrency: string) => projectCurrency ?? orgCurrency;

/** Minor units earned by `seconds` at an hourly rate, rounded half up once (not per second). */
export const amountMinor = (seconds: number, hourlyRateMinor: number) => Math.round((seconds * hourlyRateMinor) / 3600);

// ---- Rounding ------------------------------------------------------------------------

export type RoundingMode = 'up' | 'down' | 'nearest';
export interface RoundingRule {
  id?: string;
  scope: 'org' | 'client' | 'project';
  /** Project id or client name; '' for the org rule. */
  target: string;
  minutes: number;
  mode: RoundingMode;
}

/**
 * Rounds a duration to a step of `minutes`. The same integer formulas run in the aggregate's
 * SQL (see aggregate.ts), so a report and an entry view never disagree. `nearest` rounds a
 * half step up.
 */
export function roundSeconds(seconds: number, rule: Pick<RoundingRule, 'minutes' | 'mode'> | null): number {
  if (!rule) return seconds;
  const step = rule.minutes * 60;
  switch (rule.mode) {
    case 'up':
      return Math.floor((seconds + step - 1) / step) * step;
    case 'down':
      return Math.floor(seconds / step) * step;
    case 'nearest':
      return Math.floor((seconds + step / 2) / step) * step;
  }
}

/** The rule for one project: its own > its client's > the org's > none. */
export function effectiveRule<R extends RoundingRule>(rules: R[], project: { id: string; client: string | null }): R | null {
  return (
    rules.find((r) => r.scope === 'project' && r.target === project.id) ??
    (project.client !== null ? rules.find((r) => r.scope === 'client' && r.target === project.client) : undefined) ??
    rules.find((r) => r.scope === 'org') ??
    null
  );
}

// ---- Lock date -----------------------------------------------------------------------

/** The instant a lock date takes effect: the start of that day in the org's zone. */
export function lockInstant(lockDate: string | null, tz: string): Date | null {
  if (!lockDate) return null;
  const d = parseDate(lockDate);
  if (!d) throw new Error(`stored lock date is not a date: ${lockDate}`);
  return startOfLocalDay(d.year, d.month, d.day, tz);
}

/** Entries that start before the lock date are frozen. */
export function isLocked(start: Date, lockDate: string | null, tz: string): boolean {
  const at = lockInstant(lockDate, tz);
  return at !== null && start.getTime() < at.getTime();
}

export function lockedError(lockDate: string): AppError {
  return TimeProblems.locked.error(`Entries that start before ${lockDate} are locked`, { details: { lockDate } });
}
