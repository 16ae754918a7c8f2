// core/llm against the scripted server (test/llm-server.ts): every provider through the real AI
// SDK clients, streaming, tools, retries, timeouts, the problems, the usage rows, and no key in
// any log line or answer.
import { Writable } from 'node:stream';
import { Type } from 'typebox';
import { uuidv7 } from 'uuidv7';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/core/config.ts';
import type { Database } from '../src/core/db/database.ts';
import { AppError } from '../src/core/errors.ts';
import { toProblem } from '../src/core/http/problem.ts';
import { createLlm, type Llm, type LlmRequest, type LlmStreamPart } from '../src/core/llm/index.ts';
import { createLogger } from '../src/core/log/logger.ts';
import { createMetrics, type Metrics } from '../src/core/metrics/metrics.ts';
import { createTestApp, createTestDatabase, signUp } from './harness.ts';
import { type LlmServer, llmEnv, startLlmServer } from './llm-server.ts';

// Shaped like an Azure key (no `sk-` prefix): only the configured key's own value can redact it.
const API_KEY = '4f1c9e2b7a6d3058e1f4c2b9a7d6e3f0';

let server: LlmServer;
let owned: { database: Database; drop(): Promise<void> };
const lines: Record<string, unknown>[] = [];
const logText: string[] = [];
const log = createLogger(
  'debug',
  new Writable({
    write(chunk, _enc, done) {
      for (const line of chunk.toString().split('\n')) {
        if (!line.trim()) continue;
        logText.push(line);
        lines.push(JSON.parse(line));
      }
      done();
    },
  }),
);

beforeAll(async () => {
  server = await startLlmServer();
  owned = await createTestDatabase();
});
afterAll(async () => {
  await server?.close();
  await owned?.drop();
});
beforeEach(() => {
  server.reset();
  lines.length = 0;
});

/** An Llm on the scripted server, configured through the real settings parser. */
function llmFor(env: Record<string, string> = {}, metrics?: Metrics): Llm {
  const config = loadConfig({ JWT_SECRET: 'x'.repeat(32), ...llmEnv(server), ...env }).llm;
  return createLlm({ config, db: owned.database.db, log, metrics });
}

const actor = () => ({ userId: uuidv7(), orgId: uuidv7() });
/** A request of feature `test.ask` for a new user and org, with `extra` (a schema for generateObject). */
const ask = <E extends Partial<LlmRequest> & { schema?: unknown }>(text: string, extra?: E) =>
  ({ feature: 'test.ask', actor: actor(), messages: [{ role: 'user', content: text }], ...extra }) as LlmRequest & E;

async function rowsOf(userId: string) {
  return owned.database.db.selectFrom('core.llm_usage').selectAll().where('user_id', '=', userId).orderBy('at').execute();
}

