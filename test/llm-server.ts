// A scripted language-model server for tests: real HTTP on 127.0.0.1, spoken to by the real AI
// SDK clients, so what is tested is what runs against OpenAI, Azure OpenAI, Anthropic, Ollama,
// vLLM or LM Studio. It answers OpenAI's chat completions (on any path ending in
// `/chat/completions`: OpenAI and OpenAI-compatible at `/v1/…`, Azure at
// `/openai/deployments/<deployment>/…`) and Anthropic's messages (`…/messages`), streamed and
// not, from a script: a queue of replies, or a function of the request. Every request is
// recorded, so a test can assert on the prompt the app sent.
//
//   const llm = await startLlmServer();
//   llm.script({ text: 'SELECT 1' }, { status: 429, headers: { 'retry-after': '0' } }, { toolCalls: [{ name: 'lookup', input: { q: 'x' } }] });
//   llm.script((req) => ({ text: req.prompt.includes('hours') ? 'SELECT …' : 'no' }));
//   … createTestApp({ env: llmEnv(llm) }) …
//   expect(llm.requests[0].messages.at(-1)).toEqual({ role: 'user', content: '…' });
//   expect(await llm.requests[0].ended).toBe('aborted'); // the client hung up (a cancelled call)
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/** A tool call the scripted model makes. */
export interface ScriptedToolCall {
  /** Default: `call_<n>` (OpenAI) or `toolu_<n>` (Anthropic). */
  id?: string;
  name: string;
  /** Arguments as an object, or raw text (to script arguments that are not valid JSON). */
  input: unknown;
}

/** An answer of the model. */
export interface ScriptedAnswer {
  text?: string;
  toolCalls?: ScriptedToolCall[];
  /** Default: `tool_calls` when there are tool calls, else `stop` (Anthropic: `tool_use`, `end_turn`; `length` is `max_tokens`). */
  finishReason?: 'stop' | 'length' | 'tool_calls' | 'content_filter';
  /** Tokens reported; default: about one per 4 characters of the prompt and of the answer. */
  usage?: { input: number; output: number };
  /** Wait this long before sending the headers (a slow provider). */
  delayMs?: number;
  /** Streamed: the text is sent in chunks of this many characters (default 4). */
  chunkSize?: number;
  /** Streamed: wait this long before each chunk after the first. */
  chunkDelayMs?: number;
  /** Streamed: send this many chunks, then nothing more, connection held open (a stall mid-stream). */
  stallAfterChunks?: number;
  /** Streamed: send this many chunks, then reset the connection (a provider that drops mid-stream; 0: right after the headers). */
  dropAfterChunks?: number;
  /** Streamed: the chunk at this index is sent as a line that is not JSON (a malformed chunk), the others as usual. */
  malformedChunk?: number;
}

/** A refusal: the status and body a provider answers with, e.g. 429 with `retry-after`. */
export interface ScriptedError {
  status: number;
  /** Default: an error object in the dialect of the API called. */
  body?: unknown;
  headers?: Record<string, string>;
  delayMs?: number;
}

export type ScriptedReply = ScriptedAnswer | ScriptedError;

/** A request the server received, parsed. */
export interface RecordedRequest {
  api: 'openai' | 'anthropic';
  method: string;
  /** Path without the query string. */
  path: string;
  query: Record<string, string>;
  headers: IncomingHttpHeaders;
  /** The JSON body as sent. */
  body: any;
  model: string;
  stream: boolean;
  /** The conversation as plain text per message (system prompt first, when there is one). */
  messages: { role: string; content: string }[];
  /** Every message's text, joined: what `prompt.includes(…)` is for. */
  prompt: string;
  /** Names of the tools offered. */
  tools: string[];
  /** The client hung up before the answer was complete (a timeout, a cancelled call). */
  aborted: boolean;
  /** Settles when the connection ends: `aborted` when the client hung up first (its request was aborted), else `completed`. */
  ended: Promise<'completed' | 'aborted'>;
}

export type ScriptFunction = (req: RecordedRequest) => ScriptedReply | Promise<ScriptedReply>;

