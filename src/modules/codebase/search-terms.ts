// The words of code as search sees them, the same for what is indexed and what is asked: a token
// is a run of letters, digits and `_`; an identifier also counts as its parts, split on `_` and
// on case changes (`getUserName` is get, user, name; `HTMLParser` is html, parser;
// `get_user_name` is get, user, name). The whole and its first part share a position and the
// parts follow one another, so the phrase "get user" finds `getUser`, `get_user` and "get user"
// alike; from each part on, the parts joined are at its position too (`getuser`, and `username`
// for `getUserName`), so the word `userName` finds `user_name` and `getUserName` as one lexeme.
// PostgreSQL's own parser is not used: it splits on `_` and knows no camelCase.

/** A token of a line: where it starts (UTF-16 units) and its parts, each with its own offset. */
export interface Token {
  text: string;
  start: number;
  parts: { text: string; start: number }[];
}

/** Longer runs are data (base64, hashes, minified code), not words anyone searches for. */
export const MAX_TOKEN_CHARS = 64;

const TOKEN = /[\p{L}\p{N}_]+/gu;
// A part: an upper-case run not followed by a lower-case letter (an acronym), or a capital with
// the lower-case letters after it, or lower-case letters; digits stay with the part before them.
const PART = /\p{Lu}+(?!\p{Ll})\p{N}*|\p{Lu}?\p{Ll}+\p{N}*|\p{Lo}+\p{N}*|\p{N}+/gu;

/**
 * Most tokens of code are one part, themselves: lower-case ASCII letters and then digits, or
 * digits alone (`const`, `id`, `utf8`, `42`). Told by one cheap test, they skip PART (indexing
 * reads every line of every content: this is its hot loop).
 */
const SIMPLE = /^(?:[a-z]+[0-9]*|[0-9]+)$/;

/** The parts of one identifier, lower-cased, with their offsets in it (`_` separates, never a part). */
export function identifierParts(identifier: string): { text: string; start: number }[] {
  if (SIMPLE.test(identifier)) return [{ text: identifier, start: 0 }];
  const parts: { text: string; start: number }[] = [];
  for (const m of identifier.matchAll(PART)) parts.push({ text: m[0].toLowerCase(), start: m.index });
  return parts;
}

/** The tokens of a text in order (tokens over MAX_TOKEN_CHARS left out). */
export function tokensOf(text: string): Token[] {
  const tokens: Token[] = [];
  for (const m of text.matchAll(TOKEN)) {
    if (m[0].length > MAX_TOKEN_CHARS || /^_+$/.test(m[0])) continue;
    tokens.push({ text: m[0], start: m.index, parts: identifierParts(m[0]) });
  }
  return tokens;
}

/** A lexeme as a tsvector or tsquery literal: quoted, so nothing in it is read as an operator. */
const literal = (lexeme: string) => (lexeme.includes("'") || lexeme.includes('\\') ? `'${lexeme.replace(/['\\]/g, (c) => `${c}${c}`)}'` : `'${lexeme}'`);

/** Lexemes with their positions, as a tsvector holds them. */
export type Lexemes = Map<string, number[]>;

/** PostgreSQL keeps positions up to 16,383; past this one a text's further words are left out. */
export const MAX_POSITION = 16_000;

/**
 * The lexemes of one identifier (not SIMPLE) relative to its position: the whole at 0, and when
 * it has several parts, each part at the next positions, the first sharing the whole's, with the
 * parts from it on joined at its position. Cached: code repeats its identifiers, and splitting
 * one is the costly step of indexing.
 */
const IDENTIFIER_CACHE_MAX = 50_000;
const identifierCache = new Map<string, { lexemes: string[]; offsets: number[]; width: number }>();
function identifierLexemes(token: string): { lexemes: string[]; offsets: number[]; width: number } {
  const cached = identifierCache.get(token);
  if (cached) return cached;
  const whole = token.toLowerCase().replace(/^_+|_+$/g, '');
  const parts = identifierParts(token);
  const lexemes = [whole];
  const offsets = [0];
  let width = 1;
  if (parts.length > 1 || (parts.length === 1 && parts[0].text !== whole)) {
    // From each part on, the parts joined (`get_order_total`: `getordertotal`, `ordertotal`)
    // at that part's position: a query word of several parts is then one lexeme, found in any
    // spelling and inside a longer identifier (parseQuery), never a phrase to check line by line.
    for (let n = 0; n < parts.length; n++) {
      if (n < parts.length - 1) {
        let rest = parts[n].text;
        for (let m = n + 1; m < parts.length; m++) rest += parts[m].text;
        if (rest !== whole) {
          lexemes.push(rest);
          offsets.push(n);
        }
      }
      lexemes.push(parts[n].text);
      offsets.push(n);
    }
    width = parts.length;
  }
  if (identifierCache.size >= IDENTIFIER_CACHE_MAX) identifierCache.clear();
  const entry = { lexemes, offsets, width };
  identifierCache.set(token, entry);
  return entry;
}