/** The AppError a promise rejects with (fails the test if it resolves). */
async function problemOf(p: Promise<unknown>): Promise<AppError> {
  const err = await p.then(
    () => {
      throw new Error('resolved');
    },
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(AppError);
  return err as AppError;
}

async function collect(stream: AsyncIterable<LlmStreamPart>): Promise<LlmStreamPart[]> {
  const parts: LlmStreamPart[] = [];
  for await (const part of stream) parts.push(part);
  return parts;
}

const LOOKUP = { description: 'Looks a word up', inputSchema: Type.Object({ word: Type.String() }) };

describe('providers', () => {
  it('openai-compatible: the prompt goes out as sent, the answer and its usage come back and are recorded', async () => {
    const llm = llmFor();
    server.script({ text: 'Forty-two.', usage: { input: 31, output: 7 } });
    const req = ask('What is the answer?', { system: 'Be brief.', temperature: 0.2, maxOutputTokens: 50 });
    const r = await llm.generateText(req);
    expect(r).toMatchObject({ text: 'Forty-two.', toolCalls: [], finishReason: 'stop', usage: { inputTokens: 31, outputTokens: 7 } });
    expect(r.responseMessages).toEqual([{ role: 'assistant', content: [{ type: 'text', text: 'Forty-two.' }] }]);

    const sent = server.requests[0];
    expect(sent).toMatchObject({ api: 'openai', path: '/v1/chat/completions', model: 'scripted-model', stream: false });
    expect(sent.messages).toEqual([
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'What is the answer?' },
    ]);
    expect(sent.body).toMatchObject({ temperature: 0.2, max_tokens: 50 });
    expect(sent.headers.authorization).toBeUndefined();
    // The body goes out with its length, not chunked (src/core/llm/provider.ts, bodyLettingGo).
    expect(sent.headers['content-length']).toBe(String(Buffer.byteLength(JSON.stringify(sent.body))));
    expect(sent.headers['transfer-encoding']).toBeUndefined();

    const [row] = await rowsOf(req.actor.userId);
    expect(row).toMatchObject({
      org_id: req.actor.orgId,
      feature: 'test.ask',
      provider: 'openai-compatible',
      model: 'scripted-model',
      input_tokens: 31,
      output_tokens: 7,
      outcome: 'ok',
      error_code: null,
    });
    expect(row.duration_ms).toBeGreaterThanOrEqual(0);
  });

  it('openai: chat completions at the base URL, with the key as a bearer token', async () => {
    const llm = llmFor({ LLM_PROVIDER: 'openai', LLM_MODEL: 'gpt-4o-mini', LLM_API_KEY: API_KEY });
    server.script({ text: 'hi' });
    expect((await llm.generateText(ask('hello'))).text).toBe('hi');
    expect(server.requests[0]).toMatchObject({ path: '/v1/chat/completions', model: 'gpt-4o-mini' });
    expect(server.requests[0].headers.authorization).toBe(`Bearer ${API_KEY}`);
  });

  it('azure: a dated API version calls the deployment URL with the api-key header; the v1 API names the deployment in the body', async () => {
    const dated = llmFor({ LLM_PROVIDER: 'azure', LLM_MODEL: 'gpt-4o', LLM_API_KEY: API_KEY, LLM_BASE_URL: `${server.url}/openai`, LLM_AZURE_DEPLOYMENT: 'prod-4o', LLM_AZURE_API_VERSION: '2024-10-21' });
    server.script({ text: 'from azure' });
    const req = ask('hello');
    expect((await dated.generateText(req)).text).toBe('from azure');
    expect(server.requests[0]).toMatchObject({ path: '/openai/deployments/prod-4o/chat/completions', query: { 'api-version': '2024-10-21' } });
    expect(server.requests[0].headers['api-key']).toBe(API_KEY);
    expect((await rowsOf(req.actor.userId))[0]).toMatchObject({ provider: 'azure', model: 'gpt-4o' });

    const v1 = llmFor({ LLM_PROVIDER: 'azure', LLM_MODEL: 'gpt-4o', LLM_API_KEY: API_KEY, LLM_BASE_URL: `${server.url}/openai/v1` });
    server.script({ text: 'v1' });
    const streamed = v1.streamText(ask('hello'));
    expect((await streamed.result).text).toBe('v1');
    expect(server.requests[1]).toMatchObject({ path: '/openai/v1/chat/completions', model: 'gpt-4o', stream: true });
  });

  it('anthropic: messages with the x-api-key header, streamed and not, tool calls and structured output', async () => {
    const llm = llmFor({ LLM_PROVIDER: 'anthropic', LLM_MODEL: 'claude-sonnet-4-5', LLM_API_KEY: API_KEY });
    server.script({ text: 'Bonjour', usage: { input: 12, output: 3 } });
    const r = await llm.generateText(ask('Say hello in French', { system: 'You are terse.' }));
    expect(r).toMatchObject({ text: 'Bonjour', finishReason: 'stop', usage: { inputTokens: 12, outputTokens: 3 } });
    expect(server.requests[0]).toMatchObject({ api: 'anthropic', path: '/v1/messages', model: 'claude-sonnet-4-5' });
    expect(server.requests[0].headers['x-api-key']).toBe(API_KEY);
    expect(server.requests[0].messages[0]).toEqual({ role: 'system', content: 'You are terse.' });

    server.script({ text: 'streamed from claude', usage: { input: 5, output: 4 } });
    const stream = llm.streamText(ask('stream please'));
    const parts = await collect(stream);
    expect(parts.map((p) => (p.type === 'text' ? p.text : '')).join('')).toBe('streamed from claude');
    expect((await stream.result).usage).toEqual({ inputTokens: 5, outputTokens: 4 });

    server.script({ toolCalls: [{ name: 'lookup', input: { word: 'trellis' } }] });
    const t = await llm.generateText(ask('Look up trellis', { tools: { lookup: LOOKUP } }));
    expect(t.finishReason).toBe('tool-calls');
    expect(t.toolCalls).toEqual([{ toolCallId: expect.any(String), toolName: 'lookup', input: { word: 'trellis' } }]);
    expect(server.requests[2].tools).toEqual(['lookup']);

    server.script({ text: '{"sql":"SELECT 1","explanation":"one"}' });
    const o = await llm.generateObject(ask('one', { schema: Type.Object({ sql: Type.String(), explanation: Type.String() }) }));
    expect(o.object).toEqual({ sql: 'SELECT 1', explanation: 'one' });
    expect(server.requests[3].body.output_config.format).toMatchObject({ type: 'json_schema', schema: { required: ['sql', 'explanation'] } });

    // A model the SDK does not know to have structured output: the object comes as a forced `json` tool call.
    const other = llmFor({ LLM_PROVIDER: 'anthropic', LLM_MODEL: 'local-claude', LLM_API_KEY: API_KEY });
    server.script({ toolCalls: [{ name: 'json', input: { sql: 'SELECT 2', explanation: 'two' } }] });
    expect((await other.generateObject(ask('two', { schema: Type.Object({ sql: Type.String(), explanation: Type.String() }) }))).object).toEqual({ sql: 'SELECT 2', explanation: 'two' });
    expect(server.requests[4].body.tool_choice).toMatchObject({ type: 'any' });
    expect(server.requests[4].tools).toEqual(['json']);
  });
});

