import { describe, expect, it } from 'vitest';
import { isSecretName, REDACTED, redactPayload } from './redact.ts';

const JWT = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl';

describe('isSecretName', () => {
  it.each([
    'password',
    'currentPassword',
    'new_password',
    'token',
    'refreshToken',
    'access-token',
    'mfaToken',
    'deviceTokenHash',
    'secret',
    'clientSecret',
    'totpSecret',
    'code',
    'codes',
    'otpCode',
    'recoveryCodes',
    'verification_code',
    'hash',
    'passwordHash',
    'salt',
    'privateKey',
    'apiKey',
    'signing_key',
    'keyMaterial',
    'otpauthUrl',
    'credentials',
    'authorization',
    'signature',
  ])('%s is a secret', (name) => {
    expect(isSecretName(name)).toBe(true);
  });

  it.each(['apiKeyId', 'sessionIds', 'tokenId', 'token_id', 'userId', 'key', 'statusCode', 'currencyCode', 'email', 'ip', 'reason', 'scopes', 'fields'])(
    '%s is kept',
    (name) => {
      expect(isSecretName(name)).toBe(false);
    },
  );
});

describe('redactPayload', () => {
  it('drops secret keys at any depth and keeps everything else', () => {
    const payload = {
      userId: 'u1',
      apiKeyId: 'k1',
      key: 'WEB',
      password: 'hunter22',
      nested: { refreshToken: 'r', keep: 1, deeper: [{ otpCode: '123456', label: 'x' }] },
      list: [{ secret: 's', name: 'n' }],
      flag: true,
      count: 0,
      missing: null,
    };
    expect(redactPayload(payload)).toEqual({
      userId: 'u1',
      apiKeyId: 'k1',
      key: 'WEB',
      nested: { keep: 1, deeper: [{ label: 'x' }] },
      list: [{ name: 'n' }],
      flag: true,
      count: 0,
      missing: null,
    });
  });

  it('drops credential-shaped values whatever the key, and masks them in arrays', () => {
    const payload = { note: 'trl_abcd1234_secretpart', bearer: JWT, pem: '-----BEGIN PRIVATE KEY-----\nMC4\n-----END PRIVATE KEY-----', hook: 'whsec_abc', list: ['ok', JWT] };
    expect(redactPayload(payload)).toEqual({ list: ['ok', REDACTED] });
  });

  it('keeps the user of a URL but not its password', () => {
    expect(redactPayload({ url: 'https://bob:s3cret@example.com/hook', plain: 'https://example.com/a@b' })).toEqual({
      url: `https://bob:${REDACTED}@example.com/hook`,
      plain: 'https://example.com/a@b',
    });
  });

  it('does not change the input', () => {
    const payload = { password: 'p', nested: { token: 't' } };
    redactPayload(payload);
    expect(payload).toEqual({ password: 'p', nested: { token: 't' } });
  });

  it('cuts payloads nested deeper than any event', () => {
    let deep: unknown = { leaf: 'x' };
    for (let i = 0; i < 40; i++) deep = { child: deep };
    const text = JSON.stringify(redactPayload(deep));
    expect(text).toContain(REDACTED);
    expect(text).not.toContain('leaf');
  });

  it('passes scalars through', () => {
    expect(redactPayload('text')).toBe('text');
    expect(redactPayload(7)).toBe(7);
    expect(redactPayload(null)).toBeNull();
  });
});
