// Searching a snapshot: the query parsed as search-terms.ts reads it, matched against the lines
// and paths of the snapshot's files (search-repository.ts), each match answered as a path, a line
// and a snippet with where the match is in it. Rights as for browsing: project members read.
import type { Actor } from '../../core/context/actor.ts';
import type { Executor } from '../../core/db/database.ts';
import { CoreProblems } from '../../core/errors.ts';
import { decodeCursor, type Page, toPage } from '../../core/http/pagination.ts';
import type { ProjectsApi } from '../projects/index.ts';
import { CodebaseProblems } from './problems.ts';
import { snapshots } from './repository.ts';
import { searchIndex } from './search-repository.ts';
import { matchRanges, parseQuery, type SearchQuery } from './search-terms.ts';

/** Matches a query pages through at most: past them a query is too broad to read on. */
export const MAX_RESULTS = 1_000;
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

const isOffsetKey = (key: unknown[]) => key.length === 1 && Number.isInteger(key[0]) && (key[0] as number) > 0 && (key[0] as number) < MAX_RESULTS;

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
    // A snapshot never changes, so an offset names the same match on every call: it is the cursor.
    const offset = Number(decodeCursor(input.cursor, isOffsetKey)?.[0] ?? 0);
    const limit = Math.min(input.limit, MAX_RESULTS - offset);
    const rows = await searchIndex.search(db, {
      orgId,
      snapshotId: row.id,
      tsquery: query.tsquery,
      language: input.language,
      pathPrefix: pathPrefixOf(input.path) || undefined,
      limit: limit + 1,
      offset,
    });
    const hits = rows.map((r, n) => ({ offset: offset + n + 1, hit: { path: r.path, line: r.line, language: r.language, ...snippetOf(r.text, query.terms) } }));
    const page = toPage(offset + limit >= MAX_RESULTS ? hits.slice(0, limit) : hits, limit, (h) => [h.offset]);
    return { snapshot: row.version, data: page.data.map((h) => h.hit), page: page.page };
  }

  return { search };
}

export type Search = ReturnType<typeof createSearch>;
