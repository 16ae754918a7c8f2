
import { TimeProblems } from './problems.ts';
import type { Executor } from '../../core/db/database.ts';
import { entries } from './repository.ts';
import { findClashes, isLocked, lockedError, overlapError, type Span } from './rules.ts';
import { settings } from './settings-repository.ts';
import { timesheets } from './timesheet-repository.ts';

/** Refuses writes touching an entry that starts before the lock date or in an approved period. */
export async function assertOpen(tx: Executor, orgId: string, timeZone: string, checks: { userId: string; start: Date }[]) {
  const s = await settings.get(tx, orgId);
  for (const c of checks) {
    if (s.lockDate && isLocked(c.start, s.lockDate, timeZone)) throw lockedError(s.lockDate);
    const approved = await timesheets.approvedHolding(tx, orgId, c.userId, c.start);
    if (approved) {
      throw TimeProblems.periodApproved.error(`The timesheet for ${approved.period} is approved: its entries are locked`, {
        details: { period: approved.period },
      });
    }
  }
}

/** Refuses a range that overlaps another entry (or the running timer) of the user. */
export async function assertNoOverlap(tx: Executor, orgId: string, userId: string, span: Span, exceptId?: string) {
  const candidates = await entries.overlapping(tx, orgId, userId, span.start, span.end, exceptId);
  const clashes = findClashes(span, candidates.map((c) => ({ id: c.id, start: c.start_at, end: c.end_at })));
  if (clashes.length) throw overlapError(clashes);
}

/** Takes the (org, user) locks in a fixed order, so two writers never wait on each other. */
export async function lockUsers(tx: Executor, orgId: string, userIds: string[]) {
  for (const userId of [...new Set(userIds)].sort()) await entries.lockUser(tx, orgId, userId);
}

/**
 * Maps the database's own guards to the API's codes: the exclusion constraint (PostgreSQL
 * with btree_gist) and the one-timer index. The service's checks run first, under the lock,
 * so these fire only if a write bypassed them.
 */
export function mapConstraintError(err: unknown): unknown {
  const code = (err as { code?: string } | null)?.code;
  const constraint = (err as { constraint?: string } | null)?.constraint;
  if (code === '23P01') return overlapError([]);
  if (code === '23505' && (constraint === 'entries_one_timer_idx' || String((err as Error).message).includes('entries_one_timer_idx'))) {
    return TimeProblems.timerRunning.error('A timer is already running');
  }
  return err;
}