export interface LlmServer {
  /** `http://127.0.0.1:<port>`. */
  url: string;
  /** `<url>/v1`: the base URL of the OpenAI, OpenAI-compatible and Anthropic clients. */
  baseUrl: string;
  /** Queues replies, answered in order, one per request; a function answers one request from what it asked. */
  script(...replies: (ScriptedReply | ScriptFunction)[]): void;
  /** Answers every request the queue does not (by default an unscripted request gets a 400 saying so). */
  fallback(reply: ScriptedReply | ScriptFunction | undefined): void;
  /** Every request received, oldest first. */
  readonly requests: RecordedRequest[];
  /** Replies queued and not yet used. */
  pending(): number;
  /** Empties the queue, the fallback and the recorded requests. */
  reset(): void;
  close(): Promise<void>;
}

/** Environment for an app whose LLM is this server, through the OpenAI-compatible provider (fast retries: none unless asked). */
export function llmEnv(server: Pick<LlmServer, 'baseUrl'>, extra: Record<string, string> = {}): Record<string, string> {
  return { LLM_PROVIDER: 'openai-compatible', LLM_MODEL: 'scripted-model', LLM_BASE_URL: server.baseUrl, LLM_TIMEOUT: '5s', LLM_MAX_RETRIES: '0', ...extra };
}

