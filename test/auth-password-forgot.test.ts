// POST /auth/password/forgot answers before any work that depends on the account: the request
// writes one outbox record carrying the email, whoever it belongs to, and the subscriber looks
// the account up, mints the token and mails the link after the answer (decision 0021).
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOutbox } from '../src/core/events/outbox.ts';
import { createTestApp, createTestDatabase, expectProblem, lastMailToken, signUp, type TestApp, uniqueEmail } from './harness.ts';

const API = '/api/v1';

let t: TestApp;
let url: string | undefined;
let drop: () => Promise<void>;
beforeAll(async () => {
  const owned = await createTestDatabase();
  url = owned.url;
  drop = owned.drop;
  t = await createTestApp({ database: owned.database, env: { AUTH_RATE_LIMIT: '100000', RATE_LIMIT: '10000000' } });
});
afterAll(async () => {
  await t?.close();
  await drop?.();
});

let octet = 0;
/** An address no other request of this file used, so per-IP rate-limit headers start afresh. */
const freshAddress = () => `198.19.${Math.floor(Math.random() * 256)}.${(octet++ % 254) + 1}`;
const forgot = (email: string, remoteAddress = freshAddress()) =>
  t.request({ method: 'POST', url: `${API}/auth/password/forgot`, payload: { email }, remoteAddress });
/** Reset mails only: each account here also got a verification mail when it signed up. */
const mailsTo = (to: string) => t.mailer.sent.filter((m) => m.to === to && /reset/i.test(m.subject));

async function resetTokenRows(accountId?: string) {
  let q = t.database.db.selectFrom('auth.action_tokens' as never).select('id' as never).where('purpose' as never, '=', 'password_reset' as never);
  if (accountId) q = q.where('account_id' as never, '=', accountId as never);
  return (await q.execute()).length;
}

/** What one request left behind: the outbox records it wrote, and the reset tokens and mails that exist. */
async function effectsOf(send: () => Promise<{ statusCode: number }>) {
  const last = await t.database.db.selectFrom('core.outbox').select('id').orderBy('id', 'desc').limit(1).executeTakeFirst();
  const tokens = await resetTokenRows();
  const mails = t.mailer.sent.length;
  const res = await send();
  expect(res.statusCode).toBe(202);
  let q = t.database.db.selectFrom('core.outbox').select(['type', 'payload']).orderBy('id');
  if (last) q = q.where('id', '>', last.id);
  return { outbox: await q.execute(), newTokens: (await resetTokenRows()) - tokens, newMails: t.mailer.sent.length - mails };
}

describe('forgot password', () => {
  it('does the same work for a known and an unknown email: one outbox record with the email, no token, no mail', async () => {
    const u = await signUp(t);
    const ghost = uniqueEmail('ghost');
    const known = await effectsOf(() => forgot(u.email.toUpperCase()));
    const unknown = await effectsOf(() => forgot(ghost));
    expect(known).toEqual({ outbox: [{ type: 'auth.password_reset_requested', payload: { email: u.email } }], newTokens: 0, newMails: 0 });
    expect(unknown).toEqual({ outbox: [{ type: 'auth.password_reset_requested', payload: { email: ghost } }], newTokens: 0, newMails: 0 });

    // After the answer, the subscriber does the account's work: a token and a mail for the known one only.
    await t.drain();
    expect(await resetTokenRows(u.userId)).toBe(1);
    expect(mailsTo(u.email)).toHaveLength(1);
    expect(mailsTo(ghost)).toHaveLength(0);
    const mailed = await t.database.db.selectFrom('core.outbox').select(['payload']).where('type', '=', 'auth.password_reset_mailed').execute();
    expect(mailed.map((r) => r.payload)).toContainEqual({ userId: u.userId });
  });

  it('answers a known and an unknown email byte for byte the same, apart from the request id and the clock', async () => {
    const u = await signUp(t);
    const a = await forgot(u.email);
    const b = await forgot(uniqueEmail('ghost'));
    expect(a.statusCode).toBe(202);
    expect(a.rawPayload.equals(b.rawPayload)).toBe(true);
    expect(a.body).toBe('{"status":"accepted"}');
    // `date` is the clock, not the account: the two answers may straddle a second.
    const { 'x-request-id': ra, date: _dateA, ...headersA } = a.headers;
    const { 'x-request-id': rb, date: _dateB, ...headersB } = b.headers;
    expect(ra).not.toBe(rb);
    expect(headersB).toEqual(headersA);
  });

  // A table lock held elsewhere makes any query on auth.accounts wait: a request that looked the
  // account up would queue behind it instead of answering.
  it('answers while auth.accounts is locked by another connection: the request never reads it', async () => {
    const u = await signUp(t);
    const locker = new pg.Client({ connectionString: url });
    await locker.connect();
    let settled = false;
    try {
      await locker.query('BEGIN');
      await locker.query('LOCK TABLE auth.accounts IN ACCESS EXCLUSIVE MODE');
      const answer = forgot(u.email).then((res) => ({ answered: res.statusCode }));
      const waiting = (async () => {
        for (;;) {
          const { rows } = await locker.query(`SELECT 1 FROM pg_locks WHERE relation = 'auth.accounts'::regclass AND NOT granted`);
          if (rows.length > 0 || settled) return { queuedBehindTheLock: true };
          await new Promise((r) => setTimeout(r, 10));
        }
      })();
      const first = await Promise.race([answer, waiting]);
      settled = true;
      await locker.query('ROLLBACK');
      expect(first).toEqual({ answered: 202 });
      await answer;
      await waiting;
    } finally {
      settled = true;
      await locker.end();
    }
    await t.drain();
    expect(mailsTo(u.email)).toHaveLength(1);
  });

  it('mails nothing to a disabled account, and the link of an active one resets the password once', async () => {
    const disabled = await signUp(t);
    const admin = await signUp(t);
    await t.app.apis.auth.setStatus(admin.userId, disabled.userId, 'disabled');
    const active = await signUp(t);
    expect((await forgot(disabled.email)).statusCode).toBe(202);
    expect((await forgot(active.email)).statusCode).toBe(202);
    await t.drain();
    expect(mailsTo(disabled.email)).toHaveLength(0);
    const token = lastMailToken(t, active.email);
    const reset = (password: string) => t.request({ method: 'POST', url: `${API}/auth/password/reset`, payload: { token, password } });
    expect((await reset('An0ther-long-garden-path')).statusCode).toBe(204);
    expectProblem(await reset('Yet-an0ther-garden-path'), 400, 'AUTH.INVALID_TOKEN');
  });

  it('still mails the link for a request recorded before the change, which names the account by id', async () => {
    const u = await signUp(t);
    // The payload written by the previous version, possibly still in the outbox during an upgrade.
    await createOutbox().publish(t.database.db, 'auth.password_reset_requested', { userId: u.userId } as never);
    await t.drain();
    expect(mailsTo(u.email)).toHaveLength(1);
    expect(lastMailToken(t, u.email)).toMatch(/^[\w-]{20,}$/);
  });
});
