// Connection strings of the test server, taken apart without WHATWG URL: a Unix-socket one
// (`postgresql://u:pw@/db?host=/dir`) has no host, which URL refuses.

/** The parts of a connection string: TCP (`postgres://u@h:5432/db`) or a Unix socket (`postgresql://u:pw@/db?host=/dir&port=5432`). */
export interface ConnectionParts {
  /** `postgres://user:password@`, up to and including the `@` (or `postgres://` alone). */
  prefix: string;
  /** `host:port` for TCP; empty for a socket. */
  address: string;
  database: string;
  /** `?host=…&port=…` for a socket; empty for TCP. */
  query: string;
}

export function connectionParts(url: string): ConnectionParts {
  const m = /^(postgres(?:ql)?:\/\/(?:[^@/]*@)?)([^/?]*)(?:\/([^?]*))?(\?.*)?$/.exec(url);
  if (!m) throw new Error(`not a connection string: ${url}`);
  return { prefix: m[1], address: m[2], database: m[3] ?? '', query: m[4] ?? '' };
}

/** `url` with its database replaced by `name`. */
export function withDatabase(url: string, name: string): string {
  const { prefix, address, query } = connectionParts(url);
  return `${prefix}${address}/${name}${query}`;
}

/** Where a TCP proxy must connect to reach the server of `url`. */
export function serverEndpoint(url: string): { path: string } | { host: string; port: number } {
  const { address, query } = connectionParts(url);
  const params = new URLSearchParams(query.slice(1));
  const socketDir = params.get('host');
  if (!address && socketDir) return { path: `${socketDir}/.s.PGSQL.${params.get('port') ?? 5432}` };
  const [host, port] = address.split(':');
  return { host, port: Number(port || 5432) };
}

/** The same server and credentials over TCP at `host:port` (a proxy in front of it). */
export function viaTcp(url: string, hostPort: string): string {
  const { prefix, database } = connectionParts(url);
  return `${prefix}${hostPort}/${database}`;
}
