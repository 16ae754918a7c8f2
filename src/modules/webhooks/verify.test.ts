import { describe, expect, it } from 'vitest';
import { generateSecret, secretKey, sign, signatureHeader } from './signing.ts';
import { verifyWebhook } from './verify.ts';

// The test vector of the Standard Webhooks reference libraries.
const SPEC = {
  secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
  id: 'msg_p5jXN8AQM9LWM0D4loKWxJek',
  timestamp: 1614265330,
  body: '{"test": 2432232314}',
  signature: 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
};

const headersOf = (signature: string, id = SPEC.id, timestamp = String(SPEC.timestamp)) => ({
  'webhook-id': id,
  'webhook-timestamp': timestamp,
  'webhook-signature': signature,
});
const at = { now: SPEC.timestamp };

describe('signing', () => {
  it('reproduces the Standard Webhooks test vector', () => {
    expect(sign(SPEC.secret, SPEC.id, SPEC.timestamp, SPEC.body)).toBe(SPEC.signature);
    // The prefix is optional on the key.
    expect(sign(SPEC.secret.slice('whsec_'.length), SPEC.id, SPEC.timestamp, SPEC.body)).toBe(SPEC.signature);
  });

  it('generates whsec_ secrets of 32 random bytes', () => {
    const a = generateSecret();
    expect(a).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(secretKey(a)).toHaveLength(32);
    expect(generateSecret()).not.toBe(a);
    expect(() => secretKey('whsec_')).toThrow();
  });

  it('signs with every secret given, separated by spaces', () => {
    const other = generateSecret();
    const header = signatureHeader([other, SPEC.secret], SPEC.id, SPEC.timestamp, SPEC.body);
    expect(header.split(' ')).toEqual([sign(other, SPEC.id, SPEC.timestamp, SPEC.body), SPEC.signature]);
  });
});

describe('verifyWebhook', () => {
  it('accepts the spec vector with plain, Headers and differently-cased header bags', () => {
    expect(verifyWebhook(SPEC.secret, headersOf(SPEC.signature), SPEC.body, at)).toEqual({ valid: true, id: SPEC.id, timestamp: SPEC.timestamp });
    expect(verifyWebhook(SPEC.secret, new Headers(headersOf(SPEC.signature)), Buffer.from(SPEC.body), at).valid).toBe(true);
    expect(verifyWebhook(SPEC.secret, { 'Webhook-Id': SPEC.id, 'Webhook-Timestamp': String(SPEC.timestamp), 'Webhook-Signature': SPEC.signature }, SPEC.body, at).valid).toBe(true);
  });

  it('accepts one valid signature among several, and ignores other versions', () => {
    const header = ['v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc=', 'v1a,' + SPEC.signature.slice(3), SPEC.signature].join(' ');
    expect(verifyWebhook(SPEC.secret, headersOf(header), SPEC.body, at).valid).toBe(true);
    expect(verifyWebhook(SPEC.secret, headersOf('v2,' + SPEC.signature.slice(3)), SPEC.body, at)).toEqual({ valid: false, reason: 'no_matching_signature' });
  });

  it('refuses a changed body, id or timestamp, another secret and truncated signatures', () => {
    const refused = { valid: false, reason: 'no_matching_signature' };
    expect(verifyWebhook(SPEC.secret, headersOf(SPEC.signature), '{"test": 2432232315}', at)).toEqual(refused);
    expect(verifyWebhook(SPEC.secret, headersOf(SPEC.signature, 'msg_other'), SPEC.body, at)).toEqual(refused);
    expect(verifyWebhook(SPEC.secret, headersOf(SPEC.signature, SPEC.id, String(SPEC.timestamp + 1)), SPEC.body, at)).toEqual(refused);
    expect(verifyWebhook(generateSecret(), headersOf(SPEC.signature), SPEC.body, at)).toEqual(refused);
    expect(verifyWebhook(SPEC.secret, headersOf(SPEC.signature.slice(0, 8)), SPEC.body, at)).toEqual(refused);
    expect(verifyWebhook(SPEC.secret, headersOf('v1,'), SPEC.body, at)).toEqual(refused);
    expect(verifyWebhook(SPEC.secret, headersOf('garbage'), SPEC.body, at)).toEqual(refused);
  });

  it('refuses missing headers and bad or stale timestamps', () => {
    const { 'webhook-id': _, ...noId } = headersOf(SPEC.signature);
    expect(verifyWebhook(SPEC.secret, noId, SPEC.body, at)).toEqual({ valid: false, reason: 'missing_headers' });
    expect(verifyWebhook(SPEC.secret, headersOf(SPEC.signature, SPEC.id, 'hello'), SPEC.body, at)).toEqual({ valid: false, reason: 'invalid_timestamp' });
    expect(verifyWebhook(SPEC.secret, headersOf(SPEC.signature), SPEC.body, { now: SPEC.timestamp + 301 })).toEqual({ valid: false, reason: 'timestamp_out_of_tolerance' });
    expect(verifyWebhook(SPEC.secret, headersOf(SPEC.signature), SPEC.body, { now: SPEC.timestamp - 301 })).toEqual({ valid: false, reason: 'timestamp_out_of_tolerance' });
    expect(verifyWebhook(SPEC.secret, headersOf(SPEC.signature), SPEC.body, { now: SPEC.timestamp + 300 }).valid).toBe(true);
    expect(verifyWebhook(SPEC.secret, headersOf(SPEC.signature), SPEC.body, { now: SPEC.timestamp + 3000, toleranceSeconds: 3600 }).valid).toBe(true);
    // Without `now`, the real clock: the 2021 vector is long stale.
    expect(verifyWebhook(SPEC.secret, headersOf(SPEC.signature), SPEC.body)).toEqual({ valid: false, reason: 'timestamp_out_of_tolerance' });
  });
});
