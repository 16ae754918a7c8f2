import type { JSONSchema7, LanguageModelV3, LanguageModelV3CallOptions, LanguageModelV3StreamPart } from '@ai-sdk/provider';
import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import { STATUS_CODES, type IncomingMessage } from 'node:http';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { NodeRequest } from '../net/guarded-fetch.ts';
import { chatCompletionsModel } from './chat-completions.ts';

// The same response bytes, cut at the same places, go to the SDK's own model and to ours: the
// parts must be the same (decision 0061: ours reads the stream in one pass, but says what the
// SDK's model says).

const encoder = new TextEncoder();

interface Captured {
  url: string;
  body: unknown;
  headers: Headers;
}

interface Script {
  status?: number;
  pieces?: number[];
  captured?: Captured[];
  headers?: Record<string, string>;
}

/** The response's bytes, cut at `pieces` (offsets). */
function cutsOf(events: string, pieces: number[] = []): Uint8Array[] {
  const bytes = encoder.encode(events);
  const cuts = [0, ...pieces.filter((n) => n > 0 && n < bytes.length), bytes.length];
  return cuts.slice(1).map((end, i) => bytes.slice(cuts[i], end));
}

/** A fetch (for the SDK's model) that answers `status` with `events`, and keeps what it was sent. */
function scripted(events: string, opts: Script = {}): typeof fetch {
  return async (input, init) => {
    opts.captured?.push({ url: String(input), body: JSON.parse(String(init?.body)), headers: new Headers(init?.headers) });
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        for (const piece of cutsOf(events, opts.pieces)) controller.enqueue(piece);
        controller.close();
      },
    });
    return new Response(body, { status: opts.status ?? 200, headers: { 'content-type': opts.status && opts.status >= 400 ? 'application/json' : 'text/event-stream', ...opts.headers } });
  };
}

/** The same answer as node:http gives it (for ours): a readable body with its status and headers, each piece a chunk. */
function scriptedRequest(events: string, opts: Script = {}): NodeRequest {
  return async (url, init) => {
    opts.captured?.push({ url, body: JSON.parse(String(init.body)), headers: new Headers(init.headers) });
    const body = new PassThrough();
    for (const piece of cutsOf(events, opts.pieces)) body.write(piece);
    body.end();
    const status = opts.status ?? 200;
    return Object.assign(body, {
      statusCode: status,
      statusMessage: STATUS_CODES[status],
      headers: { 'content-type': status >= 400 ? 'application/json' : 'text/event-stream', ...opts.headers },
    }) as unknown as IncomingMessage;
  };
}

function models(events: string, opts: Script = {}): { sdk: LanguageModelV3; ours: LanguageModelV3 } {
  const sdk = createOpenAICompatible({ name: 'openai-compatible', baseURL: 'http://llm.test/v1/', apiKey: 'sk-test', includeUsage: true, supportsStructuredOutputs: true, fetch: scripted(events, opts) }).chatModel('m1');
  return { sdk: sdk as LanguageModelV3, ours: chatCompletionsModel(sdk as LanguageModelV3, { name: 'openai-compatible', baseUrl: 'http://llm.test/v1/', apiKey: 'sk-test', request: scriptedRequest(events, opts) }) };
}

const options = (extra: Partial<LanguageModelV3CallOptions> = {}): LanguageModelV3CallOptions => ({
  prompt: [
    { role: 'system', content: 'Be brief.' },
    { role: 'user', content: [{ type: 'text', text: 'Hello' }] },
  ],
  maxOutputTokens: 100,
  temperature: 0.2,
  includeRawChunks: true,
  ...extra,
});

async function partsOf(model: LanguageModelV3, opts: LanguageModelV3CallOptions): Promise<unknown[]> {
  const { stream } = await model.doStream(opts);
  const parts: LanguageModelV3StreamPart[] = [];
  const reader = stream.getReader();
  for (;;) {
    const next = await reader.read();
    if (next.done) break;
    parts.push(next.value);
  }
  // Errors are compared by kind and message (a chunk of the wrong shape by kind: the SDK's says what zod said).
  return parts.map((p) => {
    if (p.type === 'error') {
      const name = (p.error as Error)?.name ?? typeof p.error;
      return { type: 'error', name, message: name === 'AI_TypeValidationError' ? 'not a chunk' : ((p.error as Error)?.message ?? JSON.stringify(p.error)) };
    }
    return JSON.parse(JSON.stringify(p));
  });
}

