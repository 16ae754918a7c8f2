import { describe, expect, it } from 'vitest';
import { plainSql } from './legacy-pglite.ts';

describe('plainSql', () => {
  it('drops the \\restrict and \\unrestrict lines of a pg_dump ≥ 17.6, and no line of data', () => {
    const dump = [
      '-- PostgreSQL database dump',
      '\\restrict Kx7s9QeY2',
      'SET client_encoding = \'UTF8\';',
      'INSERT INTO s.t VALUES',
      "\t(1, 'a",
      '\\restrict b',
      "\\unrestrict Kx7s9QeY2 and more'),",
      "\t(2, 'x');",
      '\\unrestrict Kx7s9QeY2',
      '',
    ].join('\n');
    expect(plainSql(dump)).toBe(
      ['-- PostgreSQL database dump', 'SET client_encoding = \'UTF8\';', 'INSERT INTO s.t VALUES', "\t(1, 'a", '\\restrict b', "\\unrestrict Kx7s9QeY2 and more'),", "\t(2, 'x');", ''].join('\n'),
    );
  });

  it('leaves a dump without them as it is (pg_dump 17.5, the one of PGlite 0.4)', () => {
    const dump = "CREATE SCHEMA s;\nINSERT INTO s.t VALUES\n\t(1, 'a\n\\line two');\n";
    expect(plainSql(dump)).toBe(dump);
  });
});