export async function startLlmServer(): Promise<LlmServer> {
  const queue: (ScriptedReply | ScriptFunction)[] = [];
  let fallback: ScriptedReply | ScriptFunction | undefined;
  const requests: RecordedRequest[] = [];
  const sockets = new Set<Socket>();
  let ids = 0;

  const server = createServer((req, res) => {
    handle(req, res).catch((err) => {
      if (!res.headersSent) send(res, 500, { error: { message: `llm-server: ${(err as Error).message}` } });
      else res.destroy();
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const api = url.pathname.endsWith('/chat/completions') ? 'openai' : url.pathname.endsWith('/messages') ? 'anthropic' : undefined;
    if (req.method !== 'POST' || !api) return send(res, 404, { error: { message: `llm-server: no such endpoint ${req.method} ${url.pathname}` } });
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
    const recorded = record(api, req, url, body);
    requests.push(recorded);
    let ended!: (how: 'completed' | 'aborted') => void;
    recorded.ended = new Promise((resolve) => {
      ended = resolve;
    });
    res.once('close', () => {
      // A connection the server itself reset (dropAfterChunks) is not the client's doing.
      if (!res.writableFinished && !dropped.has(res)) recorded.aborted = true;
      ended(recorded.aborted ? 'aborted' : 'completed');
    });
    const next = queue.shift() ?? fallback;
    if (!next) return send(res, 400, errorBody(api, 'llm-server: no scripted reply left for this request'));
    const reply = typeof next === 'function' ? await next(recorded) : next;
    if (reply.delayMs) await abortableSleep(reply.delayMs, res);
    if (res.destroyed) return;
    if ('status' in reply) {
      res.writeHead(reply.status, { 'content-type': 'application/json', ...reply.headers });
      res.end(JSON.stringify(reply.body ?? errorBody(api, `scripted error ${reply.status}`)));
      return;
    }
    const n = ++ids;
    if (api === 'openai') return recorded.stream ? streamOpenAi(res, recorded, reply, n) : send(res, 200, openAiCompletion(recorded, reply, n));
    return recorded.stream ? streamAnthropic(res, recorded, reply, n) : send(res, 200, anthropicMessage(recorded, reply, n));
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    baseUrl: `${url}/v1`,
    script: (...replies) => void queue.push(...replies),
    fallback: (reply) => {
      fallback = reply;
    },
    requests,
    pending: () => queue.length,
    reset() {
      queue.length = 0;
      fallback = undefined;
      requests.length = 0;
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function record(api: 'openai' | 'anthropic', req: IncomingMessage, url: URL, body: any): RecordedRequest {
  const messages: { role: string; content: string }[] = [];
  if (api === 'anthropic' && body.system) messages.push({ role: 'system', content: textOf(body.system) });
  for (const m of body.messages ?? []) messages.push({ role: m.role, content: textOf(m.content) });
  const tools = (body.tools ?? []).map((t: any) => t.function?.name ?? t.name);
  return {
    api,
    method: req.method ?? 'POST',
    path: url.pathname,
    query: Object.fromEntries(url.searchParams),
    headers: req.headers,
    body,
    model: body.model ?? '',
    stream: body.stream === true,
    messages,
    prompt: messages.map((m) => m.content).join('\n'),
    tools,
    aborted: false,
    ended: Promise.resolve('completed'),
  };
}

/** The text of a message's content in either dialect: a string, or parts (text, tool calls, tool results). */
function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return content == null ? '' : JSON.stringify(content);
  return content
    .map((p: any) => {
      if (typeof p.text === 'string') return p.text;
      if (p.type === 'tool_result') return textOf(p.content);
      if (p.type === 'tool_use') return JSON.stringify({ tool: p.name, input: p.input });
      return '';
    })
    .join('');
}

const tokens = (text: string) => Math.max(1, Math.ceil(text.length / 4));

function usageOf(req: RecordedRequest, reply: ScriptedAnswer): { input: number; output: number } {
  const out = (reply.text ?? '') + (reply.toolCalls ?? []).map((c) => argumentsOf(c)).join('');
  return reply.usage ?? { input: tokens(req.prompt), output: tokens(out) };
}

const argumentsOf = (call: ScriptedToolCall) => (typeof call.input === 'string' ? call.input : JSON.stringify(call.input ?? {}));

function openAiFinish(reply: ScriptedAnswer): string {
  return reply.finishReason ?? (reply.toolCalls?.length ? 'tool_calls' : 'stop');
}

function openAiToolCalls(reply: ScriptedAnswer, n: number) {
  return reply.toolCalls?.map((c, i) => ({ id: c.id ?? `call_${n}_${i}`, type: 'function', function: { name: c.name, arguments: argumentsOf(c) } }));
}

function openAiCompletion(req: RecordedRequest, reply: ScriptedAnswer, n: number) {
  const usage = usageOf(req, reply);
  const toolCalls = openAiToolCalls(reply, n);
  return {
    id: `chatcmpl-${n}`,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model: req.model,
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content: reply.text ?? null, ...(toolCalls ? { tool_calls: toolCalls } : {}) },
        finish_reason: openAiFinish(reply),
      },
    ],
    usage: { prompt_tokens: usage.input, completion_tokens: usage.output, total_tokens: usage.input + usage.output },
  };
}

/** OpenAI's stream: the role, the text in chunks, each tool call (name, then its arguments in two pieces), the finish, the usage when asked. */
async function streamOpenAi(res: ServerResponse, req: RecordedRequest, reply: ScriptedAnswer, n: number) {
  const base = { id: `chatcmpl-${n}`, object: 'chat.completion.chunk', created: Math.floor(Date.now() / 1000), model: req.model };
  const chunk = (delta: object, finish: string | null = null) => ({ ...base, choices: [{ index: 0, delta, finish_reason: finish }] });
  const events: object[] = [chunk({ role: 'assistant', content: '' })];
  for (const piece of pieces(reply.text ?? '', reply.chunkSize ?? 4)) events.push(chunk({ content: piece }));
  (openAiToolCalls(reply, n) ?? []).forEach((call, index) => {
    const args = call.function.arguments;
    const half = Math.ceil(args.length / 2);
    events.push(chunk({ tool_calls: [{ index, id: call.id, type: 'function', function: { name: call.function.name, arguments: args.slice(0, half) } }] }));
    events.push(chunk({ tool_calls: [{ index, function: { arguments: args.slice(half) } }] }));
  });
  events.push(chunk({}, openAiFinish(reply)));
  if (req.body.stream_options?.include_usage) {
    const usage = usageOf(req, reply);
    events.push({ ...base, choices: [], usage: { prompt_tokens: usage.input, completion_tokens: usage.output, total_tokens: usage.input + usage.output } });
  }
  await writeSse(res, reply, events.map((e) => `data: ${JSON.stringify(e)}\n\n`).concat('data: [DONE]\n\n'));
}

function anthropicStop(reply: ScriptedAnswer): string {
  const finish = openAiFinish(reply);
  return finish === 'tool_calls' ? 'tool_use' : finish === 'length' ? 'max_tokens' : finish === 'content_filter' ? 'refusal' : 'end_turn';
}

type AnthropicBlock = { type: 'text'; text: string } | { type: 'tool_use'; id: string; name: string; input: unknown };

function anthropicContent(reply: ScriptedAnswer, n: number): AnthropicBlock[] {
  return [
    ...(reply.text ? [{ type: 'text' as const, text: reply.text }] : []),
    ...(reply.toolCalls ?? []).map((c, i) => ({ type: 'tool_use' as const, id: c.id ?? `toolu_${n}_${i}`, name: c.name, input: typeof c.input === 'string' ? JSON.parse(c.input) : c.input })),
  ];
}

function anthropicMessage(req: RecordedRequest, reply: ScriptedAnswer, n: number) {
  const usage = usageOf(req, reply);
  return {
    id: `msg_${n}`,
    type: 'message',
    role: 'assistant',
    model: req.model,
    content: anthropicContent(reply, n),
    stop_reason: anthropicStop(reply),
    stop_sequence: null,
    usage: { input_tokens: usage.input, output_tokens: usage.output },
  };
}

/** Anthropic's stream: message_start, a block per text and tool call (text and JSON deltas), message_delta with the stop reason and usage, message_stop. */
async function streamAnthropic(res: ServerResponse, req: RecordedRequest, reply: ScriptedAnswer, n: number) {
  const usage = usageOf(req, reply);
  const event = (type: string, data: object) => `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`;
  const events = [
    event('message_start', {
      message: { id: `msg_${n}`, type: 'message', role: 'assistant', model: req.model, content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: usage.input, output_tokens: 0 } },
    }),
  ];
  anthropicContent(reply, n).forEach((block, index) => {
    if (block.type === 'text') {
      events.push(event('content_block_start', { index, content_block: { type: 'text', text: '' } }));
      for (const piece of pieces(block.text, reply.chunkSize ?? 4)) events.push(event('content_block_delta', { index, delta: { type: 'text_delta', text: piece } }));
    } else {
      events.push(event('content_block_start', { index, content_block: { type: 'tool_use', id: block.id, name: block.name, input: {} } }));
      events.push(event('content_block_delta', { index, delta: { type: 'input_json_delta', partial_json: JSON.stringify(block.input) } }));
    }
    events.push(event('content_block_stop', { index }));
  });
  events.push(event('message_delta', { delta: { stop_reason: anthropicStop(reply), stop_sequence: null }, usage: { output_tokens: usage.output } }));
  events.push(event('message_stop', {}));
  await writeSse(res, reply, events);
}

function pieces(text: string, size: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size));
  return out;
}

