import { describe, expect, it } from 'vitest';
import { CHUNK_LINES, chunksOf, MAX_LINE_CHARS } from './search-indexing.ts';
import { addLexemes, type Lexemes, lexemesMatch, parseQuery } from './search-terms.ts';

describe('the chunks of a content', () => {
  it('number lines from 1 whatever the line ends, run from a line with words to a line with words, and count those with words', () => {
    const rows = chunksOf('h', '\n{\none\r\n\r\n  }\rtwo words\nthree\n}\n');
    expect(rows).toEqual([{ sha256: 'h', firstLine: 3, text: 'one\n\n  }\ntwo words\nthree', terms: "'one':1 'two':3 'words':4 'three':6", lines: 3 }]);
  });

  it('hold CHUNK_LINES lines at most, and leave out chunks without words', () => {
    const text = [...Array.from({ length: CHUNK_LINES }, (_, i) => `line${i + 1}`), ...Array.from({ length: CHUNK_LINES }, () => '}'), 'last'].join('\n');
    const rows = chunksOf('h', text);
    expect(rows.map((r) => [r.firstLine, r.text.split('\n').length, r.lines])).toEqual([
      [1, CHUNK_LINES, CHUNK_LINES],
      [2 * CHUNK_LINES + 1, 1, 1],
    ]);
  });

  it('leave a gap between lines, so no phrase spans a line end', () => {
    const [row] = chunksOf('h', 'hello\nworld\nhello world');
    expect(row.terms).toBe("'hello':1,5 'world':3,6");
  });

  it('end early when their words would pass the positions PostgreSQL keeps', () => {
    // 500 words a line: 30 lines reach the positions a chunk may use, well before CHUNK_LINES.
    const wide = Array.from({ length: 40 }, () => 'a '.repeat(MAX_LINE_CHARS / 2)).join('\n');
    const rows = chunksOf('h', wide);
    expect(rows.map((r) => r.lines)).toEqual([30, 10]);
  });

  it('cut lines at MAX_LINE_CHARS and hold no NUL (PostgreSQL text cannot)', () => {
    const [long] = chunksOf('h', `${'ab '.repeat(MAX_LINE_CHARS)}tail`);
    expect(long.text).toHaveLength(MAX_LINE_CHARS);
    expect(long.terms).not.toContain('tail');
    expect(chunksOf('h', 'a\u0000b')[0].text).toBe('a b');
  });
});

describe('a line matched in the process', () => {
  const matches = (line: string, q: string) => {
    const lexemes: Lexemes = new Map();
    addLexemes(line, lexemes, 1);
    return lexemesMatch(lexemes, parseQuery(q).groups);
  };

  it('as PostgreSQL matches the tsquery: prefixes, all required, joined parts, phrases in order', () => {
    expect(matches('const total = getOrderTotal(order)', 'getOrd tot')).toBe(true);
    expect(matches('const total = getOrderTotal(order)', 'order_total')).toBe(true);
    expect(matches('const total = 1', 'total missing')).toBe(false);
    expect(matches('sum of the order lines', '"order lines"')).toBe(true);
    expect(matches('lines of the order', '"order lines"')).toBe(false);
  });
});