const sse = (...chunks: unknown[]) => chunks.map((c) => `data: ${typeof c === 'string' ? c : JSON.stringify(c)}\n\n`).join('');
const chunk = (delta: Record<string, unknown> | null, extra: Record<string, unknown> = {}) => ({ id: 'c1', created: 1700000000, model: 'm1', choices: delta ? [{ index: 0, delta, finish_reason: null }] : [], ...extra });
const finish = (reason: string) => ({ id: 'c1', created: 1700000000, model: 'm1', choices: [{ index: 0, delta: {}, finish_reason: reason }] });
const usage = { id: 'c1', created: 1700000000, model: 'm1', choices: [], usage: { prompt_tokens: 12, completion_tokens: 5, total_tokens: 17 } };

/** Every cut of the bytes at these offsets, and at every byte for short answers. */
async function expectSameParts(events: string, opts: LanguageModelV3CallOptions = options()) {
  const cutsList = [[], [1], [7, 8, 9], Array.from({ length: events.length }, (_, i) => i)];
  for (const pieces of cutsList) {
    const sdk = await partsOf(models(events, { pieces }).sdk, opts);
    const ours = await partsOf(models(events, { pieces }).ours, opts);
    expect(ours).toEqual(sdk);
  }
}

describe('chatCompletionsModel: the parts the SDK model gives, read in one pass', () => {
  it('text deltas, the usage and the finish, cut anywhere', async () => {
    await expectSameParts(sse(chunk({ role: 'assistant', content: '' }), chunk({ content: 'Hel' }), chunk({ content: 'lo, é 🌍' }), finish('stop'), usage, '[DONE]'));
  });

  it('CRLF and CR line ends, a data field split over two lines, comments and other fields', async () => {
    const events = `: keep-alive\r\nevent: message\r\nid: 1\r\ndata: ${JSON.stringify(chunk({ content: 'a' }))}\r\n\r\ndata: {"id":"c1","choices":\rdata: [{"index":0,"delta":{"content":"b"}}]}\r\rdata: ${JSON.stringify(finish('length'))}\n\n`;
    await expectSameParts(events);
  });

  it('a last event without its blank line, and a stream that ends without a finish reason', async () => {
    await expectSameParts(`data: ${JSON.stringify(chunk({ content: 'cut' }))}\n\ndata: ${JSON.stringify(finish('stop'))}`);
    await expectSameParts(sse(chunk({ content: 'no end' })));
  });

  it('a malformed chunk, a chunk of the wrong shape and an error chunk are error parts; the answer goes on', async () => {
    await expectSameParts(sse(chunk({ content: 'a' }), '{"choices": [', chunk({ content: 'b' }), finish('stop')));
    await expectSameParts(sse(chunk({ content: 'a' }), { error: { message: 'overloaded', type: 'server_error' } }, finish('stop')));
    await expectSameParts(sse(chunk({ content: 'a' }), { choices: 'none' }, finish('stop')));
  });

  it('tool calls: arguments in pieces, pieces before the name, two calls, ids missing', async () => {
    await expectSameParts(
      sse(
        chunk({ content: 'Looking.' }),
        chunk({ tool_calls: [{ index: 0, id: 'call_1', type: 'function', function: { name: 'find_projects', arguments: '{"q":' } }] }),
        chunk({ tool_calls: [{ index: 0, function: { arguments: '"x"}' } }] }),
        chunk({ tool_calls: [{ index: 1, function: { arguments: '{"n":1}' } }] }),
        chunk({ tool_calls: [{ index: 1, id: 'call_2', function: { name: 'time_report' } }] }),
        finish('tool_calls'),
        usage,
      ),
    );
  });

  it('reasoning, content as parts, and a refusal', async () => {
    await expectSameParts(sse(chunk({ reasoning_content: 'think' }), chunk({ content: [{ type: 'text', text: 'A' }, { type: 'thinking', thinking: [{ type: 'text', text: 'more' }] }] }), chunk({ content: 'B' }), finish('stop')));
    await expectSameParts(sse(chunk({ refusal: 'I cannot help with that.' }), finish('stop')));
  });

  it('sends the request the SDK model sends: the same address, key and body', async () => {
    const tools: LanguageModelV3CallOptions['tools'] = [{ type: 'function', name: 'find_projects', description: 'Find projects', inputSchema: { type: 'object', properties: { q: { type: 'string' } }, required: ['q'], additionalProperties: false } }];
    const opts = options({ tools, toolChoice: { type: 'auto' }, topP: 0.9, stopSequences: ['END'], seed: 7 });
    const events = sse(chunk({ content: 'x' }), finish('stop'));
    const sent: Captured[] = [];
    await partsOf(models(events, { captured: sent }).sdk, opts);
    await partsOf(models(events, { captured: sent }).ours, opts);
    expect(sent[1].url).toBe(sent[0].url);
    expect(sent[1].body).toEqual(sent[0].body);
    expect(sent[1].headers.get('authorization')).toBe('Bearer sk-test');
    expect(sent[1].headers.get('content-type')).toBe(sent[0].headers.get('content-type'));
    expect(sent[1].headers.get('user-agent')).toBe(sent[0].headers.get('user-agent'));
  });

  it('leaves structured output and provider options to the SDK model: the same request', async () => {
    const events = sse(chunk({ content: '{"a":1}' }), finish('stop'));
    const schema: JSONSchema7 = { type: 'object', properties: { a: { type: 'number' } }, required: ['a'], additionalProperties: false };
    const extras: Partial<LanguageModelV3CallOptions>[] = [{ responseFormat: { type: 'json', schema, name: 'thing' } }, { providerOptions: { openaiCompatible: { user: 'u1' } } }];
    for (const extra of extras) {
      const sent: Captured[] = [];
      const both = models(events, { captured: sent });
      expect(await partsOf(both.ours, options(extra))).toEqual(await partsOf(both.sdk, options(extra)));
      // Both went through the SDK's fetch: the same body twice.
      expect(sent).toHaveLength(2);
      expect(sent[0].body).toEqual(sent[1].body);
      expect(sent[0].body).toMatchObject('responseFormat' in extra ? { response_format: { type: 'json_schema' } } : { user: 'u1' });
    }
  });

  it('a refused request fails as the SDK model fails: the status, whether to retry, the headers and the message', async () => {
    for (const status of [429, 400, 503]) {
      const body = JSON.stringify({ error: { message: `refused ${status}`, type: 'x' } });
      const failure = async (model: LanguageModelV3) => {
        const err = (await Promise.resolve(model.doStream(options())).catch((e: unknown) => e)) as { name: string; statusCode: number; isRetryable: boolean; message: string; responseHeaders: Record<string, string>; responseBody: string };
        return { name: err.name, statusCode: err.statusCode, isRetryable: err.isRetryable, message: err.message, retryAfter: err.responseHeaders['retry-after'], responseBody: err.responseBody };
      };
      const both = models(body, { status, headers: { 'retry-after': '3' } });
      expect(await failure(both.ours)).toEqual(await failure(both.sdk));
    }
  });

  it('closes the response when the reader stops early', async () => {
    const body = new PassThrough();
    body.write(sse(chunk({ content: 'first' })));
    const request: NodeRequest = async () => Object.assign(body, { statusCode: 200, headers: { 'content-type': 'text/event-stream' } }) as unknown as IncomingMessage;
    const ours = chatCompletionsModel(models('').sdk, { name: 'openai-compatible', baseUrl: 'http://llm.test/v1', apiKey: undefined, request });
    const { stream } = await ours.doStream(options());
    const reader = stream.getReader();
    const seen: string[] = [];
    for (;;) {
      const next = await reader.read();
      seen.push(next.value!.type);
      if (next.value!.type === 'text-delta') break;
    }
    await reader.cancel();
    expect(seen).toEqual(['stream-start', 'raw', 'response-metadata', 'text-start', 'text-delta']);
    expect(body.destroyed).toBe(true);
  });

  it('a connection that fails is a retryable APICallError; one cut off mid-answer fails the read', async () => {
    const refusedConnection: NodeRequest = async () => {
      throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' });
    };
    const down = chatCompletionsModel(models('').sdk, { name: 'openai-compatible', baseUrl: 'http://llm.test/v1', apiKey: undefined, request: refusedConnection });
    const err = (await Promise.resolve(down.doStream(options())).catch((e: unknown) => e)) as { name: string; isRetryable: boolean; message: string };
    expect([err.name, err.isRetryable, err.message]).toEqual(['AI_APICallError', true, 'Cannot connect to API: connect ECONNREFUSED 127.0.0.1:9']);

    const body = new PassThrough();
    body.write(sse(chunk({ content: 'half' })));
    const cut: NodeRequest = async () => Object.assign(body, { statusCode: 200, headers: {} }) as unknown as IncomingMessage;
    const { stream } = await chatCompletionsModel(models('').sdk, { name: 'openai-compatible', baseUrl: 'http://llm.test/v1', apiKey: undefined, request: cut }).doStream(options());
    const reader = stream.getReader();
    const types: string[] = [];
    const failure = await (async () => {
      for (;;) {
        const next = await reader.read();
        types.push(next.value!.type);
        if (next.value!.type === 'text-delta') body.destroy();
      }
    })().catch((e: unknown) => e as Error & { code?: string });
    expect(types.at(-1)).toBe('text-delta');
    expect(failure.code).toBe('ECONNRESET');
  });
});