/**
 * Adds the lexemes of `text` to `into` from `position` on (each token lower-cased at its position;
 * an identifier of several parts as identifierLexemes says); answers the position after the last.
 * A lexeme keeps its first 256 positions.
 */
export function addLexemes(text: string, into: Lexemes, position: number): number {
  const put = (lexeme: string, at: number) => {
    const positions = into.get(lexeme);
    if (!positions) into.set(lexeme, [at]);
    else if (positions.length < 256) positions.push(at);
  };
  TOKEN.lastIndex = 0;
  for (let m = TOKEN.exec(text); m; m = TOKEN.exec(text)) {
    if (position > MAX_POSITION) break;
    const token = m[0];
    if (token.length > MAX_TOKEN_CHARS) continue;
    // One part, itself (SIMPLE): the whole at its position, nothing more.
    if (SIMPLE.test(token)) {
      put(token, position++);
      continue;
    }
    if (/^_+$/.test(token)) continue;
    const { lexemes, offsets, width } = identifierLexemes(token);
    for (let i = 0; i < lexemes.length; i++) put(lexemes[i], position + offsets[i]);
    position += width;
  }
  return position;
}

/** Lexemes as a tsvector literal (cast with `::tsvector`); '' for none. */
export function tsvectorText(lexemes: Lexemes): string {
  let out = '';
  for (const [lexeme, positions] of lexemes) out += `${out ? ' ' : ''}${literal(lexeme)}:${positions.join(',')}`;
  return out;
}

/**
 * The lexemes a chunk of the search index holds for one token: a SIMPLE token itself; an
 * identifier whole, and its parts joined from each part on (`get_user_name`: `get_user_name`,
 * `getusername`, `username`, `name`). Every lexeme addLexemes gives a text starts one of these (a
 * part starts the parts joined from it on), so a query of prefixes finds every chunk whose lines
 * match it; the lines are then checked with all their lexemes and positions (lexemesMatch). Fewer
 * lexemes, and no positions, make the index far cheaper to write (decision 0052).
 */
export function indexLexemesOf(token: string, simple: boolean): string[] {
  if (simple) return [token];
  const whole = token.toLowerCase().replace(/^_+|_+$/g, '');
  const parts = identifierParts(token);
  const out = [whole];
  let rest = '';
  for (let n = parts.length - 1; n >= 0; n--) {
    rest = parts[n].text + rest;
    if (rest !== whole) out.push(rest);
  }
  return out;
}

// Indexing reads every token of a codebase (millions), most of them seen before: the tokens met
// are kept in an open-addressing table by a hash of their characters computed while scanning (no
// string is cut out to look one up), each with its lexemes as numbers, and a chunk's lexemes are
// told apart by marks in an array rather than a Set. Profiled, splitting took a quarter of the
// time it did with regular expressions, Maps and Sets. The tables are emptied when they grow past
// TABLE_MAX lexemes, between two texts (a collector is used synchronously, for one text).
const TABLE_MAX = 100_000;
interface KnownToken {
  hash: number;
  token: string;
  ids: number[];
}
let known: KnownToken[] = [];
/** Slots of the table: an index into `known`, or -1. A power of two, at most half full. */
let slots = new Int32Array(1 << 16).fill(-1);
const lexemeIds = new Map<string, number>();
/** Each lexeme's tsvector literal, by id. */
let literals: string[] = [];
let marks = new Uint32Array(1 << 12);
let mark = 0;
const WORD_CHAR = /^[\p{L}\p{N}_]$/u;

function idsOf(token: string, simple: boolean): number[] {
  return indexLexemesOf(token, simple).map((lexeme) => {
    let id = lexemeIds.get(lexeme);
    if (id === undefined) {
      id = literals.length;
      lexemeIds.set(lexeme, id);
      literals.push(literal(lexeme));
      if (id >= marks.length) {
        const grown = new Uint32Array(marks.length * 2);
        grown.set(marks);
        marks = grown;
      }
    }
    return id;
  });
}

