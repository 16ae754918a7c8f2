// Sign-in throttling (decision 0021). Failures count twice: per (email, client), where
// LOGIN_MAX_FAILURES lock that client out of that email for a growing period, and per email
// from every client together, where LOGIN_ACCOUNT_SLOWDOWN spaces the email's attempts instead
// of locking them. So a stranger locks out only himself, and a guesser with many addresses
// gets one try per LOGIN_ACCOUNT_SPACING while the owner waits a few seconds at worst.
// Emails with and without an account take exactly the same path.
import type { Executor } from '../../core/db/database.ts';
import type { JobDefinition } from '../../core/jobs/types.ts';
import type { AuthContext } from './context.ts';
import { AuthProblems } from './problems.ts';
import { LoginFailurePurgeResult } from './schemas.ts';
import { accountFailures, pairFailures } from './throttle-repository.ts';

const MAX_LOCK_SECONDS = 86_400;
/** A pair is kept a day after its last failure or lock, so a lock soon after the last one still doubles. */
const PAIR_KEPT_MS = 86_400_000;

export interface FailureOutcome {
  /** This failure locked the client out of the email until then. */
  lockedUntil: Date | null;
  /** This failure brought the email to its ceiling: its attempts are spaced from now on. */
  reachedCeiling: boolean;
}

const secondsUntil = (until: Date, now: Date) => Math.max(1, Math.ceil((until.getTime() - now.getTime()) / 1000));

const locked = (retryAfter: number) => AuthProblems.accountLocked.error('Too many failed sign-ins; try again later', { retryAfter });
const slowed = (retryAfter: number) => AuthProblems.accountSlowed.error('Too many failed sign-ins to this account; try again in a few seconds', { retryAfter });

export function createLoginThrottle(ctx: AuthContext) {
  const { db, clock, settings } = ctx.core;
  const spacingMs = settings.loginAccountSpacing * 1000;
  const windowMs = settings.loginAccountWindow * 1000;

  /**
   * Throws while this client is locked out of the email, or while the email's next attempt is not
   * due; past the ceiling, an attempt that may go ahead takes the email's turn. Nothing here looks
   * at the password or the account, so the answers are the same whether the email has one.
   */
  async function admit(email: string, client: string): Promise<void> {
    const now = clock.now();
    const pair = await pairFailures.get(db, email, client);
    if (pair?.locked_until && pair.locked_until > now) throw locked(secondsUntil(pair.locked_until, now));
    const account = await accountFailures.get(db, email);
    if (!account || account.failures < settings.loginAccountSlowdown || account.last_failed_at.getTime() <= now.getTime() - windowMs) return;
    if (account.next_attempt_at && account.next_attempt_at > now) throw slowed(secondsUntil(account.next_attempt_at, now));
    if (!(await accountFailures.takeSlot(db, email, now, new Date(now.getTime() + spacingMs)))) throw slowed(settings.loginAccountSpacing);
  }

  /** Counts a failed sign-in in the caller's transaction. */
  async function recordFailure(tx: Executor, email: string, client: string): Promise<FailureOutcome> {
    const now = clock.now();
    let lockedUntil: Date | null = null;
    const pair = await pairFailures.fail(tx, email, client, now);
    if (pair.failures >= settings.loginMaxFailures) {
      // The lock doubles with each lock in a row: 1 min, 2, 4, ... capped at a day.
      const seconds = Math.min(MAX_LOCK_SECONDS, settings.loginLockBase * 2 ** pair.lock_count);
      lockedUntil = new Date(now.getTime() + seconds * 1000);
      await pairFailures.lock(tx, email, client, lockedUntil);
    }
    const account = await accountFailures.fail(tx, email, now, new Date(now.getTime() - windowMs));
    if (account.failures >= settings.loginAccountSlowdown) await accountFailures.spaceUntil(tx, email, new Date(now.getTime() + spacingMs));
    return { lockedUntil, reachedCeiling: account.failures === settings.loginAccountSlowdown };
  }

  /** A success ends this client's run of failures; the email's ceiling stays, or a guesser could reset it with the owner's help. */
  async function succeeded(email: string, client: string): Promise<void> {
    await pairFailures.clear(db, email, client);
  }

  /** Hourly: the table would otherwise keep a row for every email and client that ever failed. */
  const purgeJob: JobDefinition<unknown, typeof LoginFailurePurgeResult> = {
    name: 'auth.purge_login_failures',
    result: LoginFailurePurgeResult,
    cron: '23 * * * *',
    exclusive: true,
    async handler() {
      const now = clock.now().getTime();
      const pairs = await pairFailures.purge(db, new Date(now - PAIR_KEPT_MS));
      const accounts = await accountFailures.purge(db, new Date(now - windowMs));
      return { pairs, accounts };
    },
  };

  return { admit, recordFailure, succeeded, purgeJob };
}

export type LoginThrottle = ReturnType<typeof createLoginThrottle>;
