import { describe, expect, it } from 'vitest';
import { identifierParts, matchRanges, parseQuery, tokensOf, tsvectorOf } from './search-terms.ts';

const parts = (identifier: string) => identifierParts(identifier).map((p) => p.text);

describe('identifier parts', () => {
  it('split camelCase, PascalCase and acronyms', () => {
    expect(parts('getUserName')).toEqual(['get', 'user', 'name']);
    expect(parts('UserRepository')).toEqual(['user', 'repository']);
    expect(parts('HTMLParser')).toEqual(['html', 'parser']);
    expect(parts('parseJSON')).toEqual(['parse', 'json']);
    expect(parts('HTTP2Server')).toEqual(['http2', 'server']);
  });

  it('split snake_case and SCREAMING_CASE, dropping the underscores', () => {
    expect(parts('get_user_name')).toEqual(['get', 'user', 'name']);
    expect(parts('MAX_PAGE_SIZE')).toEqual(['max', 'page', 'size']);
    expect(parts('__init__')).toEqual(['init']);
  });

  it('keep digits with the part before them and give each part its offset', () => {
    expect(parts('base64Encode')).toEqual(['base64', 'encode']);
    expect(identifierParts('get_userName')).toEqual([
      { text: 'get', start: 0 },
      { text: 'user', start: 4 },
      { text: 'name', start: 8 },
    ]);
  });
});

describe('tokens', () => {
  it('are runs of letters, digits and underscores, with their offsets; overlong runs are left out', () => {
    const tokens = tokensOf(`const é = getUser(42); // ${'a'.repeat(65)} ok`);
    expect(tokens.map((t) => [t.text, t.start])).toEqual([
      ['const', 0],
      ['é', 6],
      ['getUser', 10],
      ['42', 18],
      ['ok', 92],
    ]);
  });
});

describe('a line as a tsvector', () => {
  it('holds each whole identifier at the position of its first part, the parts in sequence, each with the parts from it on joined', () => {
    expect(tsvectorOf('getUserName(id)')).toBe("'getusername':1 'get':1 'username':2 'user':2 'name':3 'id':4");
    expect(tsvectorOf('get_user_name = 1')).toBe("'get_user_name':1 'getusername':1 'get':1 'username':2 'user':2 'name':3 '1':4");
  });

  it('gives a one-part token (lower-case letters then digits, or digits) one position, and splits letters after digits', () => {
    expect(tsvectorOf('const utf8 = abc123def + 42')).toBe("'const':1 'utf8':2 'abc123def':3 'abc123':3 'def':4 '42':5");
    expect(parts('abc123def')).toEqual(['abc123', 'def']);
    expect(identifierParts('utf8')).toEqual([{ text: 'utf8', start: 0 }]);
  });

  it('quotes lexemes and is empty for a line without words', () => {
    expect(tsvectorOf('   {};')).toBe('');
    expect(tsvectorOf('a a a')).toBe("'a':1,2,3");
  });
});

describe('a query', () => {
  it('makes each word a prefix, all required', () => {
    expect(parseQuery('greet name').tsquery).toBe("'greet':* & 'name':*");
  });

  it('lets a word of several parts match them joined, whatever the case style', () => {
    expect(tsvectorOf('USER_NAME')).toBe("'user_name':1 'username':1 'user':1 'name':2");
    expect(parseQuery('userName').tsquery).toBe("'username':*");
    expect(parseQuery('user_name').tsquery).toBe("('user_name':* | 'username':*)");
  });

  it('reads quoted phrases as their words (chunks are found by them; lines are checked for the sequence), and nothing as an operator', () => {
    expect(parseQuery('"hello world" x').tsquery).toBe("'hello':* & 'world':* & 'x':*");
    expect(parseQuery('"hello world" x').groups).toEqual([{ phrase: ['hello', 'world'] }, { prefixes: ['x'] }]);
    expect(parseQuery("it's & | ! <-> :*").tsquery).toBe("'it':* & 's':*");
    expect(parseQuery(' !!! ').tsquery).toBeNull();
  });
});

describe('highlights', () => {
  it('mark whole tokens matched by a prefix, or only the parts that match', () => {
    const { terms } = parseQuery('user');
    const line = 'const getUserName = get_user_name(user);';
    const marked = matchRanges(line, terms).map(([a, b]) => line.slice(a, b));
    expect(marked).toEqual(['User', 'user', 'user']);
  });

  it('merge touching parts into one range', () => {
    const line = 'getUserName()';
    expect(matchRanges(line, parseQuery('getUserName').terms)).toEqual([[0, 11]]);
    expect(matchRanges(line, parseQuery('userNa').terms)).toEqual([[3, 11]]);
  });
});
