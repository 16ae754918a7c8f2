// Searching a snapshot: the query parsed as search-terms.ts reads it, matched against the chunks
// of lines and the paths of the snapshot's files (search-repository.ts); each chunk found gives
// its lines that match the query (decision 0052). Each match is answered as a path, a line and a
// snippet with where the match is in it. Rights as for browsing: project members read.
import type { Actor } from '../../core/context/actor.ts';
import type { Executor } from '../../core/db/database.ts';
import { CoreProblems } from '../../core/errors.ts';
import { decodeCursor, type Page, toPage } from '../../core/http/pagination.ts';
import type { ProjectsApi } from '../projects/index.ts';
import { CodebaseProblems } from './problems.ts';
import { snapshots } from './repository.ts';
import { type SearchRow, searchIndex } from './search-repository.ts';
import { addLexemes, type Lexemes, lexemesMatch, matchRanges, parseQuery, type SearchQuery } from './search-terms.ts';

/** Paths and chunks of lines a query pages through at most: past them a query is too broad to read on. */
export const MAX_RESULTS = 1_000;
/** Ranked rows (paths and chunks) read at a time while a page is filled. */
const ROWS_PER_READ = 50;
/** Characters of a line shown around its first match. */
export const SNIPPET_CHARS = 240;

export interface SearchInput {
  q: string;
  snapshot?: number;
  language?: string;
  path?: string;
  limit: number;
  cursor?: string;
}

export interface SearchHit {
  path: string;
  line: number | null;
  language: string | null;
  snippet: string;
  highlights: { start: number; end: number }[];
}

/**
 * The snippet of a matched text: the whole of it when short, else SNIPPET_CHARS around its first
 * match with `…` where it was cut; the matches' offsets in the snippet (UTF-16 units, as a
 * JavaScript string counts them).
 */
export function snippetOf(text: string, terms: SearchQuery['terms']): Pick<SearchHit, 'snippet' | 'highlights'> {
  const ranges = matchRanges(text, terms);
  let from = 0;
  let to = text.length;
  if (text.length > SNIPPET_CHARS) {
    const first = ranges[0]?.[0] ?? 0;
    from = Math.max(0, Math.min(first - SNIPPET_CHARS / 4, text.length - SNIPPET_CHARS));
    to = from + SNIPPET_CHARS;
  }
  const head = from > 0 ? '…' : '';
  const snippet = `${head}${text.slice(from, to)}${to < text.length ? '…' : ''}`;
  const highlights = ranges
    .filter(([a, b]) => b > from && a < to)
    .map(([a, b]) => ({ start: Math.max(a, from) - from + head.length, end: Math.min(b, to) - from + head.length }));
  return { snippet, highlights };
}

/** A cursor: the ranked row to resume at, and how many of its matches were given already. */
const isResumeKey = (key: unknown[]) =>
  key.length === 2 && Number.isInteger(key[0]) && (key[0] as number) >= 0 && (key[0] as number) < MAX_RESULTS && Number.isInteger(key[1]) && (key[1] as number) >= 0 && (key[1] as number) <= 1_000;

/** The lines of a chunk that match the query, numbered; a path match as itself. */
function matchesOf(row: SearchRow, query: SearchQuery): { line: number | null; text: string }[] {
  if (row.line === null) {
    // A path is found by the words as prefixes; a phrase must also be in it in order.
    const lexemes: Lexemes = new Map();
    addLexemes(row.text, lexemes, 1);
    return lexemesMatch(lexemes, query.groups) ? [{ line: null, text: row.text }] : [];
  }
  const out: { line: number; text: string }[] = [];
  row.text.split('\n').forEach((text, n) => {
    const lexemes: Lexemes = new Map();
    if (addLexemes(text, lexemes, 1) > 1 && lexemesMatch(lexemes, query.groups)) out.push({ line: (row.line as number) + n, text });
  });
  return out;
}

/** A path prefix as a client writes it (`/src`, `./src/`), as paths are stored: NFC, relative. */
const pathPrefixOf = (path: string | undefined) => (path ?? '').normalize('NFC').replace(/^(\.?\/)+/, '');

export function createSearch(deps: { db: Executor; projects: Pick<ProjectsApi, 'assertProjectAccess'> }) {
  const { db, projects } = deps;

  async function search(actor: Actor, orgId: string, projectId: string, input: SearchInput): Promise<Page<SearchHit> & { snapshot: number }> {
    await projects.assertProjectAccess(actor.principal, orgId, projectId, 'read');
    const query = parseQuery(input.q);
    if (!query.tsquery) {
      throw CoreProblems.validationFailed.error('The query has no word to search for', { errors: [{ field: 'query.q', message: 'holds no letter or digit' }] });
    }
    const row = await snapshots.byVersion(db, orgId, projectId, input.snapshot);
    if (!row) {
      throw CodebaseProblems.snapshotNotFound.error(input.snapshot === undefined ? 'The project has no codebase snapshot yet' : `The project's codebase has no snapshot ${input.snapshot}`);
    }
    if (!row.indexed_at) throw CodebaseProblems.notSearchable.error(`Snapshot ${row.version} is still being indexed`);
    // A snapshot never changes, so a ranked row's offset names the same row on every call: the
    // cursor is that row and how many of its lines were given.
    const [fromRow, given] = (decodeCursor(input.cursor, isResumeKey) ?? [0, 0]) as [number, number];
    const want = input.limit + 1;
    const hits: { key: [number, number]; hit: SearchHit }[] = [];
    const filter = { orgId, snapshotId: row.id, tsquery: query.tsquery, language: input.language, pathPrefix: pathPrefixOf(input.path) || undefined };
    for (let offset = fromRow; hits.length < want && offset < MAX_RESULTS; offset += ROWS_PER_READ) {
      const rows = await searchIndex.search(db, { ...filter, limit: Math.min(ROWS_PER_READ, MAX_RESULTS - offset), offset });
      rows.forEach((r, n) => {
        const at = offset + n;
        matchesOf(r, query).forEach((m, k) => {
          if ((at === fromRow && k < given) || hits.length >= want) return;
          hits.push({ key: [at, k + 1], hit: { path: r.path, line: m.line, language: r.language, ...snippetOf(m.text, query.terms) } });
        });
      });
      if (rows.length < ROWS_PER_READ) break;
    }
    const page = toPage(hits, input.limit, (h) => h.key);
    return { snapshot: row.version, data: page.data.map((h) => h.hit), page: page.page };
  }

  return { search };
}

export type Search = ReturnType<typeof createSearch>;
