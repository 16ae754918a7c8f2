// The SHA-256 a client may send with a part, so a part damaged on the way is refused rather than
// kept: `x-checksum-sha256` as S3 takes it (base64 of the digest; hex is accepted too) or
// `Content-Digest: sha-256=:<base64>:` (RFC 9530). Either way, the hex digest to compare with what
// core/storage computed while it stored the part.
import { invalid } from '../../core/errors.ts';

const HEX = /^[0-9a-f]{64}$/i;
const BASE64 = /^[A-Za-z0-9+/]{43}=$/;

/** A digest written as hex or base64, as lower-case hex; null when it is neither. */
function hexOf(value: string): string | null {
  const v = value.trim();
  if (HEX.test(v)) return v.toLowerCase();
  if (BASE64.test(v)) return Buffer.from(v, 'base64').toString('hex');
  return null;
}

/**
 * The SHA-256 the headers announce (hex), or null when they announce none. A Content-Digest
 * that names only other algorithms announces none (RFC 9530 lets a recipient ignore those);
 * a malformed value, or two headers that disagree, is 400 naming the header.
 */
export function announcedSha256(headers: { 'x-checksum-sha256'?: string; 'content-digest'?: string }): string | null {
  let fromChecksum: string | null = null;
  const checksum = headers['x-checksum-sha256'];
  if (checksum !== undefined) {
    fromChecksum = hexOf(checksum);
    if (!fromChecksum) throw invalid('headers.x-checksum-sha256', 'must be a SHA-256 digest, base64 (44 characters) or hex (64)');
  }
  let fromDigest: string | null = null;
  const digest = headers['content-digest'];
  if (digest !== undefined) {
    const m = /(?:^|,)\s*sha-256\s*=\s*:([^:]*):/i.exec(digest);
    if (m) {
      fromDigest = BASE64.test(m[1].trim()) ? hexOf(m[1]) : null;
      if (!fromDigest) throw invalid('headers.content-digest', 'sha-256 must be a base64 digest between colons: sha-256=:<44 characters>:');
    }
  }
  if (fromChecksum && fromDigest && fromChecksum !== fromDigest) throw invalid('headers.content-digest', 'announces another SHA-256 than x-checksum-sha256');
  return fromChecksum ?? fromDigest;
}