describe('streaming', () => {
  it('yields text deltas and tool calls as they come, then the result with the usage of the final chunk', async () => {
    const llm = llmFor();
    server.script({ text: 'Let me look that up.', toolCalls: [{ name: 'lookup', input: { word: 'vine' } }], usage: { input: 20, output: 9 } });
    const req = ask('vine?', { tools: { lookup: LOOKUP } });
    const stream = llm.streamText(req);
    const parts = await collect(stream);
    const texts = parts.filter((p) => p.type === 'text');
    expect(texts.length).toBeGreaterThan(2);
    expect(texts.map((p) => p.text).join('')).toBe('Let me look that up.');
    // Then the step's tokens, and last the finish: totals, cost and who answered.
    expect(parts.slice(-3)).toEqual([
      { type: 'tool-call', toolCallId: expect.any(String), toolName: 'lookup', input: { word: 'vine' } },
      { type: 'usage', usage: { inputTokens: 20, outputTokens: 9 } },
      { type: 'finish', finishReason: 'tool-calls', usage: { inputTokens: 20, outputTokens: 9 }, costMicros: 0, answered: { provider: 'default', model: 'scripted-model', fallbackFrom: [] } },
    ]);
    const result = await stream.result;
    expect(result).toMatchObject({ text: 'Let me look that up.', finishReason: 'tool-calls', usage: { inputTokens: 20, outputTokens: 9 } });
    expect(result.toolCalls).toHaveLength(1);
    expect(server.requests[0].body.stream_options).toEqual({ include_usage: true });
    expect((await rowsOf(req.actor.userId))[0]).toMatchObject({ input_tokens: 20, output_tokens: 9, outcome: 'ok' });
  });

  it('flags a streamed tool call whose input breaks the schema or names no tool offered', async () => {
    const llm = llmFor();
    server.script({ toolCalls: [{ name: 'lookup', input: { word: 'root' } }, { name: 'lookup', input: { term: 'leaf' } }, { name: 'erase', input: {} }] });
    const parts = await collect(llm.streamText(ask('look up', { tools: { lookup: LOOKUP } })));
    const calls = parts.filter((p) => p.type === 'tool-call');
    expect(calls[0]).toEqual({ type: 'tool-call', toolCallId: expect.any(String), toolName: 'lookup', input: { word: 'root' } });
    expect(calls[1]).toMatchObject({ toolName: 'lookup', input: { term: 'leaf' }, invalid: expect.stringContaining('word') });
    expect(calls[2]).toMatchObject({ toolName: 'erase', input: {}, invalid: expect.stringContaining('erase') });
  });

  it('told to call no tool, a model that calls one fails the stream instead of yielding the call', async () => {
    const llm = llmFor();
    server.script({ text: 'Calling anyway.', toolCalls: [{ name: 'lookup', input: { word: 'root' } }] });
    const req = ask('look up', { tools: { lookup: LOOKUP }, toolChoice: 'none' });
    const stream = llm.streamText(req);
    const seen: string[] = [];
    await expect(
      (async () => {
        for await (const part of stream) seen.push(part.type);
      })(),
    ).rejects.toMatchObject({ code: expect.stringMatching(/^LLM\./) });
    expect(seen).not.toContain('tool-call');
    expect(server.requests[0].body.tool_choice).toBe('none');
  });

  it('finishes and records the answer though nobody reads it, and reads once', async () => {
    const llm = llmFor();
    server.script({ text: 'unread answer', usage: { input: 3, output: 2 }, chunkDelayMs: 5 });
    const req = ask('hello');
    const stream = llm.streamText(req);
    expect((await stream.result).text).toBe('unread answer');
    expect((await rowsOf(req.actor.userId))[0]).toMatchObject({ output_tokens: 2, outcome: 'ok' });
    // The buffered parts are all still there for a late reader.
    expect((await collect(stream)).map((p) => (p.type === 'text' ? p.text : '')).join('')).toBe('unread answer');
    await expect(collect(stream)).rejects.toThrow('an LLM stream can be read once');
  });

  it('LLM_TIMEOUT bounds the wait for each chunk, not the whole answer', async () => {
    const llm = llmFor({ LLM_TIMEOUT: '600ms' });
    // Eight chunks 150 ms apart: over 1 s in all, never 600 ms without a chunk.
    server.script({ text: 'slow but steady', chunkDelayMs: 150 });
    const started = Date.now();
    const stream = llm.streamText(ask('go'));
    expect((await stream.result).text).toBe('slow but steady');
    expect(Date.now() - started).toBeGreaterThan(1000);
  });

  it('a stall mid-stream ends the stream with LLM.TIMEOUT after what did arrive', async () => {
    const llm = llmFor({ LLM_TIMEOUT: '300ms' });
    server.script({ text: 'this answer stops half way', stallAfterChunks: 4 });
    const req = ask('go');
    const stream = llm.streamText(req);
    const seen: string[] = [];
    const started = Date.now();
    const err = await (async () => {
      try {
        for await (const part of stream) if (part.type === 'text') seen.push(part.text);
      } catch (e) {
        return e;
      }
    })();
    expect(Date.now() - started).toBeLessThan(2000);
    expect(err).toMatchObject({ code: 'LLM.TIMEOUT', kind: 'unavailable' });
    expect(seen.join('')).toBe('this answer '.slice(0, seen.join('').length));
    expect(seen.length).toBeGreaterThan(0);
    await expect(stream.result).rejects.toMatchObject({ code: 'LLM.TIMEOUT' });
    expect((await rowsOf(req.actor.userId))[0]).toMatchObject({ outcome: 'error', error_code: 'LLM.TIMEOUT' });
    await expect.poll(() => server.requests[0].aborted).toBe(true);
  });

  it('the caller cancels mid-stream: the provider\'s request is aborted, the stream ends with the caller\'s reason', async () => {
    const llm = llmFor();
    server.script({ text: 'a long answer that the user stops', chunkDelayMs: 50 });
    const ac = new AbortController();
    const req = ask('go', { signal: ac.signal });
    const stream = llm.streamText(req);
    const seen: string[] = [];
    await expect(
      (async () => {
        for await (const part of stream) {
          if (part.type === 'text') seen.push(part.text);
          if (seen.length === 2) ac.abort(new Error('stopped by the user'));
        }
      })(),
    ).rejects.toThrow('stopped by the user');
    expect(seen).toHaveLength(2);
    await expect(stream.result).rejects.toThrow('stopped by the user');
    await expect.poll(() => server.requests[0].aborted).toBe(true);
    expect((await rowsOf(req.actor.userId))[0]).toMatchObject({ outcome: 'cancelled' });
  });

  it('a provider error before the first chunk is a problem, and the iteration throws it', async () => {
    const llm = llmFor();
    server.script({ status: 503, body: { error: { message: 'overloaded' } } });
    const stream = llm.streamText(ask('go'));
    await expect(collect(stream)).rejects.toMatchObject({ code: 'LLM.UNAVAILABLE' });
    await expect(stream.result).rejects.toMatchObject({ code: 'LLM.UNAVAILABLE' });
  });
});