/** The slot of a token with this hash and characters (`text` from `start`, `length` long): its own, or the empty one it goes in. */
function slotOf(hash: number, text: string, start: number, length: number): number {
  const mask = slots.length - 1;
  let slot = hash & mask;
  for (let at = slots[slot]; at !== -1; slot = (slot + 1) & mask, at = slots[slot]) {
    const k = known[at];
    if (k.hash === hash && k.token.length === length && text.startsWith(k.token, start)) return slot;
  }
  return slot;
}

function remember(entry: KnownToken): void {
  if ((known.length + 1) * 2 > slots.length) {
    slots = new Int32Array(slots.length * 2).fill(-1);
    for (const [at, k] of known.entries()) slots[slotOf(k.hash, k.token, 0, k.token.length)] = at;
  }
  slots[slotOf(entry.hash, entry.token, 0, entry.token.length)] = known.length;
  known.push(entry);
}

/** A chunk's lexemes as they are added, told apart by `mark`; `terms()` gives them as a tsvector literal (no positions). */
export interface ChunkLexemes {
  /** Adds the index lexemes of a line; answers whether it has a word. */
  add(text: string): boolean;
  /** The lexemes added since the last call, as a tsvector literal (cast with `::tsvector`); '' for none. */
  terms(): string;
}

/** A collector of chunks' lexemes for one text (use it synchronously, then drop it). */
export function chunkLexemes(): ChunkLexemes {
  if (literals.length > TABLE_MAX) {
    known = [];
    slots = new Int32Array(1 << 16).fill(-1);
    lexemeIds.clear();
    literals = [];
    marks = new Uint32Array(1 << 12);
    mark = 0;
  }
  let ids: number[] = [];
  mark++;
  return {
    add(text) {
      let any = false;
      let i = 0;
      const n = text.length;
      while (i < n) {
        const start = i;
        // 0: nothing yet, 1: lower-case letters, 2: then digits, 3: digits only; -1: not SIMPLE.
        let phase = 0;
        let underscores = 0;
        let hash = 0x811c9dc5 | 0;
        let c = 0;
        while (i < n) {
          c = text.charCodeAt(i);
          if (c >= 97 && c <= 122) {
            phase = phase === 0 || phase === 1 ? 1 : -1;
          } else if (c >= 48 && c <= 57) {
            phase = phase === 0 ? 3 : phase === 1 ? 2 : phase;
          } else if ((c >= 65 && c <= 90) || c === 95) {
            if (c === 95) underscores++;
            phase = -1;
          } else if (c > 127) {
            const point = text.codePointAt(i) as number;
            if (!WORD_CHAR.test(String.fromCodePoint(point))) break;
            phase = -1;
            if (point > 0xffff) {
              hash = Math.imul(hash ^ c, 0x01000193);
              i++;
              c = text.charCodeAt(i);
            }
          } else break;
          hash = Math.imul(hash ^ c, 0x01000193);
          i++;
        }
        if (i === start) {
          // Not a word character: the next one (a pair of surrogates is one).
          i += c >= 0xd800 && c <= 0xdbff && i + 1 < n ? 2 : 1;
          continue;
        }
        const length = i - start;
        if (length > MAX_TOKEN_CHARS || underscores === length) continue;
        const slot = slotOf(hash, text, start, length);
        let entry: KnownToken;
        if (slots[slot] === -1) {
          const token = text.slice(start, i);
          entry = { hash, token, ids: idsOf(token, phase > 0) };
          remember(entry);
        } else {
          entry = known[slots[slot]];
        }
        const entryIds = entry.ids;
        for (let j = 0; j < entryIds.length; j++) {
          const id = entryIds[j];
          if (marks[id] !== mark) {
            marks[id] = mark;
            ids.push(id);
          }
        }
        any = true;
      }
      return any;
    },
    terms() {
      let out = '';
      for (let j = 0; j < ids.length; j++) out += j ? ` ${literals[ids[j]]}` : literals[ids[j]];
      ids = [];
      mark++;
      return out;
    },
  };
}

/** A text's terms as a tsvector literal (addLexemes from position 1). Empty when it has no words. */
export function tsvectorOf(text: string): string {
  const at: Lexemes = new Map();
  addLexemes(text, at, 1);
  return tsvectorText(at);
}

/** One required group of a query: a lexeme starting with any of `prefixes`, or the lexemes of `phrase` at positions in sequence. */
export type QueryGroup = { prefixes: string[] } | { phrase: string[] };

export interface SearchQuery {
  /** The tsquery's text (cast with `::tsquery`), or null when the query holds no word. */
  tsquery: string | null;
  /** The same query as groups, all required: what textMatches checks a line against. */
  groups: QueryGroup[];
  /** Lower-cased terms a highlighted token or part is matched against; prefix ones match a start. */
  terms: { text: string; prefix: boolean }[];
}

