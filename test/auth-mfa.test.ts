// One-time email codes, TOTP, recovery codes and trusted devices, through HTTP.
// TOTP codes come from otplib, an implementation independent of ours.
import { sql } from 'kysely';
import { generateSync } from 'otplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, lastMailToken, createTestApp, signUp, type TestApp, uniqueEmail } from './harness.ts';

let t: TestApp;
// A clock the test moves: TOTP steps, code expiry. Starts at real time (JWTs use real time).
let nowMs = Date.now();
const clock = { now: () => new Date(nowMs) };
const advance = (seconds: number) => {
  nowMs += seconds * 1000;
};

beforeAll(async () => {
  t = await createTestApp({ env: { AUTH_RATE_LIMIT: '100000' }, overrides: { clock } });
});
afterAll(() => t?.close());

const post = (url: string, payload: object, token?: string) =>
  t.request({ method: 'POST', url: `/api/v1${url}`, payload, headers: token ? bearer(token) : {} });

const totpCode = (secret: string) => generateSync({ secret, epoch: Math.floor(nowMs / 1000) } as any) as string;
const otherCode = (code: string) => String((Number(code) + 1) % 1_000_000).padStart(6, '0');

function lastCode(to: string): string {
  const mail = [...t.mailer.sent].reverse().find((m) => m.to === to);
  const match = mail && /\b(\d{6})\b/.exec(mail.text);
  if (!match) throw new Error(`no code mailed to ${to}`);
  return match[1];
}

async function requestCode(email: string) {
  const res = await post('/auth/otp/request', { email });
  expect(res.statusCode).toBe(202);
  expect(res.json()).toEqual({ status: 'accepted' });
  await t.drain();
  return lastCode(email);
}

async function eventsOf(userId: string, type: string) {
  const r = await sql<{ payload: any }>`SELECT payload FROM core.outbox WHERE type = ${type} AND payload->>'userId' = ${userId}`.execute(t.database.db);
  return r.rows.map((row) => row.payload);
}

/** Signs up, enables TOTP; returns the user, the secret and the recovery codes. */
async function withTotp() {
  const u = await signUp(t);
  const setup = await post('/auth/mfa/totp/setup', {}, u.accessToken);
  expect(setup.statusCode).toBe(200);
  const { secret, otpauthUrl } = setup.json();
  const confirm = await post('/auth/mfa/totp/confirm', { code: totpCode(secret) }, u.accessToken);
  expect(confirm.statusCode).toBe(200);
  advance(30); // the confirming step is spent
  return { ...u, secret, otpauthUrl, recoveryCodes: confirm.json().recoveryCodes as string[] };
}

async function loginChallenge(email: string, password: string, deviceToken?: string) {
  const res = await post('/auth/login', { email, password, ...(deviceToken ? { deviceToken } : {}) });
  expect(res.statusCode).toBe(200);
  return res.json();
}