describe('tools', () => {
  it('returns tool calls the caller runs, and flags an input that breaks the schema', async () => {
    const llm = llmFor();
    server.script({ toolCalls: [{ name: 'lookup', input: { word: 'root' } }, { name: 'lookup', input: { term: 'leaf' } }] });
    const r = await llm.generateText(ask('look up', { tools: { lookup: LOOKUP }, toolChoice: 'required' }));
    expect(r.finishReason).toBe('tool-calls');
    expect(r.toolCalls[0]).toEqual({ toolCallId: expect.any(String), toolName: 'lookup', input: { word: 'root' } });
    expect(r.toolCalls[1]).toMatchObject({ toolName: 'lookup', input: { term: 'leaf' }, invalid: expect.stringContaining('word') });
    const sent = server.requests[0].body;
    expect(sent.tool_choice).toBe('required');
    expect(sent.tools[0]).toMatchObject({ type: 'function', function: { name: 'lookup', description: 'Looks a word up', parameters: { required: ['word'] } } });
  });

  it('runs tools that have execute, over several steps, and adds up the usage of every step', async () => {
    const llm = llmFor();
    const calls: unknown[] = [];
    const lookup = {
      ...LOOKUP,
      async execute(input: { word: string }) {
        calls.push(input);
        return { definition: `${input.word}: a climbing plant` };
      },
    };
    server.script({ toolCalls: [{ name: 'lookup', input: { word: 'vine' } }], usage: { input: 10, output: 5 } }, (req) => ({
      text: req.prompt.includes('a climbing plant') ? 'A vine climbs.' : 'no tool result seen',
      usage: { input: 30, output: 4 },
    }));
    const req = ask('what is a vine?', { tools: { lookup }, maxSteps: 3 });
    const r = await llm.generateText(req);
    expect(calls).toEqual([{ word: 'vine' }]);
    expect(r).toMatchObject({ text: 'A vine climbs.', finishReason: 'stop', usage: { inputTokens: 40, outputTokens: 9 } });
    expect(r.toolResults).toEqual([{ toolCallId: expect.any(String), toolName: 'lookup', output: { definition: 'vine: a climbing plant' } }]);
    expect(server.requests[1].body.messages.at(-1)).toMatchObject({ role: 'tool' });
    expect((await rowsOf(req.actor.userId))[0]).toMatchObject({ input_tokens: 40, output_tokens: 9 });
  });

  it('streams tool results, and a tool that throws is reported to the model and the caller', async () => {
    const llm = llmFor();
    const failing = {
      ...LOOKUP,
      async execute(): Promise<unknown> {
        throw new Error('dictionary offline');
      },
    };
    server.script({ toolCalls: [{ name: 'lookup', input: { word: 'x' } }] }, (req) => ({ text: req.prompt.includes('dictionary offline') ? 'Sorry.' : 'unexpected' }));
    const stream = llm.streamText(ask('x?', { tools: { lookup: failing }, maxSteps: 2 }));
    const parts = await collect(stream);
    expect(parts.find((p) => p.type === 'tool-result')).toMatchObject({ toolName: 'lookup', output: 'dictionary offline', isError: true });
    expect((await stream.result).text).toBe('Sorry.');
  });

  it('refuses a tool name no provider accepts', async () => {
    await expect(llmFor().generateText(ask('x', { tools: { 'data.lookup': LOOKUP } }))).rejects.toThrow('must be 1 to 64 letters, digits, _ or -');
  });
});

