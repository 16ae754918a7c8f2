import { describe, expect, it } from 'vitest';
import { AppError } from '../errors.ts';
import { createSecrets } from '../security/secrets.ts';
import { createDownloadLinks } from './links.ts';

const links = createDownloadLinks(createSecrets({ algorithm: 'HS256', secret: 's'.repeat(40) }));
const ID = '01964a3e-5f2b-7c3d-8e4f-a1b2c3d4e5f6';
const NOW = new Date('2026-03-01T12:00:00Z');

const codeOf = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(AppError);
    return (err as AppError).code;
  }
  throw new Error('no refusal');
};

describe('download links', () => {
  it('name the file and the second they expire, in 72 URL-safe characters (a path segment may have 100)', () => {
    const token = links.sign(ID, new Date(NOW.getTime() + 60_000));
    expect(token).toMatch(/^[A-Za-z0-9_-]{28}\.[A-Za-z0-9_-]{43}$/);
    expect(links.verify(token, NOW)).toEqual({ fileId: ID, expiresAt: new Date(NOW.getTime() + 60_000) });
  });

  it('expire at their second: valid just before, expired from it on', () => {
    const token = links.sign(ID, new Date(NOW.getTime() + 10_000));
    expect(links.verify(token, new Date(NOW.getTime() + 9_999)).fileId).toBe(ID);
    expect(codeOf(() => links.verify(token, new Date(NOW.getTime() + 10_000)))).toBe('STORAGE.LINK_EXPIRED');
  });

  it('refuse any change to the id, the expiry or the signature, and tokens of another key', () => {
    const token = links.sign(ID, new Date(NOW.getTime() + 60_000));
    for (let at = 0; at < token.length; at++) {
      if (token[at] === '.') continue;
      const changed = token.slice(0, at) + (token[at] === 'x' ? 'y' : 'x') + token.slice(at + 1);
      expect(codeOf(() => links.verify(changed, NOW)), `character ${at}`).toBe('STORAGE.LINK_INVALID');
    }
    const other = createDownloadLinks(createSecrets({ algorithm: 'HS256', secret: 't'.repeat(40) }));
    expect(codeOf(() => links.verify(other.sign(ID, new Date(NOW.getTime() + 60_000)), NOW))).toBe('STORAGE.LINK_INVALID');
    // An expired token that is forged is invalid, not expired: nothing unsigned is read.
    expect(codeOf(() => links.verify(`${token.split('.')[0]}.${'A'.repeat(43)}`, new Date(NOW.getTime() + 3_600_000)))).toBe('STORAGE.LINK_INVALID');
    for (const bad of ['', 'x', `${token}.`, token.replace('.', '')]) expect(codeOf(() => links.verify(bad, NOW))).toBe('STORAGE.LINK_INVALID');
  });
});
