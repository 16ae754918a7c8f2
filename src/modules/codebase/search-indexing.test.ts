import { describe, expect, it } from 'vitest';
import { CHUNK_LINES, chunksOf, MAX_LINE_CHARS } from './search-indexing.ts';
import { addLexemes, type Lexemes, lexemesMatch, parseQuery } from './search-terms.ts';

describe('the chunks of a content', () => {
  it('number lines from 1 whatever the line ends, run from a line with words to a line with words, and count those with words', () => {
    const rows = chunksOf('h', '\n{\none\r\n\r\n  }\rtwo words\nthree\n}\n');
    expect(rows).toEqual([{ sha256: 'h', firstLine: 3, text: 'one\n\n  }\ntwo words\nthree', terms: "'one' 'two' 'words' 'three'", lines: 3 }]);
  });

  it('hold CHUNK_LINES lines at most, and leave out chunks without words', () => {
    const text = [...Array.from({ length: CHUNK_LINES }, (_, i) => `line${i + 1}`), ...Array.from({ length: CHUNK_LINES }, () => '}'), 'last'].join('\n');
    const rows = chunksOf('h', text);
    expect(rows.map((r) => [r.firstLine, r.text.split('\n').length, r.lines])).toEqual([
      [1, CHUNK_LINES, CHUNK_LINES],
      [2 * CHUNK_LINES + 1, 1, 1],
    ]);
  });

  it('hold each identifier whole and its parts joined from each part on, once, without positions', () => {
    const [row] = chunksOf('h', 'getUserName(id)\nconst get_user_name = getUserName;');
    expect(row.terms).toBe("'getusername' 'name' 'username' 'id' 'const' 'get_user_name'");
  });

  it('cut lines at MAX_LINE_CHARS and hold no NUL (PostgreSQL text cannot)', () => {
    const [long] = chunksOf('h', `${'ab '.repeat(MAX_LINE_CHARS)}tail`);
    expect(long.text).toHaveLength(MAX_LINE_CHARS);
    expect(long.terms).not.toContain('tail');
    expect(chunksOf('h', 'a\u0000b')[0].text).toBe('a b');
    // Never half of a character that is two UTF-16 units.
    const words = 'ab '.repeat((MAX_LINE_CHARS - 1) / 3);
    const [cut] = chunksOf('h', `${words}😀tail`);
    expect(cut.text).toBe(words);
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