/** Responses the server reset on purpose (dropAfterChunks): not aborted by the client. */
const dropped = new WeakSet<ServerResponse>();

async function writeSse(res: ServerResponse, reply: ScriptedAnswer, events: string[]) {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
  if (reply.dropAfterChunks !== undefined) res.flushHeaders();
  for (let i = 0; i < events.length; i++) {
    if (reply.stallAfterChunks !== undefined && i >= reply.stallAfterChunks) return; // held open until the client gives up
    if (reply.dropAfterChunks !== undefined && i >= reply.dropAfterChunks) {
      dropped.add(res);
      res.socket?.resetAndDestroy();
      return;
    }
    if (i > 0 && reply.chunkDelayMs) await abortableSleep(reply.chunkDelayMs, res);
    if (res.destroyed) return;
    res.write(i === reply.malformedChunk ? malformed(events[i]) : events[i]);
  }
  res.end();
}

/** The event with its JSON cut in half: what a broken proxy or provider might send. */
function malformed(event: string): string {
  return event.replace(/data: (.*)\n\n$/s, (_, json: string) => `data: ${json.slice(0, Math.ceil(json.length / 2))}\n\n`);
}

function errorBody(api: 'openai' | 'anthropic', message: string) {
  return api === 'openai' ? { error: { message, type: 'invalid_request_error', code: null } } : { type: 'error', error: { type: 'invalid_request_error', message } };
}

function send(res: ServerResponse, status: number, body: unknown) {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

/** Sleeps, or ends early when the client hangs up (an aborted request). */
async function abortableSleep(ms: number, res: ServerResponse) {
  const ac = new AbortController();
  const onClose = () => ac.abort();
  res.once('close', onClose);
  try {
    await sleep(ms, undefined, { signal: ac.signal });
  } catch {
    // the client went away
  } finally {
    res.off('close', onClose);
  }
}
