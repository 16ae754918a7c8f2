// Fault suite on real processes (`node src/main.ts`), not app.inject:
// 1. A process commits a registration and dies by SIGKILL before its dispatcher delivers
//    the event. After a restart on the same data, the outbox delivers it: the profile
//    exists and exactly one verification mail was written.
// 2. The same for an organization invitation: committed, SIGKILL, restart: one mail, and
//    the token it carries is accepted (the stored hash matches the re-derived secret).
// 3. SIGTERM in the middle of a burst of requests drains them: every accepted request is
//    answered and the process exits 0 within SHUTDOWN_TIMEOUT.
// Each scenario gets an empty database of its own on the run's server, migrated at start.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { api, cleanupProcesses, diagnostics, freshStorage, killHard, login, mailFiles, PASSWORD, startServer, stopGracefully, until, WAIT_MS } from './processes.ts';

afterAll(cleanupProcesses, WAIT_MS);

/** Emails of the accounts in the stopped server's database. */
async function storedEmails(storage: { env: { DATABASE_URL: string } }, like: string): Promise<string[]> {
  const c = new pg.Client({ connectionString: storage.env.DATABASE_URL });
  await c.connect();
  try {
    return (await c.query<{ email: string }>('SELECT email FROM auth.accounts WHERE email LIKE $1', [like])).rows.map((r) => r.email);
  } finally {
    await c.end();
  }
}

