import { describe, expect, it } from 'vitest';
import { linesOf, MAX_LINE_CHARS } from './search-indexing.ts';

describe('the lines of a content', () => {
  it('are numbered from 1 whatever the line ends, and only lines with words are kept', () => {
    const rows = linesOf('h', 'one\r\n\r\n  }\rtwo words\nthree');
    expect(rows.map((r) => [r.line, r.text])).toEqual([
      [1, 'one'],
      [4, 'two words'],
      [5, 'three'],
    ]);
    expect(rows[1]).toEqual({ sha256: 'h', line: 4, text: 'two words', terms: "'two':1 'words':2" });
  });

  it('are cut at MAX_LINE_CHARS and hold no NUL (PostgreSQL text cannot)', () => {
    const [long] = linesOf('h', `${'ab '.repeat(MAX_LINE_CHARS)}tail`);
    expect(long.text).toHaveLength(MAX_LINE_CHARS);
    expect(long.terms).not.toContain('tail');
    expect(linesOf('h', 'a\u0000b')[0].text).toBe('a b');
  });
});