describe('one-time codes by email', () => {
  it('signs in with the mailed code, verifies the email, and the code works once', async () => {
    const u = await signUp(t);
    const code = await requestCode(u.email);
    const mail = [...t.mailer.sent].reverse().find((m) => m.to === u.email)!;
    expect(mail.subject).not.toContain(code);

    const res = await post('/auth/otp/verify', { email: u.email.toUpperCase(), code });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ tokenType: 'Bearer', user: { email: u.email, emailVerified: true } });
    expect(await eventsOf(u.userId, 'auth.logged_in')).toContainEqual(expect.objectContaining({ method: 'otp' }));

    const again = await post('/auth/otp/verify', { email: u.email, code });
    expect(again.statusCode).toBe(401);
    expect(again.json().code).toBe('AUTH.INVALID_CODE');
  });

  it('counts wrong attempts: after five, even the right code is refused', async () => {
    const u = await signUp(t);
    const code = await requestCode(u.email);
    for (let i = 0; i < 5; i++) {
      const res = await post('/auth/otp/verify', { email: u.email, code: otherCode(code) });
      expect(res.statusCode).toBe(401);
      expect(res.json().code).toBe('AUTH.INVALID_CODE');
    }
    const res = await post('/auth/otp/verify', { email: u.email, code });
    expect(res.statusCode).toBe(401);
    expect(res.json().code).toBe('AUTH.INVALID_CODE');
  });

  it('answers 202 for an unknown email, mails nothing, and verify answers 401', async () => {
    const email = uniqueEmail('nobody');
    const sent = t.mailer.sent.length;
    const res = await post('/auth/otp/request', { email });
    expect(res.statusCode).toBe(202);
    expect(res.json()).toEqual({ status: 'accepted' });
    await t.drain();
    expect(t.mailer.sent.length).toBe(sent);
    const verify = await post('/auth/otp/verify', { email, code: '123456' });
    expect(verify.statusCode).toBe(401);
    expect(verify.json().code).toBe('AUTH.INVALID_CODE');
  });

  it('voids the older code when a new one is requested, and expires codes after 10 minutes', async () => {
    const u = await signUp(t);
    const first = await requestCode(u.email);
    const second = await requestCode(u.email);
    if (first !== second) expect((await post('/auth/otp/verify', { email: u.email, code: first })).statusCode).toBe(401);
    expect((await post('/auth/otp/verify', { email: u.email, code: second })).statusCode).toBe(200);

    const third = await requestCode(u.email);
    advance(10 * 60 + 1);
    expect((await post('/auth/otp/verify', { email: u.email, code: third })).statusCode).toBe(401);
  });

  it('validates the code format', async () => {
    const res = await post('/auth/otp/verify', { email: uniqueEmail(), code: '12345' });
    expect(res.statusCode).toBe(400);
    expect(res.json().code).toBe('VALIDATION_FAILED');
  });
});