describe('crash safety (real processes)', () => {
  it('a registration committed before a SIGKILL is delivered after restart: one profile, one mail', { timeout: 4 * WAIT_MS }, async () => {
    const { dataDir, env } = await freshStorage();
    const email = `crash-${randomBytes(4).toString('hex')}@example.test`;
    const displayName = 'Crash Survivor';

    // 1. Dispatcher off: the event is committed to the outbox and nothing delivers it.
    const first = await startServer(dataDir, { ...env, DISPATCHER_ENABLED: 'false' });
    const reg = await api(first, 'POST', '/auth/register', { email, password: PASSWORD, displayName });
    expect(reg.status, reg.text).toBe(201);
    const userId = reg.body.user.id as string;
    // Before delivery /users/me answers from the account with a default profile (the
    // email's local part as display name): the profile row does not exist yet.
    const early = await api(first, 'GET', '/users/me', undefined, await login(first, email));
    expect(early.status, early.text).toBe(200);
    expect(early.body.profile.displayName).not.toBe(displayName);
    await killHard(first);
    expect(mailFiles(dataDir)).toEqual([]);

    // 2. A normal restart on the same data delivers the pending event.
    const second = await startServer(dataDir, env);
    const token = await login(second, email);
    const me = await until('the profile created by users.create_profile', async () => {
      const res = await api(second, 'GET', '/users/me', undefined, token);
      return res.status === 200 && res.body.profile.displayName === displayName ? res.body : undefined;
    });
    expect(me).toMatchObject({ id: userId, email, profile: { displayName } });

    const toUser = (m: { headers: string }) => new RegExp(`^To: .*${email.replace(/[.+]/g, '\\$&')}`, 'im').test(m.headers);
    const mails = await until('the verification mail', () => {
      const files = mailFiles(dataDir);
      return files.some(toUser) ? files : undefined;
    });
    expect(mails).toHaveLength(1);
    expect(mails[0].headers).toMatch(/^Message-ID: <[^>]*-verify@/im);
    expect(mails[0].headers).toMatch(/^Subject: Confirm your email address/im);

    // Nothing delivers it a second time (a duplicate would come from a redelivery pass).
    await new Promise((r) => setTimeout(r, 1000));
    expect(mailFiles(dataDir)).toHaveLength(1);

    const { code } = await stopGracefully(second);
    expect(code, diagnostics(second)).toBe(0);
  });

  it('an invitation committed before a SIGKILL is mailed once after restart, and its link works', { timeout: 4 * WAIT_MS }, async () => {
    const { dataDir, env } = await freshStorage();
    const tag = randomBytes(4).toString('hex');
    const ownerEmail = `crash-owner-${tag}@example.test`;
    const guestEmail = `crash-guest-${tag}@example.test`;

    // 1. Dispatcher off: the org and the invitation commit, the mail waits in the outbox.
    const first = await startServer(dataDir, { ...env, DISPATCHER_ENABLED: 'false' });
    for (const email of [ownerEmail, guestEmail]) {
      const reg = await api(first, 'POST', '/auth/register', { email, password: PASSWORD, displayName: 'Crash' });
      expect(reg.status, reg.text).toBe(201);
    }
    const ownerToken = await login(first, ownerEmail);
    const org = await api(first, 'POST', '/orgs', { name: 'Crash Co', slug: `crash-${tag}` }, ownerToken);
    expect(org.status, org.text).toBe(201);
    const invite = await api(first, 'POST', `/orgs/${org.body.id}/invitations`, { email: guestEmail, role: 'member' }, ownerToken);
    expect(invite.status, invite.text).toBe(201);
    await killHard(first);
    expect(mailFiles(dataDir)).toEqual([]);

    // 2. After a restart the invitation mail goes out exactly once, and its token is accepted.
    const second = await startServer(dataDir, env);
    const isInvitation = (m: { headers: string }) => /^Message-ID: <[^>]*-invitation@/im.test(m.headers);
    const invitationMail = await until('the invitation mail', () => mailFiles(dataDir).find(isInvitation));
    expect(invitationMail.headers).toMatch(new RegExp(`^To: .*${guestEmail.replace(/[.+]/g, '\\$&')}`, 'im'));
    // The .eml body is quoted-printable: undo soft breaks and =XX escapes before reading the link.
    const raw = readFileSync(join(dataDir, 'mail', invitationMail.name), 'utf8')
      .replace(/=\r?\n/g, '')
      .replace(/=([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)));
    const token = decodeURIComponent(/token=([A-Za-z0-9_%-]+)/.exec(raw)![1]);
    const accepted = await api(second, 'POST', '/invitations/accept', { token }, await login(second, guestEmail));
    expect(accepted.status, accepted.text).toBe(200);
    const members = await api(second, 'GET', `/orgs/${org.body.id}/members`, undefined, ownerToken);
    expect(members.body.data.map((m: { email: string }) => m.email).sort()).toEqual([guestEmail, ownerEmail].sort());

    await new Promise((r) => setTimeout(r, 1000));
    expect(mailFiles(dataDir).filter(isInvitation)).toHaveLength(1);
    const { code } = await stopGracefully(second);
    expect(code, diagnostics(second)).toBe(0);
  });

  it('SIGTERM during a burst of requests drains the accepted ones and exits 0 within the bound', { timeout: 4 * WAIT_MS }, async () => {
    const storage = await freshStorage();
    // Generous: CI runs this beside other test files on two cores, and argon2 is real here.
    const shutdownSeconds = 30;
    const server = await startServer(storage.dataDir, { ...storage.env, SHUTDOWN_TIMEOUT: `${shutdownSeconds}s`, AUTH_RATE_LIMIT: '10000' });

    // Registrations hash a password (~40 ms of argon2 each, a few in parallel), so a burst
    // keeps the server busy for a while after the first answers come back.
    const burst = 24;
    let sigtermAt = 0;
    const requests = Array.from({ length: burst }, async (_, i) => {
      const email = `drain-${i}-${randomBytes(3).toString('hex')}@example.test`;
      try {
        const res = await api(server, 'POST', '/auth/register', { email, password: PASSWORD, displayName: `Drain ${i}` });
        return { email, status: res.status, afterSigterm: sigtermAt > 0, text: res.text };
      } catch (err) {
        const cause = (err as { cause?: { code?: string; message?: string } }).cause;
        return { email, status: 0, afterSigterm: sigtermAt > 0, text: cause?.code ?? cause?.message ?? String(err) };
      }
    });
    // The first answer proves the burst reached the server; then stop it mid-burst.
    await Promise.race(requests);
    sigtermAt = Date.now();
    const stopped = stopGracefully(server);
    const outcomes = await Promise.all(requests);

    const { code, ms } = await stopped;
    expect(code, diagnostics(server)).toBe(0);
    expect(ms).toBeLessThan(shutdownSeconds * 1000);
    expect(server.logs.map((l) => l.msg)).toEqual(expect.arrayContaining(['shutting down: draining in-flight requests', 'shutdown complete']));

    // Work in flight at SIGTERM was finished and answered, not cut off.
    const created = outcomes.filter((o) => o.status === 201);
    expect(created.filter((o) => o.afterSigterm).length).toBeGreaterThan(0);
    // Anything else was turned away before the server started on it: a 503 from the
    // closing server, or a connection it never accepted (reset, refused). Never a 5xx
    // from a request cut in half.
    const other = outcomes.filter((o) => o.status !== 201).map((o) => (o.status === 503 || o.status === 0 ? 'turned away' : `${o.status} ${o.text}`));
    expect(other.filter((o) => o !== 'turned away')).toEqual([]);

    // Exactly the answered registrations were committed: none committed without its 201,
    // none answered 201 without its commit.
    const stored = await storedEmails(storage, 'drain-%');
    expect(stored.sort()).toEqual(created.map((o) => o.email).sort());

    // Closed means closed: nothing listens on the port any more.
    await expect(fetch(`${server.base}/health/live`)).rejects.toThrow();
  });
});
