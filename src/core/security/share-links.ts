// Share link tokens (a dashboard's, a conversation's): the share's id and the moment the link
// stops working, with an HMAC of both under a key derived for each use alone (`label`: a token
// of one kind never opens another), as core/storage/links.ts signs download links. The
// signature makes a guessed or altered token worthless without a database read; the module's
// row of the share is what revokes a link before it expires.
import { safeEqual } from './random.ts';
import type { Secrets } from './secrets.ts';

const VERSION = 1;
const PAYLOAD_BYTES = 1 + 16 + 4;
const TOKEN = /^([A-Za-z0-9_-]{28})\.([A-Za-z0-9_-]{43})$/;

export interface ShareLinks {
  sign(shareId: string, expiresAt: Date): string;
  /** The share a token names, or null for a token that is malformed, tampered with or expired. */
  verify(token: string, now: Date): { shareId: string; expiresAt: Date } | null;
}

/** `label`: the use, e.g. `dashboards.share-link`; it derives the key. */
export function createShareLinks(secrets: Secrets, label: string): ShareLinks {
  const LABEL = label;
  return {
    sign(shareId, expiresAt) {
      const payload = Buffer.alloc(PAYLOAD_BYTES);
      payload[0] = VERSION;
      Buffer.from(shareId.replace(/-/g, ''), 'hex').copy(payload, 1);
      payload.writeUInt32BE(Math.floor(expiresAt.getTime() / 1000), 17);
      const body = payload.toString('base64url');
      return `${body}.${secrets.mac(LABEL, body)}`;
    },
    verify(token, now) {
      const match = TOKEN.exec(token);
      // The signature first, in constant time: nothing of an unsigned token is read.
      if (!match || !safeEqual(secrets.mac(LABEL, match[1]), match[2])) return null;
      const payload = Buffer.from(match[1], 'base64url');
      if (payload.length !== PAYLOAD_BYTES || payload[0] !== VERSION) return null;
      const hex = payload.subarray(1, 17).toString('hex');
      const shareId = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
      const expiresAt = new Date(payload.readUInt32BE(17) * 1000);
      return now.getTime() < expiresAt.getTime() ? { shareId, expiresAt } : null;
    },
  };
}
