// A scripted Tavily-compatible search server for tests: real HTTP on 127.0.0.1, spoken to by the
// web_tools module's real client. It answers `POST /search` as Tavily does
// (https://docs.tavily.com/documentation/api-reference/endpoint/search): the key as
// `Authorization: Bearer tvly-…` (or, as older clients send it, `api_key` in the body), else 401
// `{"detail":{"error":…}}`; `query` required, `max_results` 0 to 20, `search_depth` basic or
// advanced, `topic` general, news or finance, else 400; an answer
// `{ query, answer?, images, results: [{ title, url, content, score }], response_time }` with at most
// `max_results` results and `answer` only when `include_answer` asks for it. Results come from a
// script (a queue of replies, or a function of the request); unscripted, from the query itself.
//
//   const tavily = await startTavilyServer();
//   tavily.script({ results: [{ title: 'A', url: 'https://a.example/x', content: '…', score: 0.9 }], answer: 'Yes.' }, { status: 429 });
//   … createTestApp({ env: { TAVILY_API_KEY: tavily.apiKey, TAVILY_BASE_URL: tavily.url } }) …
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

export interface TavilyResult {
  title: string;
  url: string;
  content: string;
  score: number;
}

/** What the search finds: results (cut to `max_results`) and the answer given when asked for one. */
export interface ScriptedSearch {
  results: TavilyResult[];
  answer?: string;
  delayMs?: number;
}

/** A refusal as Tavily sends it (the body defaults to `{ detail: { error } }`). */
export interface ScriptedRefusal {
  status: number;
  error?: string;
  delayMs?: number;
}

export type TavilyReply = ScriptedSearch | ScriptedRefusal;

export interface RecordedSearch {
  headers: IncomingHttpHeaders;
  body: any;
  /** The key the request carried, from the header or the body. */
  apiKey: string | undefined;
}

export interface TavilyServer {
  url: string;
  apiKey: string;
  script(...replies: (TavilyReply | ((req: RecordedSearch) => TavilyReply))[]): void;
  readonly requests: RecordedSearch[];
  reset(): void;
  close(): Promise<void>;
}

const DEPTHS = ['basic', 'advanced'];
const TOPICS = ['general', 'news', 'finance'];

/** Unscripted: three results about the query, on example.com pages. */
function fromQuery(query: string): ScriptedSearch {
  const slug = query.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '') || 'search';
  return {
    answer: `A short answer about ${query}.`,
    results: [1, 2, 3].map((n) => ({ title: `${query} — source ${n}`, url: `https://example.com/${slug}/${n}`, content: `What source ${n} says about ${query}.`, score: Number((1 - n / 10).toFixed(2)) })),
  };
}

export async function startTavilyServer(opts: { apiKey?: string } = {}): Promise<TavilyServer> {
  const apiKey = opts.apiKey ?? 'tvly-test-0123456789abcdef';
  const queue: (TavilyReply | ((req: RecordedSearch) => TavilyReply))[] = [];
  const requests: RecordedSearch[] = [];
  const sockets = new Set<Socket>();

  const send = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  const refuse = (res: ServerResponse, status: number, error: string) => send(res, status, { detail: { error } });

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
    if (req.method !== 'POST' || path !== '/search') return refuse(res, 404, `Not Found: ${req.method} ${path}`);
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    let body: any;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
    } catch {
      return refuse(res, 400, 'Invalid JSON body');
    }
    const bearer = /^Bearer\s+(.+)$/i.exec(String(req.headers.authorization ?? ''))?.[1];
    const given = bearer ?? (typeof body?.api_key === 'string' ? body.api_key : undefined);
    const recorded: RecordedSearch = { headers: req.headers, body, apiKey: given };
    requests.push(recorded);
    if (given !== apiKey) return refuse(res, 401, 'Unauthorized: missing or invalid API key.');
    if (typeof body.query !== 'string' || !body.query.trim()) return refuse(res, 400, 'Query is missing.');
    const max = body.max_results ?? 5;
    if (!Number.isInteger(max) || max < 0 || max > 20) return refuse(res, 400, 'max_results must be between 0 and 20.');
    if (body.search_depth !== undefined && !DEPTHS.includes(body.search_depth)) return refuse(res, 400, 'Invalid search depth. Must be "basic" or "advanced".');
    if (body.topic !== undefined && !TOPICS.includes(body.topic)) return refuse(res, 400, 'Invalid topic. Must be "general", "news" or "finance".');

    const next = queue.shift();
    const reply = next === undefined ? fromQuery(body.query) : typeof next === 'function' ? next(recorded) : next;
    if (reply.delayMs) await sleep(reply.delayMs);
    if (res.destroyed) return;
    if ('status' in reply) return refuse(res, reply.status, reply.error ?? `Scripted error ${reply.status}`);
    const wantsAnswer = body.include_answer === true || body.include_answer === 'basic' || body.include_answer === 'advanced';
    send(res, 200, {
      query: body.query,
      follow_up_questions: null,
      ...(wantsAnswer && reply.answer ? { answer: reply.answer } : {}),
      images: [],
      results: reply.results.slice(0, max),
      response_time: 0.42,
    });
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((err) => {
      if (!res.headersSent) refuse(res, 500, `tavily-server: ${(err as Error).message}`);
      else res.destroy();
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    apiKey,
    script: (...replies) => void queue.push(...replies),
    requests,
    reset() {
      queue.length = 0;
      requests.length = 0;
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
