// Server-Sent Events read as a client reads them: blocks separated by a blank line, with
// `id:`, `event:`, `data:` (JSON here), `retry:` and comment lines. For a whole body (an
// inject answer) or a live response read as it arrives (fetch over a real socket).

export interface SseEvent {
  id?: string;
  event: string;
  data: any;
}

export interface SseParsed {
  events: SseEvent[];
  comments: string[];
  retry?: number;
}

/** Parses the complete blocks of `text` into `into`; answers what is left (an incomplete block). */
function parseBlocks(text: string, into: SseParsed): string {
  let rest = text;
  let end = rest.indexOf('\n\n');
  while (end !== -1) {
    const block = rest.slice(0, end);
    rest = rest.slice(end + 2);
    const ev: Partial<SseEvent> & { data?: string } = {};
    for (const line of block.split('\n')) {
      if (line.startsWith(':')) into.comments.push(line.slice(1).trim());
      else if (line.startsWith('retry: ')) into.retry = Number(line.slice(7));
      else if (line.startsWith('id: ')) ev.id = line.slice(4);
      else if (line.startsWith('event: ')) ev.event = line.slice(7);
      else if (line.startsWith('data: ')) ev.data = line.slice(6);
    }
    if (ev.event) into.events.push({ id: ev.id, event: ev.event, data: JSON.parse(ev.data ?? 'null') });
    end = rest.indexOf('\n\n');
  }
  return rest;
}

export function parseSse(body: string): SseParsed {
  const parsed: SseParsed = { events: [], comments: [] };
  parseBlocks(body, parsed);
  return parsed;
}

export interface SseClient extends SseParsed {
  status: number;
  headers: Headers;
  /** The body when the answer was not a stream (a problem). */
  problem?: any;
  /** Resolves when the server ended the stream (or the client closed it). */
  ended: Promise<void>;
  /** Hangs up, as a client that goes away. */
  close(): void;
}

/** Sends the request and reads the stream as it arrives. */
export async function openSse(url: string, init: { method?: string; headers?: Record<string, string>; body?: unknown } = {}): Promise<SseClient> {
  const controller = new AbortController();
  const res = await fetch(url, {
    method: init.method ?? 'GET',
    headers: { ...(init.body === undefined ? {} : { 'content-type': 'application/json' }), ...init.headers },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
    signal: controller.signal,
  });
  const client: SseClient = { status: res.status, headers: res.headers, events: [], comments: [], ended: Promise.resolve(), close: () => controller.abort() };
  if (!res.headers.get('content-type')?.startsWith('text/event-stream') || !res.body) {
    client.problem = await res.json();
    return client;
  }
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  client.ended = (async () => {
    let buffer = '';
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        buffer = parseBlocks(buffer + value, client);
      }
    } catch {
      // closed by the test
    }
  })();
  return client;
}

/** The text an answer's events wrote, in order. */
export const textOf = (events: readonly SseEvent[]) =>
  events
    .filter((e) => e.event === 'text')
    .map((e) => e.data.text)
    .join('');
