// Tavily's search API (https://docs.tavily.com/documentation/api-reference/endpoint/search):
// `POST <base>/search` with the key as a bearer token, the query, the depth and the number of
// results; it answers ranked results (title, URL, a content snippet, a score) and, when asked, a
// short answer. The base URL is the operator's (TAVILY_BASE_URL), not a user's: no SSRF guard.
// What Tavily says when it refuses (its body may echo the key's prefix) goes to the log only.
import type { Logger } from '../../core/log/logger.ts';
import { WebToolsProblems as P } from './problems.ts';

export interface TavilyConfig {
  apiKey: string;
  baseUrl: string;
  timeoutMs: number;
}

export interface SearchRequest {
  query: string;
  maxResults: number;
  depth: 'basic' | 'advanced';
  topic: 'general' | 'news';
}

export interface SearchResult {
  title: string;
  url: string;
  content: string;
  score: number;
}

export interface SearchAnswer {
  answer: string | null;
  results: SearchResult[];
}

/** A snippet is cut here: enough to judge a source, then fetch_page reads it. */
const CONTENT_CHARS = 1500;

const cut = (s: string, n: number) => (s.length > n ? `${s.slice(0, n)}…` : s);
const isHttpUrl = (u: unknown): u is string => typeof u === 'string' && /^https?:\/\//i.test(u);

export async function tavilySearch(config: TavilyConfig, req: SearchRequest, signal: AbortSignal, log: Logger): Promise<SearchAnswer> {
  const deadline = AbortSignal.timeout(config.timeoutMs);
  let res: Response;
  try {
    res = await fetch(`${config.baseUrl}/search`, {
      method: 'POST',
      headers: { authorization: `Bearer ${config.apiKey}`, 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ query: req.query, max_results: req.maxResults, search_depth: req.depth, topic: req.topic, include_answer: true }),
      signal: AbortSignal.any([deadline, signal]),
    });
  } catch (err) {
    if (signal.aborted) throw signal.reason ?? err;
    if (deadline.aborted) throw P.searchFailed.error(`The search service did not answer within ${config.timeoutMs} ms`);
    log.warn({ err: { message: (err as Error).message, code: (err as { cause?: { code?: string } }).cause?.code } }, 'web search: the search service could not be reached');
    throw P.searchFailed.error('The search service could not be reached');
  }
  if (!res.ok) {
    // Its words, for the operator, without anything that looks like a key.
    const body = (await res.text().catch(() => '')).slice(0, 500).replaceAll(config.apiKey, '[key]').replace(/tvly-[\w-]+/g, 'tvly-[key]');
    log.warn({ status: res.status, body }, 'web search: the search service refused');
    if (res.status === 401 || res.status === 403) throw P.searchFailed.error("The search service refused the server's key");
    if (res.status === 429 || res.status === 432 || res.status === 433) throw P.searchFailed.error('The search service is rate-limiting this server, or its plan is used up');
    throw P.searchFailed.error(`The search service answered HTTP ${res.status}`);
  }
  let body: { answer?: unknown; results?: unknown };
  try {
    body = (await res.json()) as typeof body;
  } catch {
    throw P.searchFailed.error('The search service answered something that is not JSON');
  }
  const results = Array.isArray(body.results) ? body.results : [];
  return {
    answer: typeof body.answer === 'string' && body.answer ? body.answer : null,
    results: results
      .filter((r): r is Record<string, unknown> => !!r && typeof r === 'object' && isHttpUrl((r as Record<string, unknown>).url))
      .slice(0, req.maxResults)
      .map((r) => ({
        title: typeof r.title === 'string' ? cut(r.title, 300) : '',
        url: r.url as string,
        content: typeof r.content === 'string' ? cut(r.content, CONTENT_CHARS) : '',
        score: typeof r.score === 'number' ? r.score : 0,
      })),
  };
}
