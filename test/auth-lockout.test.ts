// Sign-in throttling (decision 0021): failures lock one (account, client address) pair, so a
// stranger locks only himself out; failures from every address together past a ceiling space
// the account's attempts instead of locking it. IPv6 clients count per /64.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createTestApp, expectProblem, makeAdmin, signUp, type TestApp, uniqueEmail } from './harness.ts';

const API = '/api/v1';
const SPACING_S = 5;

// The app's clock runs with real time plus an offset the tests move (lock, spacing and purge).
let offsetMs = 0;
const clock = { now: () => new Date(Date.now() + offsetMs) };
async function later<T>(ms: number, fn: () => Promise<T>): Promise<T> {
  offsetMs += ms;
  try {
    return await fn();
  } finally {
    offsetMs -= ms;
  }
}

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({
    env: { LOGIN_MAX_FAILURES: '5', LOGIN_ACCOUNT_SLOWDOWN: '8', LOGIN_ACCOUNT_SPACING: `${SPACING_S}s`, AUTH_RATE_LIMIT: '100000', RATE_LIMIT: '10000000' },
    overrides: { clock },
  });
});
afterAll(() => t?.close());

let n = 0;
/** A new IPv4 address of this file (198.18.0.0/15 is reserved for tests of this kind). */
const address = () => {
  n++;
  return `198.18.${Math.floor(n / 250)}.${(n % 250) + 1}`;
};
const login = (email: string, password: string, remoteAddress: string) =>
  t.request({ method: 'POST', url: `${API}/auth/login`, payload: { email, password }, remoteAddress });
const wrong = (i: number) => `Wrong-password-${i}-x`;
const withoutRequestId = ({ requestId: _r, ...rest }: Record<string, unknown>) => rest;

async function failTimes(email: string, times: number, from: string) {
  for (let i = 0; i < times; i++) expectProblem(await login(email, wrong(i), from), 401, 'AUTH.INVALID_CREDENTIALS');
}

async function eventsOf(type: string) {
  const rows = await t.database.db.selectFrom('core.outbox').select(['payload']).where('type', '=', type).orderBy('id').execute();
  return rows.map((r) => r.payload as Record<string, unknown>);
}

describe('lock per account and address', () => {
  it('locks the address that failed five times, even for the right password; the owner signs in from another', async () => {
    const u = await signUp(t);
    const stranger = address();
    await failTimes(u.email, 5, stranger);
    const locked = await login(u.email, u.password, stranger);
    expectProblem(locked, 429, 'AUTH.ACCOUNT_LOCKED');
    expect(Number(locked.headers['retry-after'])).toBeGreaterThanOrEqual(59);
    expect(Number(locked.headers['retry-after'])).toBeLessThanOrEqual(60);

    const owner = await login(u.email, u.password, address());
    expect(owner.statusCode, owner.body).toBe(200);
    // The owner's success clears the owner's pair only.
    expectProblem(await login(u.email, u.password, stranger), 429, 'AUTH.ACCOUNT_LOCKED');
    expect((await eventsOf('auth.account_locked')).filter((e) => e.userId === u.userId)).toEqual([
      { userId: u.userId, lockedUntil: expect.any(String), ip: stranger },
    ]);
  });

  it('clears the pair’s count on success: failures before it do not add to those after', async () => {
    const u = await signUp(t);
    const from = address();
    await failTimes(u.email, 4, from);
    expect((await login(u.email, u.password, from)).statusCode).toBe(200);
    // Without the reset, the first of these would be the fifth failure and the second would meet the lock.
    await failTimes(u.email, 4, from);
  });

  it('counts the addresses of one IPv6 /64 together, and an IPv4-mapped address as its IPv4 address', async () => {
    const u = await signUp(t);
    for (let i = 1; i <= 5; i++) expectProblem(await login(u.email, wrong(i), `2001:db8:77:1::${i.toString(16)}`), 401, 'AUTH.INVALID_CREDENTIALS');
    expectProblem(await login(u.email, u.password, '2001:db8:77:1:ffff:ffff:ffff:fffe'), 429, 'AUTH.ACCOUNT_LOCKED');
    expect((await login(u.email, u.password, '2001:db8:77:2::1')).statusCode).toBe(200);

    const other = await signUp(t);
    const v4 = address();
    await failTimes(other.email, 5, `::ffff:${v4}`);
    expectProblem(await login(other.email, other.password, v4), 429, 'AUTH.ACCOUNT_LOCKED');
  });
});

