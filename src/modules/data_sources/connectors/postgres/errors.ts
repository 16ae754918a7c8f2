// PostgreSQL failures in plain words (errors.ts). SQLSTATE classes: 08 connection, 28 login,
// 3D unknown database, 42501 privilege, 25006 write in a read-only transaction, 57014 canceled.
import { ConnectorError, firstLine, networkError } from '../errors.ts';

interface PgError {
  code?: string;
  message?: string;
  routine?: string;
}

export function postgresError(err: unknown, server: string, database: string): ConnectorError {
  if (err instanceof ConnectorError) return err;
  const e = (err ?? {}) as PgError;
  const code = typeof e.code === 'string' ? e.code : '';
  const message = typeof e.message === 'string' ? e.message : String(err);

  const network = networkError(err, server);
  if (network) return network;
  if (message === 'The server does not support SSL connections') {
    return new ConnectorError('tls', `The server at ${server} does not accept TLS connections (set TLS to "disable", or enable TLS on the server).`, 'NO_TLS');
  }
  if (message === 'There was an error establishing an SSL connection') {
    return new ConnectorError('tls', `The TLS connection to ${server} could not be established.`, 'TLS');
  }
  if (/timeout expired|connection timeout/i.test(message) && !code) {
    return new ConnectorError('unreachable', `Could not connect to ${server}: the server did not answer in time.`, 'CONNECT_TIMEOUT');
  }
  if (/Connection terminated|connection.*(closed|ended)/i.test(message) && !code) {
    return new ConnectorError('unreachable', `The connection to ${server} was closed unexpectedly.`, 'CONNECTION_CLOSED');
  }

  if (code === '28P01' || code === '28000') {
    return new ConnectorError('auth', `The server at ${server} refused the login: ${firstLine(message)}.`, code);
  }
  if (code === '3D000') return new ConnectorError('auth', `The server at ${server} has no database "${database}".`, code);
  if (code === '42501' || code === '25006') {
    const reason = code === '25006' ? 'the source is read-only' : firstLine(message);
    return new ConnectorError('permission', `The server at ${server} refused the query: ${reason}.`, code);
  }
  if (code === '57014') {
    return new ConnectorError('timeout', `The query on ${server} was stopped by the server: ${firstLine(message)}.`, code);
  }
  if (code.startsWith('08') || code === '53300' || code === '57P01' || code === '57P02' || code === '57P03') {
    return new ConnectorError('unreachable', `The server at ${server} is not available: ${firstLine(message)}.`, code);
  }
  // Everything else with a SQLSTATE is about the SQL: syntax (42601), unknown relation (42P01),
  // data (22xxx), resources (53xxx), and so on. The server's first line says which.
  if (code) return new ConnectorError('query', `The query failed on ${server}: ${firstLine(message)}.`, code);
  return new ConnectorError('unreachable', `The connection to ${server} failed.`, 'UNKNOWN');
}