describe('TOTP', () => {
  it('sets up, confirms, and then sign-in needs the second factor', async () => {
    const u = await signUp(t);
    const setup = await post('/auth/mfa/totp/setup', {}, u.accessToken);
    expect(setup.statusCode).toBe(200);
    const { secret, otpauthUrl } = setup.json();
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(otpauthUrl).toBe(`otpauth://totp/Trellis:${u.email}?secret=${secret}&issuer=Trellis&algorithm=SHA1&digits=6&period=30`);

    const wrong = await post('/auth/mfa/totp/confirm', { code: otherCode(totpCode(secret)) }, u.accessToken);
    expect(wrong.statusCode).toBe(400);
    expect(wrong.json().code).toBe('AUTH.INVALID_CODE');
    // Still pending: sign-in needs no second factor yet.
    expect((await loginChallenge(u.email, u.password)).accessToken).toBeTypeOf('string');

    const confirm = await post('/auth/mfa/totp/confirm', { code: totpCode(secret) }, u.accessToken);
    expect(confirm.statusCode).toBe(200);
    const { recoveryCodes } = confirm.json();
    expect(recoveryCodes).toHaveLength(10);
    for (const c of recoveryCodes) expect(c).toMatch(/^[a-z2-7]{4}-[a-z2-7]{4}$/);
    expect(await eventsOf(u.userId, 'auth.mfa_enabled')).toHaveLength(1);

    const again = await post('/auth/mfa/totp/setup', {}, u.accessToken);
    expect(again.statusCode).toBe(409);
    expect(again.json().code).toBe('AUTH.MFA_ALREADY_ENABLED');

    const login = await loginChallenge(u.email, u.password);
    expect(login).toEqual({ mfaRequired: true, mfaToken: expect.any(String), expiresIn: 300 });
    expect(login.accessToken).toBeUndefined();

    // The code that confirmed cannot be replayed within its window.
    const replay = await post('/auth/mfa/verify', { mfaToken: login.mfaToken, code: totpCode(secret) });
    expect(replay.statusCode).toBe(401);
    expect(replay.json().code).toBe('AUTH.INVALID_CODE');
    expect(await eventsOf(u.userId, 'auth.login_failed')).toContainEqual(expect.objectContaining({ reason: 'bad_second_factor' }));

    advance(30);
    const ok = await post('/auth/mfa/verify', { mfaToken: login.mfaToken, code: totpCode(secret), trustDevice: true, deviceName: 'Work laptop' });
    expect(ok.statusCode).toBe(200);
    const pair = ok.json();
    expect(pair).toMatchObject({ tokenType: 'Bearer', user: { id: u.userId, mfaEnabled: true }, deviceToken: expect.any(String) });
    expect(await eventsOf(u.userId, 'auth.logged_in')).toContainEqual(expect.objectContaining({ method: 'mfa' }));

    // The challenge is single-use.
    advance(30);
    const reuse = await post('/auth/mfa/verify', { mfaToken: login.mfaToken, code: totpCode(secret) });
    expect(reuse.statusCode).toBe(401);

    // The trusted device skips the second factor; another token does not.
    const trusted = await loginChallenge(u.email, u.password, pair.deviceToken);
    expect(trusted.accessToken).toBeTypeOf('string');
    expect((await loginChallenge(u.email, u.password, 'not-a-real-device-token-xxxxxxxx')).mfaRequired).toBe(true);

    const devices = await t.request({ method: 'GET', url: '/api/v1/auth/devices', headers: bearer(pair.accessToken) });
    expect(devices.statusCode).toBe(200);
    expect(devices.json().data).toEqual([
      { id: expect.any(String), label: 'Work laptop', ip: expect.any(String), createdAt: expect.any(String), lastUsedAt: expect.any(String), expiresAt: expect.any(String) },
    ]);
  });

  it('answers a one-time email code with the MFA challenge when TOTP is on', async () => {
    const u = await withTotp();
    const code = await requestCode(u.email);
    const res = await post('/auth/otp/verify', { email: u.email, code });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ mfaRequired: true, mfaToken: expect.any(String), expiresIn: 300 });
    const ok = await post('/auth/mfa/verify', { mfaToken: res.json().mfaToken, code: totpCode(u.secret) });
    expect(ok.statusCode).toBe(200);
    expect(ok.json().deviceToken).toBeUndefined();
  });

  it('accepts a recovery code once', async () => {
    const u = await withTotp();
    const [code] = u.recoveryCodes;
    const first = await loginChallenge(u.email, u.password);
    const ok = await post('/auth/mfa/verify', { mfaToken: first.mfaToken, recoveryCode: code.toUpperCase() });
    expect(ok.statusCode).toBe(200);

    const second = await loginChallenge(u.email, u.password);
    const spent = await post('/auth/mfa/verify', { mfaToken: second.mfaToken, recoveryCode: code });
    expect(spent.statusCode).toBe(401);
    expect(spent.json().code).toBe('AUTH.INVALID_CODE');
    expect((await post('/auth/mfa/verify', { mfaToken: second.mfaToken, recoveryCode: u.recoveryCodes[1] })).statusCode).toBe(200);
  });

  it('wants exactly one of code and recoveryCode', async () => {
    const u = await withTotp();
    const { mfaToken } = await loginChallenge(u.email, u.password);
    for (const body of [{ mfaToken }, { mfaToken, code: totpCode(u.secret), recoveryCode: u.recoveryCodes[0] }]) {
      const res = await post('/auth/mfa/verify', body);
      expect(res.statusCode).toBe(400);
      expect(res.json().code).toBe('VALIDATION_FAILED');
    }
  });

  it('kills the challenge after five wrong codes', async () => {
    const u = await withTotp();
    const { mfaToken } = await loginChallenge(u.email, u.password);
    for (let i = 0; i < 5; i++) {
      const res = await post('/auth/mfa/verify', { mfaToken, code: otherCode(totpCode(u.secret)) });
      expect(res.statusCode).toBe(401);
      expect(res.json().code).toBe('AUTH.INVALID_CODE');
    }
    const res = await post('/auth/mfa/verify', { mfaToken, code: totpCode(u.secret) });
    expect(res.statusCode).toBe(401);
    expect(res.json().code).toBe('AUTH.INVALID_MFA_TOKEN');
  });

  it('disables with a recovery code: sign-in is one step again and trusted devices are gone', async () => {
    const u = await withTotp();
    const { mfaToken } = await loginChallenge(u.email, u.password);
    const verified = await post('/auth/mfa/verify', { mfaToken, code: totpCode(u.secret), trustDevice: true });
    const { accessToken, deviceToken } = verified.json();
    expect(deviceToken).toBeTypeOf('string');

    const wrong = await t.request({ method: 'DELETE', url: '/api/v1/auth/mfa/totp', payload: { code: 'aaaa-aaaa' }, headers: bearer(accessToken) });
    expect(wrong.statusCode).toBe(400);
    expect(wrong.json().code).toBe('AUTH.INVALID_CODE');

    const off = await t.request({ method: 'DELETE', url: '/api/v1/auth/mfa/totp', payload: { code: u.recoveryCodes[0] }, headers: bearer(accessToken) });
    expect(off.statusCode).toBe(204);
    expect(await eventsOf(u.userId, 'auth.mfa_disabled')).toHaveLength(1);

    const login = await loginChallenge(u.email, u.password);
    expect(login.accessToken).toBeTypeOf('string');
    expect(login.user.mfaEnabled).toBe(false);
    const devices = await t.request({ method: 'GET', url: '/api/v1/auth/devices', headers: bearer(accessToken) });
    expect(devices.json().data).toEqual([]);

    const twice = await t.request({ method: 'DELETE', url: '/api/v1/auth/mfa/totp', payload: { code: totpCode(u.secret) }, headers: bearer(accessToken) });
    expect(twice.statusCode).toBe(409);
  });

  it('disables with a current TOTP code', async () => {
    const u = await withTotp();
    const off = await t.request({ method: 'DELETE', url: '/api/v1/auth/mfa/totp', payload: { code: totpCode(u.secret) }, headers: bearer(u.accessToken) });
    expect(off.statusCode).toBe(204);
  });

  it('needs authentication to set up', async () => {
    const res = await post('/auth/mfa/totp/setup', {});
    expect(res.statusCode).toBe(401);
  });
});