/**
 * A query as typed: words, each a prefix (`getUs` finds `getUserName`), all of them required;
 * "quoted phrases" must appear as written, word after word. A word of several parts finds them
 * joined however they are written and inside longer identifiers (`userName` finds `user_name`,
 * `USER_NAME` and `getUserName`): one lexeme, never a phrase of its parts, which are common
 * words (`get`, `user`) whose lines a phrase has to read and check by the hundred thousand
 * (decision 0045). Parts in separate tokens (`user.name`, "user name") take a quoted phrase.
 */
export function parseQuery(input: string): SearchQuery {
  const groups: string[] = [];
  const matched: QueryGroup[] = [];
  const terms: SearchQuery['terms'] = [];
  const chunks = input.split('"');
  chunks.forEach((chunk, i) => {
    // Odd chunks were between quotes (an unclosed quote runs to the end).
    const phrase = i % 2 === 1;
    const tokens = tokensOf(chunk);
    if (phrase && tokens.length) {
      const parts = tokens.flatMap((t) => (t.parts.length ? t.parts.map((p) => p.text) : [t.text.toLowerCase()]));
      // Chunks are found by the words as prefixes; the phrase is checked line by line (lexemesMatch).
      groups.push(parts.map((part) => `${literal(part)}:*`).join(' & '));
      matched.push({ phrase: parts });
      for (const p of parts) terms.push({ text: p, prefix: false });
      return;
    }
    for (const token of tokens) {
      const whole = token.text.toLowerCase().replace(/^_+|_+$/g, '');
      const parts = token.parts.map((p) => p.text);
      terms.push({ text: whole, prefix: true });
      if (parts.length > 1) {
        const joined = parts.join('');
        groups.push(joined === whole ? `${literal(whole)}:*` : `(${literal(whole)}:* | ${literal(joined)}:*)`);
        matched.push({ prefixes: joined === whole ? [whole] : [whole, joined] });
        terms.push(...parts.map((p, n) => ({ text: p, prefix: n === parts.length - 1 })));
      } else {
        groups.push(`${literal(whole)}:*`);
        matched.push({ prefixes: [whole] });
      }
    }
  });
  return { tsquery: groups.length ? groups.join(' & ') : null, groups: matched, terms };
}

/**
 * Whether a text's lexemes (addLexemes) match every group of a query, as PostgreSQL matches the
 * tsquery: a prefix group by any lexeme starting with one of its prefixes, a phrase by its
 * lexemes at consecutive positions. Search finds chunks of lines by the tsquery and keeps their
 * lines that match this way (decision 0052).
 */
export function lexemesMatch(lexemes: Lexemes, groups: readonly QueryGroup[]): boolean {
  return groups.every((group) => {
    if ('prefixes' in group) {
      for (const lexeme of lexemes.keys()) if (group.prefixes.some((p) => lexeme.startsWith(p))) return true;
      return false;
    }
    const [first, ...rest] = group.phrase;
    return (lexemes.get(first) ?? []).some((p) => rest.every((word, n) => lexemes.get(word)?.includes(p + n + 1)));
  });
}

/**
 * Where the query's terms are in a text: each token whose whole matches a term, else each run of
 * its parts that do, as [start, end) ranges in UTF-16 units, merged when they touch.
 */
export function matchRanges(text: string, terms: SearchQuery['terms']): [number, number][] {
  const hits = (word: string) => terms.some((t) => (t.prefix ? word.startsWith(t.text) : word === t.text));
  const ranges: [number, number][] = [];
  for (const token of tokensOf(text)) {
    if (hits(token.text.toLowerCase().replace(/^_+|_+$/g, ''))) {
      ranges.push([token.start, token.start + token.text.length]);
      continue;
    }
    // Parts that match one after the other are one range, with the `_` between them.
    let previous = -2;
    token.parts.forEach((part, n) => {
      if (!hits(part.text)) return;
      const range: [number, number] = [token.start + part.start, token.start + part.start + part.text.length];
      if (previous === n - 1) ranges[ranges.length - 1][1] = range[1];
      else ranges.push(range);
      previous = n;
    });
  }
  const merged: [number, number][] = [];
  for (const r of ranges) {
    const last = merged[merged.length - 1];
    if (last && r[0] <= last[1]) last[1] = Math.max(last[1], r[1]);
    else merged.push([...r]);
  }
  return merged;
}
