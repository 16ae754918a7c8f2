// The PostgreSQL parser (libpg-query: the server's own grammar and lexer compiled to
// WebAssembly). It loads once, when this file is first imported (about 15 ms); every import
// of the guard therefore finds it ready and the guard's functions stay synchronous.
import { loadModule, parseSync, scanSync } from 'libpg-query';

await loadModule();

export { parseSync, scanSync };

export interface PgToken {
  readonly start: number;
  readonly end: number;
  readonly text: string;
  readonly tokenName: string;
}

/** The tokens of `sql`, comments included; offsets count bytes of its UTF-8 encoding. Throws on an unterminated token. */
export function scanPostgres(sql: string): PgToken[] {
  return scanSync(sql).tokens;
}