describe('trusted devices', () => {
  it('revokes my own device, and answers 404 for someone else’s', async () => {
    const u = await withTotp();
    const { mfaToken } = await loginChallenge(u.email, u.password);
    const { accessToken, deviceToken } = (await post('/auth/mfa/verify', { mfaToken, code: totpCode(u.secret), trustDevice: true })).json();
    const [device] = (await t.request({ method: 'GET', url: '/api/v1/auth/devices', headers: bearer(accessToken) })).json().data;

    const stranger = await signUp(t);
    const foreign = await t.request({ method: 'DELETE', url: `/api/v1/auth/devices/${device.id}`, headers: bearer(stranger.accessToken) });
    expect(foreign.statusCode).toBe(404);

    const del = await t.request({ method: 'DELETE', url: `/api/v1/auth/devices/${device.id}`, headers: bearer(accessToken) });
    expect(del.statusCode).toBe(204);
    expect(await eventsOf(u.userId, 'auth.device_revoked')).toEqual([{ userId: u.userId, deviceId: device.id }]);
    expect((await loginChallenge(u.email, u.password, deviceToken)).mfaRequired).toBe(true);
  });

  it('does not let one account use another account’s device token', async () => {
    const a = await withTotp();
    const b = await withTotp();
    const { mfaToken } = await loginChallenge(a.email, a.password);
    const { deviceToken } = (await post('/auth/mfa/verify', { mfaToken, code: totpCode(a.secret), trustDevice: true })).json();
    expect((await loginChallenge(b.email, b.password, deviceToken)).mfaRequired).toBe(true);
  });

  it('are forgotten when the password is reset', async () => {
    const u = await withTotp();
    const { mfaToken } = await loginChallenge(u.email, u.password);
    const { deviceToken } = (await post('/auth/mfa/verify', { mfaToken, code: totpCode(u.secret), trustDevice: true })).json();
    expect((await loginChallenge(u.email, u.password, deviceToken)).accessToken).toBeDefined();

    expect((await post('/auth/password/forgot', { email: u.email })).statusCode).toBe(202);
    await t.drain();
    const token = lastMailToken(t, u.email);
    const newPassword = 'Reset-by-mailbox-owner-7';
    expect((await post('/auth/password/reset', { token, password: newPassword })).statusCode).toBe(204);
    expect((await loginChallenge(u.email, newPassword, deviceToken)).mfaRequired).toBe(true);
  });

  it('expires after 30 days', async () => {
    const u = await withTotp();
    const { mfaToken } = await loginChallenge(u.email, u.password);
    const { deviceToken } = (await post('/auth/mfa/verify', { mfaToken, code: totpCode(u.secret), trustDevice: true })).json();
    advance(31 * 86_400);
    expect((await loginChallenge(u.email, u.password, deviceToken)).mfaRequired).toBe(true);
  });
});
