// A resumable upload (docs/codebase.md, "Resumable uploads"): the file is cut into parts, each
// sent under its number; the server keeps every part it received, so after a failure (a dropped
// connection, a closed laptop) the upload asks the server which parts it holds and sends only the
// others. Each part's SHA-256 is computed here, sent with it (the server refuses damaged bytes)
// and listed at completion, so a part this page never meant to send cannot slip in.
import { refreshSession } from '../../api/refresh';
import { ProblemError, toProblem } from '../../api/problem';
import type { components } from '../../api/schema';
import { session } from '../../api/session';

export type UploadPart = components['schemas']['CodebaseUploadPart'];

/** The server's side of the parts: what it holds, and one part sent. */
export interface PartIo {
  received(): Promise<UploadPart[]>;
  put(partNumber: number, bytes: Blob, sha256: string | undefined, onLoaded: (loaded: number) => void): Promise<UploadPart>;
}

export interface SendResult {
  /** Every part, in order, with its SHA-256: what completion lists. */
  parts: { partNumber: number; sha256: string }[];
  /** Parts the server already held, not sent again. */
  kept: number;
  sent: number;
}

export const partCount = (size: number, partBytes: number) => Math.max(1, Math.ceil(size / partBytes));

/** SHA-256 as hex, or undefined where the browser has no WebCrypto (a page not served over https or from localhost). */
export async function sha256Hex(bytes: Blob): Promise<string | undefined> {
  if (!globalThis.crypto?.subtle) return undefined;
  const digest = await crypto.subtle.digest('SHA-256', await bytes.arrayBuffer());
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}

/**
 * Sends the parts the server does not hold yet, one after the other, reporting the bytes the
 * server holds plus those of the part under way. A part the server holds with another size or
 * hash is sent again (the new bytes replace it). Throws what the failed part's answer said.
 */
export async function sendMissingParts(
  file: Blob,
  partBytes: number,
  io: PartIo,
  onProgress: (bytes: number) => void,
  hash: (bytes: Blob) => Promise<string | undefined> = sha256Hex,
): Promise<SendResult> {
  const held = new Map((await io.received()).map((p) => [p.partNumber, p]));
  const parts: SendResult['parts'] = [];
  let done = 0;
  let kept = 0;
  let sent = 0;
  for (let n = 1; n <= partCount(file.size, partBytes); n++) {
    const bytes = file.slice((n - 1) * partBytes, n * partBytes);
    const own = await hash(bytes);
    const there = held.get(n);
    if (there && there.size === bytes.size && (own === undefined || there.sha256 === own)) {
      parts.push({ partNumber: n, sha256: there.sha256 });
      kept++;
    } else {
      let stored: UploadPart;
      try {
        stored = await io.put(n, bytes, own, (loaded) => onProgress(done + loaded));
      } catch (err) {
        // The bytes of a failed part are not stored: the bar goes back to what is.
        onProgress(done);
        throw err;
      }
      parts.push({ partNumber: n, sha256: own ?? stored.sha256 });
      sent++;
    }
    done += bytes.size;
    onProgress(done);
  }
  return { parts, kept, sent };
}

/**
 * One part sent with XMLHttpRequest, not through the `api` client: its middleware keeps a clone
 * of every request body to replay after a token refresh, which would hold each part (up to
 * 64 MiB) in memory twice, and fetch reports no upload progress. XHR gives the progress bar its
 * bytes; the access token comes from the session, refreshed once on a 401 as the client does.
 */
export function putPartXhr(url: string, bytes: Blob, sha256: string | undefined, onLoaded: (loaded: number) => void): Promise<UploadPart> {
  const attempt = (): Promise<{ status: number; body: unknown }> =>
    new Promise((resolve, reject) => {
      const xhr = new XMLHttpRequest();
      xhr.open('PUT', url);
      const token = session.accessToken();
      if (token) xhr.setRequestHeader('authorization', `Bearer ${token}`);
      xhr.setRequestHeader('content-type', 'application/octet-stream');
      if (sha256) xhr.setRequestHeader('x-checksum-sha256', sha256);
      xhr.upload.onprogress = (event) => onLoaded(event.loaded);
      xhr.onload = () => {
        let body: unknown;
        try {
          body = xhr.responseText ? JSON.parse(xhr.responseText) : undefined;
        } catch {
          body = undefined;
        }
        resolve({ status: xhr.status, body });
      };
      xhr.onerror = () => reject(new ProblemError(toProblem(new Error('network'))));
      xhr.onabort = xhr.onerror;
      xhr.send(bytes);
    });
  return (async () => {
    let answer = await attempt();
    if (answer.status === 401 && (await refreshSession())) answer = await attempt();
    if (answer.status >= 200 && answer.status < 300) return answer.body as UploadPart;
    throw new ProblemError(toProblem(answer.body, new Response(null, { status: answer.status })));
  })();
}
