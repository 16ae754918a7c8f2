import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { announcedSha256 } from './part-checksums.ts';

const bytes = Buffer.from('part one');
const hex = createHash('sha256').update(bytes).digest('hex');
const b64 = createHash('sha256').update(bytes).digest('base64');

describe('announcedSha256', () => {
  it('reads x-checksum-sha256 as base64 (S3) or hex', () => {
    expect(announcedSha256({ 'x-checksum-sha256': b64 })).toBe(hex);
    expect(announcedSha256({ 'x-checksum-sha256': hex.toUpperCase() })).toBe(hex);
  });

  it('reads the sha-256 member of Content-Digest, ignoring other algorithms', () => {
    expect(announcedSha256({ 'content-digest': `sha-512=:${'A'.repeat(86)}==:, sha-256=:${b64}:` })).toBe(hex);
    expect(announcedSha256({ 'content-digest': `sha-512=:${'A'.repeat(86)}==:` })).toBeNull();
  });

  it('announces nothing without either header', () => {
    expect(announcedSha256({})).toBeNull();
  });

  it('refuses a malformed digest, and two headers that disagree', () => {
    expect(() => announcedSha256({ 'x-checksum-sha256': 'abc' })).toThrow(expect.objectContaining({ code: 'VALIDATION_FAILED' }));
    expect(() => announcedSha256({ 'content-digest': `sha-256=:${hex}:` })).toThrow(expect.objectContaining({ code: 'VALIDATION_FAILED' }));
    const other = createHash('sha256').update('other').digest('base64');
    expect(() => announcedSha256({ 'x-checksum-sha256': b64, 'content-digest': `sha-256=:${other}:` })).toThrow(expect.objectContaining({ code: 'VALIDATION_FAILED' }));
  });
});
