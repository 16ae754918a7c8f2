// The one error the drivers throw. Its message is written to be shown to the user as it is: it
// names the server (host:port) or the file, never the password, never a stack; the driver's own
// error is not kept (it may carry the connection string), only its code.

// The class is core's (src/core/contributions.ts), so any connector, this module's or a
// package's, fails in one way the data_sources module reads.
export { ConnectorError, type ConnectorFailureKind as ConnectorErrorKind } from '../../../core/contributions.ts';
import { ConnectorError } from '../../../core/contributions.ts';

export const isConnectorError = (err: unknown): err is ConnectorError => err instanceof ConnectorError;

/** `host:port` as errors name it (IPv6 in brackets). */
export const serverName = (c: { host: string; port: number }) => (c.host.includes(':') ? `[${c.host}]:${c.port}` : `${c.host}:${c.port}`);

interface NodeSystemError {
  code?: unknown;
  message?: unknown;
}

/** Network and TLS failures common to both server drivers, or null when `err` is not one. */
export function networkError(err: unknown, server: string): ConnectorError | null {
  const code = typeof (err as NodeSystemError)?.code === 'string' ? ((err as NodeSystemError).code as string) : '';
  const message = typeof (err as NodeSystemError)?.message === 'string' ? ((err as NodeSystemError).message as string) : '';
  switch (code) {
    case 'ECONNREFUSED':
      return new ConnectorError('unreachable', `Could not connect to ${server}: the connection was refused (is the server running, and on this port?).`, code);
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'EAI_NONAME':
      return new ConnectorError('unreachable', `Could not connect to ${server}: the host name does not resolve.`, code);
    case 'ETIMEDOUT':
    case 'ECONNABORTED':
      return new ConnectorError('unreachable', `Could not connect to ${server}: the server did not answer in time.`, code);
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return new ConnectorError('unreachable', `Could not connect to ${server}: no route to the host.`, code);
    case 'ECONNRESET':
    case 'EPIPE':
      return new ConnectorError('unreachable', `The connection to ${server} was closed by the server.`, code);
  }
  if (code.startsWith('ERR_TLS_') || code.startsWith('ERR_SSL_') || TLS_CERT_CODES.has(code)) {
    return new ConnectorError('tls', `The TLS connection to ${server} failed: ${tlsReason(code)}`, code);
  }
  if (/certificate|self[- ]signed|SSL|TLS/i.test(message) && !code.startsWith('ER_')) {
    return new ConnectorError('tls', `The TLS connection to ${server} failed: ${firstLine(message)}.`, code || 'TLS');
  }
  return null;
}

const TLS_CERT_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
]);

function tlsReason(code: string): string {
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') return 'the certificate does not name this host.';
  if (code === 'DEPTH_ZERO_SELF_SIGNED_CERT' || code === 'SELF_SIGNED_CERT_IN_CHAIN') return 'the certificate is self-signed and not trusted (give its CA).';
  if (code === 'CERT_HAS_EXPIRED') return 'the certificate has expired.';
  if (code.startsWith('UNABLE_TO_')) return 'the certificate is not signed by a trusted CA (give its CA).';
  return `the handshake was refused (${code}).`;
}

export const firstLine = (message: string) => message.split('\n')[0].trim().replace(/[.\s]+$/, '');
