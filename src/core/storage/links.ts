// Signed download links: `/api/v1/files/<token>`, where the token names a stored file and the
// moment the link stops working, with an HMAC of both under a key derived for this purpose
// alone (core/security/secrets.ts). Nothing is stored per link: the token is the right to the
// file until it expires, or until the file is removed.
//
// The token is 72 characters: a path segment may have at most 100 (decision 0020), which a key
// (`orgs/<uuid>/<scope>/<uuid>`) with a name and a type would pass. So it carries the file's id
// (the key's last segment, core.stored_files.id) and its expiry, in 21 bytes; the download reads
// the key, name, type and hash from the row.
import type { Secrets } from '../security/secrets.ts';
import { safeEqual } from '../security/random.ts';
import { StorageProblems } from './problems.ts';

const LABEL = 'storage.download-link';
const VERSION = 1;
const PAYLOAD_BYTES = 1 + 16 + 4;
const TOKEN = /^([A-Za-z0-9_-]{28})\.([A-Za-z0-9_-]{43})$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The longest a link may live: as S3's presigned URLs. */
export const MAX_LINK_SECONDS = 7 * 24 * 3600;

export interface DownloadLinks {
  /** A token for the file `fileId` that works until `expiresAt` (to the second). */
  sign(fileId: string, expiresAt: Date): string;
  /** The file a token names; 403 `STORAGE.LINK_INVALID` or `STORAGE.LINK_EXPIRED`. */
  verify(token: string, now: Date): { fileId: string; expiresAt: Date };
}

export function createDownloadLinks(secrets: Secrets): DownloadLinks {
  const invalid = () => StorageProblems.linkInvalid.error('This download link is not valid');
  return {
    sign(fileId, expiresAt) {
      if (!UUID.test(fileId)) throw new TypeError(`not a stored file id: ${fileId}`);
      const payload = Buffer.alloc(PAYLOAD_BYTES);
      payload[0] = VERSION;
      Buffer.from(fileId.replace(/-/g, ''), 'hex').copy(payload, 1);
      payload.writeUInt32BE(Math.ceil(expiresAt.getTime() / 1000), 17);
      const body = payload.toString('base64url');
      return `${body}.${secrets.mac(LABEL, body)}`;
    },
    verify(token, now) {
      const match = TOKEN.exec(typeof token === 'string' ? token : '');
      // The signature first, in constant time: nothing of an unsigned token is read.
      if (!match || !safeEqual(secrets.mac(LABEL, match[1]), match[2])) throw invalid();
      const payload = Buffer.from(match[1], 'base64url');
      if (payload.length !== PAYLOAD_BYTES || payload[0] !== VERSION) throw invalid();
      const hex = payload.subarray(1, 17).toString('hex');
      const fileId = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
      const expiresAt = new Date(payload.readUInt32BE(17) * 1000);
      if (now.getTime() >= expiresAt.getTime()) throw StorageProblems.linkExpired.error('This download link has expired');
      return { fileId, expiresAt };
    },
  };
}
