// HTTP/1.1 over a raw socket, for requests that app.inject() cannot make: bytes Node's parser
// refuses, duplicate Content-Length headers, a URL or headers over the size limit.
import { connect } from 'node:net';

export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
  /** Everything received, as latin1. */
  raw: string;
}

/** Sends `request` as Latin-1 bytes (so any byte can be written) and reads until the server closes. */
export function rawRequest(port: number, request: string | Buffer, timeoutMs = 5_000): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no complete answer within ${timeoutMs} ms: ${Buffer.concat(chunks).toString('latin1').slice(0, 200)}`));
    }, timeoutMs);
    socket.on('data', (chunk) => chunks.push(chunk));
    // A server that closes while the client still sends may reset the connection; what
    // arrived before counts.
    socket.on('error', () => {});
    socket.on('close', () => {
      clearTimeout(timer);
      const raw = Buffer.concat(chunks).toString('latin1');
      const split = raw.indexOf('\r\n\r\n');
      const [statusLine, ...lines] = raw.slice(0, split === -1 ? raw.length : split).split('\r\n');
      const headers: Record<string, string> = {};
      for (const line of lines) {
        const colon = line.indexOf(':');
        if (colon > 0) headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
      }
      const body = split === -1 ? '' : Buffer.from(raw.slice(split + 4), 'latin1').toString('utf8');
      resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(statusLine)?.[1] ?? 0), headers, body, raw });
    });
    // Written, not ended: Node's server drops a request whose client half-closes before the
    // answer is ready. `Connection: close` makes the server close once it has answered.
    socket.write(typeof request === 'string' ? Buffer.from(request, 'latin1') : request);
  });
}

/** A GET with `Connection: close` and the given extra header lines. */
export const rawGet = (path: string, headerLines: string[] = []) => ['GET ' + path + ' HTTP/1.1', 'Host: localhost', ...headerLines, 'Connection: close', '', ''].join('\r\n');