describe('generateObject', () => {
  const SqlAnswer = Type.Object({ sql: Type.String(), explanation: Type.String() });

  it('asks for a strict JSON schema and returns the checked object, without properties the schema lacks', async () => {
    const llm = llmFor();
    server.script({ text: JSON.stringify({ sql: 'SELECT count(*) FROM t', explanation: 'counts rows', extra: 'dropped' }), usage: { input: 50, output: 12 } });
    const r = await llm.generateObject(ask('how many rows?', { schema: SqlAnswer, schemaName: 'sql_answer' }));
    expect(r).toEqual({
      object: { sql: 'SELECT count(*) FROM t', explanation: 'counts rows' },
      finishReason: 'stop',
      usage: { inputTokens: 50, outputTokens: 12 },
      answered: { provider: 'default', model: 'scripted-model', fallbackFrom: [] },
      costMicros: 0,
    });
    expect(server.requests[0].body.response_format).toEqual({
      type: 'json_schema',
      json_schema: {
        name: 'sql_answer',
        strict: true,
        schema: { type: 'object', required: ['sql', 'explanation'], properties: { sql: { type: 'string' }, explanation: { type: 'string' } }, additionalProperties: false },
      },
    });
  });

  it('sends a schema with optional properties as not strict', async () => {
    const llm = llmFor();
    server.script({ text: '{"sql":"SELECT 1"}' });
    const r = await llm.generateObject(ask('x', { schema: Type.Object({ sql: Type.String(), note: Type.Optional(Type.String()) }) }));
    expect(r.object).toEqual({ sql: 'SELECT 1' });
    expect(server.requests[0].body.response_format.json_schema.strict).toBe(false);
  });

  it('answers LLM.INVALID_OUTPUT for text that is not JSON or breaks the schema, and records the tokens it cost', async () => {
    const llm = llmFor();
    server.script({ text: 'Sure! Here is your SQL: SELECT 1', usage: { input: 9, output: 8 } }, { text: '{"sql": 42}' });
    const req = ask('x', { schema: SqlAnswer });
    const p = await problemOf(llm.generateObject(req));
    expect(p).toMatchObject({ code: 'LLM.INVALID_OUTPUT', kind: 'unavailable' });
    expect((await rowsOf(req.actor.userId))[0]).toMatchObject({ outcome: 'error', error_code: 'LLM.INVALID_OUTPUT', input_tokens: 9, output_tokens: 8 });
    expect(await problemOf(llm.generateObject(ask('x', { schema: SqlAnswer })))).toMatchObject({ code: 'LLM.INVALID_OUTPUT' });
  });
});