describe('ceiling per account', () => {
  it('spaces the attempts of an account many addresses fail, without checking the password; the owner gets in after the spacing', async () => {
    const u = await signUp(t);
    // Four addresses, two failures each: none is locked, the account reaches its ceiling of 8.
    for (let i = 0; i < 4; i++) await failTimes(u.email, 2, address());

    const owner = address();
    const slowed = await login(u.email, u.password, owner);
    const body = expectProblem(slowed, 429, 'AUTH.ACCOUNT_SLOWED');
    expect(body).not.toHaveProperty('accessToken');
    const retryAfter = Number(slowed.headers['retry-after']);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(SPACING_S);

    await later(SPACING_S * 1000, async () => {
      const ok = await login(u.email, u.password, owner);
      expect(ok.statusCode, ok.body).toBe(200);
      // That attempt took the account's slot: the next one, from anywhere, waits its turn.
      expectProblem(await login(u.email, wrong(9), address()), 429, 'AUTH.ACCOUNT_SLOWED');
    });
    await later(2 * SPACING_S * 1000, async () => {
      // One attempt per spacing goes through and counts; the one right after it waits.
      expectProblem(await login(u.email, wrong(10), address()), 401, 'AUTH.INVALID_CREDENTIALS');
      expectProblem(await login(u.email, u.password, address()), 429, 'AUTH.ACCOUNT_SLOWED');
    });
    expect((await eventsOf('auth.account_slowed')).filter((e) => e.userId === u.userId)).toEqual([{ userId: u.userId, failures: 8 }]);
  });

  it('forgets an account’s failures after LOGIN_ACCOUNT_WINDOW without one', async () => {
    const u = await signUp(t);
    for (let i = 0; i < 4; i++) await failTimes(u.email, 2, address());
    expectProblem(await login(u.email, u.password, address()), 429, 'AUTH.ACCOUNT_SLOWED');
    await later(3_601_000, async () => {
      expect((await login(u.email, u.password, address())).statusCode).toBe(200);
      for (let i = 0; i < 7; i++) await failTimes(u.email, 1, address());
      expect((await login(u.email, u.password, address())).statusCode).toBe(200);
    });
  });
});

describe('unknown emails', () => {
  it('are locked and slowed exactly like known ones, with the same answers', async () => {
    const u = await signUp(t);
    const ghost = uniqueEmail('ghost');
    const stranger = address();
    await failTimes(u.email, 5, stranger);
    await failTimes(ghost, 5, stranger);
    const lockedKnown = await login(u.email, u.password, stranger);
    const lockedGhost = await login(ghost, u.password, stranger);
    expect(withoutRequestId(expectProblem(lockedGhost, 429, 'AUTH.ACCOUNT_LOCKED'))).toEqual(withoutRequestId(expectProblem(lockedKnown, 429, 'AUTH.ACCOUNT_LOCKED')));
    expect(Math.abs(Number(lockedGhost.headers['retry-after']) - Number(lockedKnown.headers['retry-after']))).toBeLessThanOrEqual(1);

    // Five failures so far; three more addresses bring both to the ceiling.
    for (let i = 0; i < 3; i++) {
      const from = address();
      await failTimes(u.email, 1, from);
      await failTimes(ghost, 1, from);
    }
    const from = address();
    const slowedKnown = await login(u.email, u.password, from);
    const slowedGhost = await login(ghost, u.password, from);
    expect(withoutRequestId(expectProblem(slowedGhost, 429, 'AUTH.ACCOUNT_SLOWED'))).toEqual(withoutRequestId(expectProblem(slowedKnown, 429, 'AUTH.ACCOUNT_SLOWED')));
    expect(Math.abs(Number(slowedGhost.headers['retry-after']) - Number(slowedKnown.headers['retry-after']))).toBeLessThanOrEqual(1);
  });
});

describe('unlock and upkeep', () => {
  it('an admin unlock clears every counter of the account: its locked addresses and its ceiling', async () => {
    const admin = await signUp(t);
    await makeAdmin(t, admin.userId);
    const u = await signUp(t);
    const stranger = address();
    await failTimes(u.email, 5, stranger);
    await failTimes(u.email, 3, address());
    expectProblem(await login(u.email, u.password, stranger), 429, 'AUTH.ACCOUNT_LOCKED');
    expectProblem(await login(u.email, u.password, address()), 429, 'AUTH.ACCOUNT_SLOWED');

    const res = await t.request({ method: 'POST', url: `${API}/users/${u.userId}/unlock`, headers: bearer(admin.accessToken) });
    expect(res.statusCode, res.body).toBe(204);
    expect((await login(u.email, u.password, stranger)).statusCode).toBe(200);
    expect((await login(u.email, u.password, address())).statusCode).toBe(200);
  });

  it('purges counters that have been quiet for a day, and keeps the others', async () => {
    const old = uniqueEmail('old');
    const recent = uniqueEmail('recent');
    await failTimes(old, 5, address());
    const rows = async (email: string) =>
      (await t.database.db.selectFrom('auth.login_pair_failures' as never).select('email' as never).where('email' as never, '=', email as never).execute()).length +
      (await t.database.db.selectFrom('auth.login_account_failures' as never).select('email' as never).where('email' as never, '=', email as never).execute()).length;
    expect(await rows(old)).toBe(2);
    await later(25 * 3_600_000, async () => {
      await failTimes(recent, 2, address());
      await t.app.jobs.enqueue('auth.purge_login_failures', {});
      await t.runJobs();
      expect(await rows(old)).toBe(0);
      expect(await rows(recent)).toBe(2);
    });
  });
});
