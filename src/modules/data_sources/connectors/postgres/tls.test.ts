// TLS modes and the dialled address, against a stand-in server that speaks PostgreSQL's TLS
// opening (SSLRequest → 'S' → handshake) with a self-signed certificate for "localhost", then
// hangs up. A handshake that passes therefore ends as `unreachable`; one that is refused, as `tls`.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { caught, connectionOf, PG_URL } from '../test-support.ts';
import type { ServerConnection } from '../types.ts';
import { createPostgresDriver } from './driver.ts';

const haveOpenssl = (() => {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

describe.skipIf(!haveOpenssl)('TLS', () => {
  const dir = mkdtempSync(join(tmpdir(), 'trellis-tls-'));
  const driver = createPostgresDriver();
  const never = new AbortController().signal;
  let cert: string;
  let server: net.Server;
  let port: number;

  beforeAll(async () => {
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
      '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost',
      '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'),
    ], { stdio: 'ignore' });
    cert = readFileSync(join(dir, 'cert.pem'), 'utf8');
    const key = readFileSync(join(dir, 'key.pem'), 'utf8');
    server = net.createServer((socket) => {
      socket.on('error', () => {});
      socket.once('data', () => {
        socket.write('S');
        const secure = new tls.TLSSocket(socket, { isServer: true, key, cert });
        secure.on('error', () => {});
        secure.on('secure', () => secure.destroy());
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as net.AddressInfo).port;
  });

  afterAll(async () => {
    await driver.close();
    await new Promise((resolve) => server.close(resolve));
    rmSync(dir, { recursive: true, force: true });
  });

  const conn = (overrides: Partial<ServerConnection>) => connectionOf(PG_URL, { port, address: '127.0.0.1', connectTimeoutMs: 2000, ...overrides });

  it('verify-full refuses a certificate no trusted CA signed', async () => {
    const err = await caught(() => driver.test(conn({ host: 'localhost', tls: { mode: 'verify-full' } }), never));
    expect(err.kind).toBe('tls');
    expect(err.message).toBe(`The TLS connection to localhost:${port} failed: the certificate is self-signed and not trusted (give its CA).`);
  });

  it('verify-full refuses a certificate for another host, though the address is the same', async () => {
    const err = await caught(() => driver.test(conn({ host: 'db.example.com', tls: { mode: 'verify-full', ca: cert } }), never));
    expect(err.kind).toBe('tls');
    expect(err.message).toBe(`The TLS connection to db.example.com:${port} failed: the certificate does not name this host.`);
  });

  it('verify-full accepts the certificate of the host it names, dialling the checked address', async () => {
    const err = await caught(() => driver.test(conn({ host: 'localhost', tls: { mode: 'verify-full', ca: cert } }), never));
    expect(err.kind).toBe('unreachable');
  });

  it('require encrypts without checking the certificate', async () => {
    const err = await caught(() => driver.test(conn({ host: 'localhost', tls: { mode: 'require' } }), never));
    expect(err.kind).toBe('unreachable');
  });
});
