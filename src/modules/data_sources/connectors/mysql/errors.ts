// MySQL/MariaDB failures in plain words (errors.ts). The same access error means a refused login
// while connecting and a refused statement afterwards, so the caller says which phase it was.
import { ConnectorError, firstLine, networkError } from '../errors.ts';

interface MysqlError {
  code?: string;
  errno?: number;
  sqlState?: string;
  sqlMessage?: string;
  message?: string;
}

const BY_NUMBER: Record<number, string> = {
  1317: 'ER_QUERY_INTERRUPTED',
  1792: 'ER_CANT_EXECUTE_IN_READ_ONLY_TRANSACTION',
  1969: 'ER_STATEMENT_TIMEOUT',
  3024: 'ER_QUERY_TIMEOUT',
  4031: 'ER_CLIENT_INTERACTION_TIMEOUT',
};

const AUTH = new Set([
  'ER_ACCESS_DENIED_ERROR',
  'ER_DBACCESS_DENIED_ERROR',
  'ER_ACCESS_DENIED_NO_PASSWORD_ERROR',
  'ER_NOT_SUPPORTED_AUTH_MODE',
  'ER_ACCOUNT_HAS_BEEN_LOCKED',
  'ER_MUST_CHANGE_PASSWORD_LOGIN',
  'ER_HOST_NOT_PRIVILEGED',
  'AUTH_SWITCH_PLUGIN_ERROR',
]);
const PERMISSION = new Set([
  'ER_TABLEACCESS_DENIED_ERROR',
  'ER_COLUMNACCESS_DENIED_ERROR',
  'ER_SPECIFIC_ACCESS_DENIED_ERROR',
  'ER_PROCACCESS_DENIED_ERROR',
  'ER_DBACCESS_DENIED_ERROR',
  'ER_ACCESS_DENIED_ERROR',
  'ER_KILL_DENIED_ERROR',
  'ER_OPTION_PREVENTS_STATEMENT',
]);
const UNAVAILABLE = new Set([
  'ER_CON_COUNT_ERROR',
  'ER_TOO_MANY_USER_CONNECTIONS',
  'ER_USER_LIMIT_REACHED',
  'ER_SERVER_SHUTDOWN',
  'ER_HOST_IS_BLOCKED',
  'PROTOCOL_CONNECTION_LOST',
  'PROTOCOL_SEQUENCE_TIMEOUT',
  'PROTOCOL_PACKETS_OUT_OF_ORDER',
]);

export function mysqlError(err: unknown, server: string, database: string, phase: 'connect' | 'query'): ConnectorError {
  if (err instanceof ConnectorError) return err;
  const e = (err ?? {}) as MysqlError;
  // mysql2 names the codes it knows; newer ones (MariaDB's 1969) come with a number only.
  const code = typeof e.code === 'string' ? e.code : typeof e.errno === 'number' ? (BY_NUMBER[e.errno] ?? `ER_${e.errno}`) : '';
  const message = typeof e.sqlMessage === 'string' ? e.sqlMessage : typeof e.message === 'string' ? e.message : String(err);

  const network = networkError(err, server);
  if (network) return network;
  if (code === 'HANDSHAKE_NO_SSL_SUPPORT') {
    return new ConnectorError('tls', `The server at ${server} does not accept TLS connections (set TLS to "disable", or enable TLS on the server).`, code);
  }
  if (code === 'ER_BAD_DB_ERROR') return new ConnectorError('auth', `The server at ${server} has no database "${database}".`, code);
  if (phase === 'connect' && AUTH.has(code)) {
    return new ConnectorError('auth', `The server at ${server} refused the login: ${firstLine(message)}.`, code);
  }
  if (code === 'ER_CANT_EXECUTE_IN_READ_ONLY_TRANSACTION') {
    return new ConnectorError('permission', `The server at ${server} refused the query: the source is read-only.`, code);
  }
  if (PERMISSION.has(code)) return new ConnectorError('permission', `The server at ${server} refused the query: ${firstLine(message)}.`, code);
  if (code === 'ER_STATEMENT_TIMEOUT' || code === 'ER_QUERY_TIMEOUT') {
    return new ConnectorError('timeout', `The query on ${server} was stopped by the server: ${firstLine(message)}.`, code);
  }
  if (UNAVAILABLE.has(code)) return new ConnectorError('unreachable', `The server at ${server} is not available: ${firstLine(message)}.`, code);
  if (code.startsWith('ER_') || code.startsWith('WARN_')) {
    return new ConnectorError('query', `The query failed on ${server}: ${firstLine(message)}.`, code);
  }
  return new ConnectorError('unreachable', `The connection to ${server} failed.`, code || 'UNKNOWN');
}
