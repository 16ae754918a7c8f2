// A mail outage never fails the request that caused the mail: the event stays in the outbox
// and the mail goes out once the transport is back; other subscribers are not held up.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createTestApp, makeAdmin, signUp, STRONG_PASSWORD, type TestApp, uniqueEmail } from './harness.ts';

let t: TestApp;
beforeAll(async () => {
  // A real-sized backoff: a failed delivery is not retried within the same drain().
  t = await createTestApp({ env: { EVENT_MAX_ATTEMPTS: '3' }, overrides: { dispatcher: { backoffBaseMs: 60_000 } } });
});
afterAll(() => t?.close());

async function outboxRow(userId: string) {
  const rows = await t.database.db.selectFrom('core.outbox').selectAll().where('type', '=', 'auth.user_registered').execute();
  const row = rows.find((r: any) => (typeof r.payload === 'string' ? JSON.parse(r.payload) : r.payload).userId === userId);
  if (!row) throw new Error(`no auth.user_registered event for ${userId}`);
  return row;
}

/** Moves every pending retry to now, as if the backoff had passed. */
const makeDue = () => sql`UPDATE core.outbox SET next_attempt_at = now() WHERE status = 'pending'`.execute(t.database.db);

const register = (email: string) =>
  t.request({ method: 'POST', url: '/api/v1/auth/register', payload: { email, password: STRONG_PASSWORD, displayName: 'Outage' } });

describe('mail outage', () => {
  it('registration succeeds, the profile is created, and the mail follows once the transport recovers', async () => {
    const email = uniqueEmail('outage');
    t.mailer.failNext(1);
    const res = await register(email);
    expect(res.statusCode).toBe(201);
    const userId = res.json().user.id;

    await t.drain();
    expect(t.mailer.sent.filter((m) => m.to === email)).toHaveLength(0);
    const profile = await t.database.db.selectFrom('users.profiles').selectAll().where('user_id', '=', userId).executeTakeFirst();
    expect(profile?.display_name).toBe('Outage');
    const failed = await outboxRow(userId);
    expect(failed).toMatchObject({ status: 'pending', attempts: 1 });
    expect(failed.last_error).toContain('auth.send_verification_on_register');

    expect(new Date(failed.next_attempt_at).getTime()).toBeGreaterThan(Date.now() + 30_000);
    // Once the backoff has passed, the retry delivers; the profile subscriber is not run again.
    await makeDue();
    await t.drain();
    expect(t.mailer.sent.filter((m) => m.to === email)).toHaveLength(1);
    expect(await outboxRow(userId)).toMatchObject({ status: 'delivered' });
    const deliveries = await t.database.db.selectFrom('core.deliveries').select('subscriber').where('event_id', '=', failed.id).execute();
    // The subscribers of every event (audit, webhook fan-out) are recorded beside them.
    expect(deliveries.map((d: { subscriber: string }) => d.subscriber).sort()).toEqual([
      'audit.record',
      'auth.send_verification_on_register',
      'users.create_profile',
      'webhooks.fan_out',
    ]);
  });

  it('a long outage dead-letters the event; an admin retry sends the mail, and its link works', async () => {
    const admin = await signUp(t);
    await makeAdmin(t, admin.userId);
    const email = uniqueEmail('dead');
    t.mailer.failNext(3);
    const res = await register(email);
    expect(res.statusCode).toBe(201);
    const userId = res.json().user.id;
    await t.drain();
    for (let i = 0; i < 2; i++) {
      await makeDue();
      await t.drain();
    }
    const dead = await outboxRow(userId);
    expect(dead).toMatchObject({ status: 'dead', attempts: 3 });
    expect(t.mailer.sent.filter((m) => m.to === email)).toHaveLength(0);

    const listed = await t.request({ method: 'GET', url: '/api/v1/admin/events?status=dead&type=auth.user_registered', headers: bearer(admin.accessToken) });
    expect(listed.json().data.map((e: { id: string }) => e.id)).toContain(dead.id);
    const retry = await t.request({ method: 'POST', url: `/api/v1/admin/events/${dead.id}/retry`, headers: bearer(admin.accessToken) });
    expect(retry.statusCode).toBe(202);
    await t.drain();
    const mails = t.mailer.sent.filter((m) => m.to === email);
    expect(mails).toHaveLength(1);
    const token = decodeURIComponent(/token=([A-Za-z0-9_%-]+)/.exec(mails[0].text)![1]);
    const verify = await t.request({ method: 'POST', url: '/api/v1/auth/verify-email', payload: { token } });
    expect(verify.statusCode).toBe(204);
  });
});