describe('retries and failures', () => {
  it('retries 429 and 5xx, honouring Retry-After, and never 400', async () => {
    const llm = llmFor({ LLM_MAX_RETRIES: '2' });
    server.script({ status: 429, headers: { 'retry-after': '0' } }, { status: 500, headers: { 'retry-after-ms': '10' } }, { text: 'third time lucky' });
    expect((await llm.generateText(ask('x'))).text).toBe('third time lucky');
    expect(server.requests).toHaveLength(3);

    server.reset();
    server.script({ status: 400, body: { error: { message: 'context_length_exceeded' } } }, { text: 'never asked' });
    const req = ask('x');
    expect(await problemOf(llm.generateText(req))).toMatchObject({ code: 'LLM.REQUEST_REFUSED', kind: 'unprocessable' });
    expect(server.requests).toHaveLength(1);
    expect((await rowsOf(req.actor.userId))[0]).toMatchObject({ outcome: 'error', error_code: 'LLM.REQUEST_REFUSED', input_tokens: 0 });
  });

  it('waits what Retry-After says (1 s here, where its own backoff would wait 2 s)', async () => {
    const llm = llmFor({ LLM_MAX_RETRIES: '1' });
    server.script({ status: 429, headers: { 'retry-after': '1' } }, { text: 'ok' });
    const started = Date.now();
    expect((await llm.generateText(ask('x'))).text).toBe('ok');
    const waited = Date.now() - started;
    expect(waited).toBeGreaterThanOrEqual(950);
    expect(waited).toBeLessThan(1900);
  });

  it('backs off 2 s before retrying a 5xx that says nothing', async () => {
    const llm = llmFor({ LLM_MAX_RETRIES: '1' });
    server.script({ status: 502 }, { text: 'ok' });
    const started = Date.now();
    expect((await llm.generateText(ask('x'))).text).toBe('ok');
    expect(Date.now() - started).toBeGreaterThanOrEqual(1950);
  });

  it('still rate-limited after the retries: LLM.RATE_LIMITED with the provider\'s Retry-After', async () => {
    const llm = llmFor({ LLM_MAX_RETRIES: '2' });
    const limited = { status: 429, headers: { 'retry-after-ms': '5' } };
    server.script(limited, limited, { status: 429, headers: { 'retry-after': '17' } });
    const p = await problemOf(llm.generateText(ask('x')));
    expect(p).toMatchObject({ code: 'LLM.RATE_LIMITED', retryAfter: 17 });
    expect(server.requests).toHaveLength(3);
  });

  it('still failing after the retries, or unreachable: LLM.UNAVAILABLE', async () => {
    const llm = llmFor({ LLM_MAX_RETRIES: '1' });
    server.script({ status: 500, headers: { 'retry-after-ms': '1' } }, { status: 500 });
    expect(await problemOf(llm.generateText(ask('x')))).toMatchObject({ code: 'LLM.UNAVAILABLE', kind: 'unavailable' });
    expect(server.requests).toHaveLength(2);

    const closed = await startLlmServer();
    await closed.close();
    const unreachable = llmFor({ LLM_BASE_URL: closed.baseUrl });
    expect(await problemOf(unreachable.generateText(ask('x')))).toMatchObject({ code: 'LLM.UNAVAILABLE' });
    expect(lines.some((l) => l.msg === 'LLM call failed' && l.hint === 'the provider could not be reached')).toBe(true);
  });

  it('follows no redirect: a provider that answers one is unavailable, and its target is never called', async () => {
    const llm = llmFor({ LLM_MAX_RETRIES: '0' });
    server.script({ status: 307, headers: { location: `${server.baseUrl}/elsewhere/chat/completions` } }, { text: 'from the redirect' });
    expect(await problemOf(llm.generateText(ask('x')))).toMatchObject({ code: 'LLM.UNAVAILABLE' });
    expect(server.requests.map((r) => r.path)).toEqual(['/v1/chat/completions']);
  });

  it('a slow provider: LLM.TIMEOUT within LLM_TIMEOUT, the request aborted', async () => {
    const llm = llmFor({ LLM_TIMEOUT: '300ms' });
    server.script({ text: 'too late', delayMs: 3000 });
    const req = ask('x');
    const started = Date.now();
    const p = await problemOf(llm.generateText(req));
    expect(Date.now() - started).toBeLessThan(1500);
    expect(p).toMatchObject({ code: 'LLM.TIMEOUT', message: 'The language model did not answer within 300 ms' });
    await expect.poll(() => server.requests[0].aborted).toBe(true);
    expect((await rowsOf(req.actor.userId))[0]).toMatchObject({ outcome: 'error', error_code: 'LLM.TIMEOUT' });
  });

  it('the caller cancels: its own reason, recorded as cancelled', async () => {
    const llm = llmFor();
    server.script({ text: 'never seen', delayMs: 3000 });
    const ac = new AbortController();
    const req = ask('x', { signal: ac.signal });
    setTimeout(() => ac.abort(new Error('client went away')), 100);
    await expect(llm.generateText(req)).rejects.toThrow('client went away');
    await expect.poll(() => server.requests[0].aborted).toBe(true);
    expect((await rowsOf(req.actor.userId))[0]).toMatchObject({ outcome: 'cancelled', error_code: null });
  });

  it('never puts the key or the provider\'s words in a problem or a log line', async () => {
    const llm = llmFor({ LLM_PROVIDER: 'openai', LLM_MODEL: 'gpt-4o-mini', LLM_API_KEY: API_KEY });
    const echo = { error: { message: `Incorrect API key provided: ${API_KEY}. Prompt was: what is secret?` } };
    server.script({ status: 401, body: echo }, { status: 400, body: echo }, { status: 500, body: echo });
    logText.length = 0;
    for (const expected of ['LLM.UNAVAILABLE', 'LLM.REQUEST_REFUSED', 'LLM.UNAVAILABLE']) {
      const err = await problemOf(llm.generateText(ask('what is secret?')));
      expect(err.code).toBe(expected);
      const body = JSON.stringify(toProblem(err, 'req-1').problem);
      expect(body).not.toContain(API_KEY);
      expect(body).not.toContain('Incorrect API key');
      expect(body).not.toContain('secret');
    }
    const failures = lines.filter((l) => l.msg === 'LLM call failed');
    expect(failures).toHaveLength(3);
    expect(failures[0]).toMatchObject({ level: 50, problem: 'LLM.UNAVAILABLE', status: 401, hint: expect.stringContaining('LLM_API_KEY') });
    expect(failures[0].providerError).toContain('Incorrect API key provided: [redacted]');
    expect(logText.join('\n')).not.toContain(API_KEY);
    expect(logText.join('\n')).not.toContain('4f1c9e2b7a6d');
  });
});

