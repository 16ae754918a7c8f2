// The two ends of the chat stream benchmark (bench/chat.ts), both in the driver process so they
// read one clock: a scripted OpenAI-compatible provider whose every text delta carries the time
// it was written to the socket, and SSE clients that note when each delta reaches them. A
// delta's latency is arrival − stamp: the provider's hop, whatever lies between (Trellis, or
// nothing for the baseline) and the client's own parsing and event-loop wait.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** How the provider answers: `deltas` text deltas, one every `everyMs`. */
export interface StreamShape {
  deltas: number;
  everyMs: number;
}

/** A delta's text: its send time (performance.now(), ms) between markers, then a space. */
export const stampText = (at: number) => `<${at.toFixed(3)}> `;
const STAMP = /<(\d+\.\d{3})>/g;

/** The send times in a piece of text (one SSE event may carry several deltas). */
export function stampsIn(text: string): number[] {
  return Array.from(text.matchAll(STAMP), (m) => Number(m[1]));
}

export interface ChatProvider {
  baseUrl: string;
  /** The shape of the answers from now on. */
  shape: StreamShape;
  /** Streams being answered now. */
  readonly open: number;
  close(): Promise<void>;
}

/**
 * OpenAI's chat completions (any path ending in `/chat/completions`), streamed: the role, the
 * deltas, the finish, the usage when asked, `[DONE]`. Each delta is stamped just before its
 * write. A client that hangs up ends its answer.
 */
export async function startChatProvider(shape: StreamShape): Promise<ChatProvider> {
  const sockets = new Set<Socket>();
  let open = 0;
  let n = 0;
  let current = shape;

  async function handle(req: IncomingMessage, res: ServerResponse) {
    let raw = '';
    for await (const chunk of req) raw += chunk;
    if (req.method !== 'POST' || !req.url?.endsWith('/chat/completions')) {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":{"message":"no such endpoint"}}');
      return;
    }
    const body = JSON.parse(raw || '{}');
    const { deltas, everyMs } = current;
    const base = { id: `chatcmpl-${++n}`, object: 'chat.completion.chunk', created: Math.floor(Date.now() / 1000), model: body.model ?? 'bench' };
    const event = (delta: object, finish: string | null = null) => `data: ${JSON.stringify({ ...base, choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    res.write(event({ role: 'assistant', content: '' }));
    open++;
    let gone = false;
    res.on('close', () => {
      gone = true;
    });
    try {
      for (let i = 0; i < deltas && !gone; i++) {
        if (i > 0) await new Promise((r) => setTimeout(r, everyMs));
        if (gone) break;
        res.write(event({ content: stampText(performance.now()) }));
      }
      if (gone) return;
      res.write(event({}, 'stop'));
      if (body.stream_options?.include_usage) res.write(`data: ${JSON.stringify({ ...base, choices: [], usage: { prompt_tokens: 50, completion_tokens: deltas * 6, total_tokens: 50 + deltas * 6 } })}\n\n`);
      res.end('data: [DONE]\n\n');
    } finally {
      open--;
    }
  }

  const server = createServer((req, res) => {
    handle(req, res).catch(() => res.destroy());
  });
  // Trellis holds one connection per answer; the defaults would end long answers.
  server.requestTimeout = 0;
  server.headersTimeout = 60_000;
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    get shape() {
      return current;
    },
    set shape(s: StreamShape) {
      current = s;
    },
    get open() {
      return open;
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** What one stream's client saw. */
export interface StreamRecord {
  status: number;
  /** Latency of every delta, ms (arrival of the event that carried it − its stamp). */
  latencies: number[];
  /** Each delta's stamp (its send time, performance.now()), in the order of `latencies`. */
  sentAt: number[];
  /** Per event, the latency of its newest delta: what the event waited least. */
  freshest: number[];
  /** Text events (Trellis) or delta chunks (baseline) received. */
  events: number;
  /** When the first delta arrived (performance.now()), null if none did. */
  firstAt: number | null;
  /** When the last delta arrived (performance.now()), null if none did. */
  lastAt: number | null;
  /** Trellis: the `done` event's status; baseline: `done` at `[DONE]`. */
  done: string | null;
  error: string | null;
}

/**
 * Reads an SSE response as it arrives, block by block (a blank line ends one), and calls
 * `onBlock` with each block's `event:` and `data:` and the moment the read that completed it
 * returned. Resolves at the end of the body.
 */
export async function readSse(res: Response, onBlock: (event: string, data: string, at: number) => void): Promise<void> {
  if (!res.body) return;
  const decoder = new TextDecoder();
  let buffer = '';
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    const at = performance.now();
    buffer += decoder.decode(chunk, { stream: true });
    let end = buffer.indexOf('\n\n');
    while (end !== -1) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      end = buffer.indexOf('\n\n');
      let event = 'message';
      let data = '';
      for (const line of block.split('\n')) {
        if (line.startsWith('event: ')) event = line.slice(7);
        else if (line.startsWith('data: ')) data = line.slice(6);
      }
      if (data) onBlock(event, data, at);
    }
  }
}

const emptyRecord = (): StreamRecord => ({ status: 0, latencies: [], sentAt: [], freshest: [], events: 0, firstAt: null, lastAt: null, done: null, error: null });

function note(record: StreamRecord, text: string, at: number) {
  const stamps = stampsIn(text);
  if (!stamps.length) return;
  record.events++;
  record.firstAt ??= at;
  record.lastAt = at;
  for (const s of stamps) {
    record.latencies.push(at - s);
    record.sentAt.push(s);
  }
  record.freshest.push(at - Math.max(...stamps));
}

/** A chat answer through Trellis: POST the question, read the answer's events to `done`. */
export async function trellisStream(url: string, token: string, content: string, signal: AbortSignal, onStatus?: (status: number) => void): Promise<StreamRecord> {
  const record = emptyRecord();
  try {
    const res = await fetch(url, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ content }), signal });
    record.status = res.status;
    onStatus?.(res.status);
    if (res.status !== 200) {
      record.error = (await res.text()).slice(0, 300);
      return record;
    }
    await readSse(res, (event, data, at) => {
      if (event === 'text') note(record, (JSON.parse(data) as { text: string }).text, at);
      else if (event === 'done') record.done = (JSON.parse(data) as { status: string }).status;
    });
  } catch (err) {
    record.error = (err as Error).message;
  }
  return record;
}

/** The baseline: the same provider read straight, as Trellis reads it, with nothing in between. */
export async function directStream(baseUrl: string, signal: AbortSignal): Promise<StreamRecord> {
  const record = emptyRecord();
  try {
    const res = await fetch(`${baseUrl}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'bench', stream: true, messages: [{ role: 'user', content: 'baseline' }] }),
      signal,
    });
    record.status = res.status;
    await readSse(res, (_event, data, at) => {
      if (data === '[DONE]') {
        record.done = 'done';
        return;
      }
      const content = (JSON.parse(data) as { choices: { delta?: { content?: string } }[] }).choices[0]?.delta?.content;
      if (content) note(record, content, at);
    });
  } catch (err) {
    record.error = (err as Error).message;
  }
  return record;
}

/**
 * Runs `count` streams, their starts spread evenly over `spreadMs` (a burst of POSTs all in one
 * millisecond is not what is measured); resolves with every record once all have ended.
 */
export async function manyStreams(count: number, spreadMs: number, open: (i: number) => Promise<StreamRecord>): Promise<StreamRecord[]> {
  return Promise.all(
    Array.from({ length: count }, async (_, i) => {
      await new Promise((r) => setTimeout(r, (spreadMs * i) / count));
      return open(i);
    }),
  );
}
