import { describe, expect, it } from 'vitest';
import { createSecrets } from './secrets.ts';
import { createShareLinks } from './share-links.ts';

const links = createShareLinks(createSecrets({ algorithm: 'HS256', secret: 'test-secret-test-secret-test-secret-0123456789' }), 'dashboards.share-link');
const id = '0190f5a2-1b2c-7d3e-8f40-123456789abc';
const now = new Date('2026-12-06T12:00:00Z');
const later = new Date('2026-12-13T12:00:00Z');

describe('share links', () => {
  it('names the share until it expires', () => {
    const token = links.sign(id, later);
    expect(token.length).toBeLessThanOrEqual(100);
    expect(links.verify(token, now)).toEqual({ shareId: id, expiresAt: later });
    expect(links.verify(token, later)).toBeNull();
  });

  it('refuses tampered, foreign and malformed tokens', () => {
    const token = links.sign(id, later);
    const flip = (s: string, i: number) => s.slice(0, i) + (s[i] === 'A' ? 'B' : 'A') + s.slice(i + 1);
    expect(links.verify(flip(token, 3), now)).toBeNull();
    expect(links.verify(flip(token, 40), now)).toBeNull();
    const other = createShareLinks(createSecrets({ algorithm: 'HS256', secret: 'another-secret-another-secret-0123456789' }), 'dashboards.share-link');
    expect(other.verify(token, now)).toBeNull();
    // A token of another use (a conversation's link) never opens a dashboard's, under the same secret.
    const chat = createShareLinks(createSecrets({ algorithm: 'HS256', secret: 'test-secret-test-secret-test-secret-0123456789' }), 'chat.share-link');
    expect(chat.verify(token, now)).toBeNull();
    expect(links.verify(chat.sign(id, later), now)).toBeNull();
    expect(links.verify('garbage', now)).toBeNull();
  });
});