describe('not configured', () => {
  const unconfigured = () => createLlm({ config: undefined, db: owned.database.db, log });

  it('says which settings to set, as 503 LLM.NOT_CONFIGURED, from every entry point', async () => {
    const llm = unconfigured();
    expect(llm).toMatchObject({ configured: false, provider: undefined, model: undefined });
    let err: unknown;
    try {
      llm.require();
    } catch (e) {
      err = e;
    }
    expect(err).toMatchObject({ code: 'LLM.NOT_CONFIGURED', kind: 'unavailable' });
    const { problem } = toProblem(err, 'req-1');
    expect(problem).toMatchObject({ status: 503, code: 'LLM.NOT_CONFIGURED' });
    for (const variable of ['LLM_PROVIDER', 'LLM_MODEL', 'LLM_API_KEY', 'LLM_BASE_URL']) expect(problem.detail).toContain(variable);
    expect(await problemOf(llm.generateText(ask('x')))).toMatchObject({ code: 'LLM.NOT_CONFIGURED' });
    expect(await problemOf(llm.generateObject(ask('x', { schema: Type.Object({}) })))).toMatchObject({ code: 'LLM.NOT_CONFIGURED' });
    expect(() => llm.streamText(ask('x'))).toThrow(expect.objectContaining({ code: 'LLM.NOT_CONFIGURED' }));
  });

  it('the app starts and serves without a model; with one, core.llm is it', async () => {
    const bare = await createTestApp();
    try {
      expect(bare.app.llm.configured).toBe(false);
      expect((await bare.request({ method: 'GET', url: '/health/live' })).statusCode).toBe(200);
      const user = await signUp(bare);
      expect(user.accessToken).toBeTruthy();
    } finally {
      await bare.close();
    }
    const t = await createTestApp({ env: llmEnv(server) });
    try {
      expect(t.app.llm).toMatchObject({ configured: true, provider: 'openai-compatible', model: 'scripted-model' });
      server.script({ text: 'through the app', usage: { input: 4, output: 3 } });
      const req = ask('hi');
      expect((await t.app.llm.generateText(req)).text).toBe('through the app');
      expect(await t.app.llm.usage({ orgId: req.actor.orgId!, since: new Date(Date.now() - 60_000) })).toEqual({ calls: 1, inputTokens: 4, outputTokens: 3, costMicros: 0 });
    } finally {
      await t.close();
    }
  });
});

describe('usage', () => {
  it('sums calls and tokens per org over a period, by feature or user, failed calls included', async () => {
    const llm = llmFor();
    const orgId = uuidv7();
    const alice = uuidv7();
    const bob = uuidv7();
    const since = new Date(Date.now() - 1000);
    server.script({ text: 'a', usage: { input: 10, output: 1 } }, { text: 'b', usage: { input: 20, output: 2 } }, { text: 'c', usage: { input: 40, output: 4 } }, { status: 400 });
    await llm.generateText({ ...ask('1'), actor: { userId: alice, orgId } });
    await llm.generateText({ ...ask('2'), feature: 'test.other', actor: { userId: bob, orgId } });
    await llm.generateText({ ...ask('3'), actor: { userId: alice, orgId: uuidv7() } });
    await problemOf(llm.generateText({ ...ask('4'), actor: { userId: bob, orgId } }));
    expect(await llm.usage({ orgId, since })).toEqual({ calls: 3, inputTokens: 30, outputTokens: 3, costMicros: 0 });
    expect(await llm.usage({ orgId, since, feature: 'test.other' })).toEqual({ calls: 1, inputTokens: 20, outputTokens: 2, costMicros: 0 });
    expect(await llm.usage({ orgId, since, userId: alice })).toEqual({ calls: 1, inputTokens: 10, outputTokens: 1, costMicros: 0 });
    expect(await llm.usage({ orgId, since, until: since })).toEqual({ calls: 0, inputTokens: 0, outputTokens: 0, costMicros: 0 });
  });

  it('counts calls and tokens in the metrics', async () => {
    const metrics = createMetrics();
    const llm = llmFor({}, metrics);
    server.script({ text: 'a', usage: { input: 10, output: 2 } }, { status: 400 });
    await llm.generateText(ask('x'));
    await problemOf(llm.generateText(ask('y')));
    const text = await metrics.registry.metrics();
    expect(text).toContain('llm_tokens_total{feature="test.ask",provider="openai-compatible",model="scripted-model",direction="input"} 10');
    expect(text).toContain('llm_calls_total{feature="test.ask",provider="openai-compatible",model="scripted-model",outcome="error"} 1');
  });
});
