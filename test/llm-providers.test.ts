// core/llm with several providers, against two scripted servers (test/llm-server.ts): streamed
// parts over several steps, cancellation that reaches the provider, retries before the first
// token only, the circuit breaker per provider, the fallback to another provider, the cost
// from the price, and the usage ledger and its report.
import { Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { Type } from 'typebox';
import { uuidv7 } from 'uuidv7';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/core/config.ts';
import type { Database } from '../src/core/db/database.ts';
import { createLlm, estimateInputTokens, type Llm, type LlmProviderConfig, type LlmRequest, type LlmStreamPart } from '../src/core/llm/index.ts';
import { createLogger } from '../src/core/log/logger.ts';
import { createTestDatabase } from './harness.ts';
import { type LlmServer, llmEnv, startLlmServer } from './llm-server.ts';

let a: LlmServer;
let b: LlmServer;
let owned: { database: Database; drop(): Promise<void> };
const lines: Record<string, unknown>[] = [];
const log = createLogger(
  'debug',
  new Writable({
    write(chunk, _enc, done) {
      for (const line of chunk.toString().split('\n')) if (line.trim()) lines.push(JSON.parse(line));
      done();
    },
  }),
);

beforeAll(async () => {
  [a, b] = await Promise.all([startLlmServer(), startLlmServer()]);
  owned = await createTestDatabase();
});
afterAll(async () => {
  await Promise.all([a?.close(), b?.close()]);
  await owned?.drop();
});
beforeEach(() => {
  a.reset();
  b.reset();
  lines.length = 0;
});

/** `default` on server A (scripted-model), `backup` on server B (backup-model, priced), the default falling back to it. */
function llmFor(env: Record<string, string> = {}): Llm {
  const backup = [{ name: 'backup', provider: 'openai-compatible', baseUrl: b.baseUrl, models: [{ name: 'backup-model', inputPrice: 250, outputPrice: 1000 }] }];
  const config = loadConfig({ JWT_SECRET: 'x'.repeat(32), ...llmEnv(a), LLM_PROVIDERS: JSON.stringify(backup), LLM_FALLBACK: 'backup/backup-model', ...env }).llm;
  return createLlm({ config, db: owned.database.db, log });
}

const ask = (text: string, extra: Partial<LlmRequest> = {}): LlmRequest => ({ feature: 'test.ask', actor: { userId: uuidv7(), orgId: uuidv7() }, messages: [{ role: 'user', content: text }], ...extra });

async function rowOf(userId: string) {
  const rows = await owned.database.db.selectFrom('core.llm_usage').selectAll().where('user_id', '=', userId).execute();
  expect(rows).toHaveLength(1);
  return rows[0];
}

/** Reads a stream to its end or its failure: the parts seen, and the error. */
async function drain(stream: AsyncIterable<LlmStreamPart>): Promise<{ parts: LlmStreamPart[]; error: unknown }> {
  const parts: LlmStreamPart[] = [];
  try {
    for await (const part of stream) parts.push(part);
    return { parts, error: undefined };
  } catch (error) {
    return { parts, error };
  }
}

const textOf = (parts: LlmStreamPart[]) => parts.map((p) => (p.type === 'text' ? p.text : '')).join('');

describe('streaming', () => {
  it('yields text, tool calls, tool results and each step\'s usage over several steps, then the finish', async () => {
    const llm = llmFor();
    const lookup = { description: 'Looks a word up', inputSchema: Type.Object({ word: Type.String() }), execute: async ({ word }: { word: string }) => ({ definition: `${word}: a plant` }) };
    a.script({ text: 'Looking.', toolCalls: [{ name: 'lookup', input: { word: 'vine' } }], usage: { input: 10, output: 4 } }, (req) => ({
      text: req.prompt.includes('a plant') ? 'A vine is a plant.' : 'no result seen',
      usage: { input: 30, output: 6 },
    }));
    const req = ask('vine?', { tools: { lookup }, maxSteps: 3, conversationId: uuidv7(), messageId: uuidv7() });
    const stream = llm.streamText(req);
    const { parts, error } = await drain(stream);
    expect(error).toBeUndefined();
    const kinds = parts.map((p) => p.type).filter((type, i, all) => type !== all[i - 1]);
    expect(kinds).toEqual(['text', 'tool-call', 'tool-result', 'usage', 'text', 'usage', 'finish']);
    expect(parts.filter((p) => p.type === 'usage')).toEqual([
      { type: 'usage', usage: { inputTokens: 10, outputTokens: 4 } },
      { type: 'usage', usage: { inputTokens: 30, outputTokens: 6 } },
    ]);
    expect(parts.find((p) => p.type === 'tool-result')).toMatchObject({ toolName: 'lookup', output: { definition: 'vine: a plant' } });
    expect(parts.at(-1)).toEqual({ type: 'finish', finishReason: 'stop', usage: { inputTokens: 40, outputTokens: 10 }, costMicros: 0, answered: { provider: 'default', model: 'scripted-model', fallbackFrom: [] } });
    expect(textOf(parts)).toBe('Looking.A vine is a plant.');
    const row = await rowOf(req.actor.userId);
    expect(row).toMatchObject({ provider: 'openai-compatible', provider_name: 'default', model: 'scripted-model', input_tokens: 40, output_tokens: 10, conversation_id: req.conversationId, message_id: req.messageId, fallback_from: null, outcome: 'ok' });
    expect(row.first_token_ms).toBeGreaterThanOrEqual(0);
    expect(row.first_token_ms).toBeLessThanOrEqual(row.duration_ms);
  });

  it('cancelling aborts the HTTP request to the provider: the server sees its connection closed', async () => {
    const llm = llmFor();
    a.script({ text: 'a long answer the user stops half way through', chunkDelayMs: 40 });
    const ac = new AbortController();
    const req = ask('go', { signal: ac.signal });
    const stream = llm.streamText(req);
    const seen: string[] = [];
    const { error } = await drain(
      (async function* () {
        for await (const part of stream) {
          if (part.type === 'text') seen.push(part.text);
          if (seen.length === 3) ac.abort(new Error('stopped by the user'));
          yield part;
        }
      })(),
    );
    expect((error as Error).message).toBe('stopped by the user');
    expect(await a.requests[0].ended).toBe('aborted');
    expect(seen).toHaveLength(3);
    expect(b.requests).toHaveLength(0);
    expect(await rowOf(req.actor.userId)).toMatchObject({ outcome: 'cancelled', provider_name: 'default' });
  });
});

describe('retries', () => {
  it('retries a 429 before the first token, then streams the answer', async () => {
    const llm = llmFor({ LLM_MAX_RETRIES: '2' });
    a.script({ status: 429, headers: { 'retry-after-ms': '10' } }, { text: 'after a retry' });
    const stream = llm.streamText(ask('go'));
    expect(textOf((await drain(stream)).parts)).toBe('after a retry');
    expect(a.requests).toHaveLength(2);
    expect((await stream.result).answered.fallbackFrom).toEqual([]);
  });

  it('never replays an answer that has started: a drop, a stall or a malformed chunk after the first token ends it with what came', async () => {
    const llm = llmFor({ LLM_MAX_RETRIES: '2', LLM_TIMEOUT: '400ms' });
    const cases = [
      // Paced: the parts before the drop reach the caller before the connection is reset.
      { reply: { text: 'dropped half way through', dropAfterChunks: 3, chunkDelayMs: 30 }, code: 'LLM.UNAVAILABLE' },
      { reply: { text: 'stalled half way through', stallAfterChunks: 3 }, code: 'LLM.TIMEOUT' },
      { reply: { text: 'malformed half way through', malformedChunk: 3 }, code: 'LLM.INVALID_OUTPUT' },
    ];
    for (const { reply, code } of cases) {
      a.reset();
      a.script(reply, { text: 'a replay' });
      const req = ask('go');
      const stream = llm.streamText(req);
      const { parts, error } = await drain(stream);
      expect(error, code).toMatchObject({ code });
      expect(reply.text.startsWith(textOf(parts)) && textOf(parts).length > 0, code).toBe(true);
      await expect(stream.result).rejects.toMatchObject({ code });
      expect(a.requests, code).toHaveLength(1);
      expect(b.requests, code).toHaveLength(0);
      expect(await rowOf(req.actor.userId)).toMatchObject({ outcome: 'error', error_code: code, provider_name: 'default' });
    }
  });
});

describe('fallback', () => {
  it('provider A down before answering: provider B answers, and the usage says B, priced, with A as tried', async () => {
    const llm = llmFor();
    a.script({ status: 503 });
    b.script({ text: 'from the backup', usage: { input: 1000, output: 200 } });
    const req = ask('hello');
    const r = await llm.generateText(req);
    expect(r).toMatchObject({ text: 'from the backup', answered: { provider: 'backup', model: 'backup-model', fallbackFrom: ['default/scripted-model'] }, costMicros: 450_000 });
    expect(b.requests[0].model).toBe('backup-model');
    // 1000 tokens at 250 and 200 at 1000 minor units per million: 0.45 of a minor unit.
    expect(await rowOf(req.actor.userId)).toMatchObject({ provider_name: 'backup', model: 'backup-model', fallback_from: ['default/scripted-model'], cost_micros: 450000, outcome: 'ok' });
    expect(lines.find((l) => l.msg === 'LLM call failed')).toMatchObject({ provider: 'default', status: 503, fallback: 'backup/backup-model' });
  });

  it('streams from B when A drops the connection before the first token', async () => {
    const llm = llmFor();
    a.script({ text: 'never seen', dropAfterChunks: 0 });
    b.script({ text: 'streamed from the backup' });
    const stream = llm.streamText(ask('hello'));
    const { parts } = await drain(stream);
    expect(textOf(parts)).toBe('streamed from the backup');
    expect(parts.at(-1)).toMatchObject({ type: 'finish', answered: { provider: 'backup', fallbackFrom: ['default/scripted-model'] } });
  });

  it('does not fall back for a request the model refused, nor when nothing is configured to fall back to', async () => {
    const llm = llmFor();
    a.script({ status: 400 });
    await expect(llm.generateText(ask('x'))).rejects.toMatchObject({ code: 'LLM.REQUEST_REFUSED' });
    expect(b.requests).toHaveLength(0);
    a.script({ status: 500 });
    await expect(llm.generateText(ask('x', { targets: [{ provider: 'default', model: 'scripted-model' }] }))).rejects.toMatchObject({ code: 'LLM.UNAVAILABLE' });
    expect(b.requests).toHaveLength(0);
  });

  it('takes a caller\'s provider and price as a target (an organization\'s own), falling back to an instance model', async () => {
    const llm = llmFor();
    const own: LlmProviderConfig = { name: 'acme', kind: 'openai', apiKey: 'sk-acme-0123456789', baseUrl: a.baseUrl, id: 'org:acme' };
    a.script({ text: 'from acme', usage: { input: 2_000_000, output: 1_000_000 } });
    const req = ask('hi', { targets: [{ provider: own, model: 'gpt-acme', price: { input: 15, output: 60.5 } }, ...llm.targetsOf('backup/backup-model')] });
    const r = await llm.generateText(req);
    expect(r.answered).toEqual({ provider: 'acme', model: 'gpt-acme', fallbackFrom: [] });
    expect(a.requests[0].headers.authorization).toBe('Bearer sk-acme-0123456789');
    // 2M tokens in at 15, 1M out at 60.5 minor units per million.
    expect(r.costMicros).toBe(30_000_000 + 60_500_000);
    expect(await rowOf(req.actor.userId)).toMatchObject({ provider: 'openai', provider_name: 'acme', model: 'gpt-acme' });
  });
});

describe('circuit breaker', () => {
  it('opens after N consecutive failures, fails at once while open, half-opens after the cool-down, and closes on success', async () => {
    const llm = llmFor({ LLM_BREAKER_FAILURES: '2', LLM_BREAKER_COOLDOWN: '400ms' });
    const only = { targets: [{ provider: 'default', model: 'scripted-model' }] };
    a.script({ status: 500 }, { status: 502 });
    await expect(llm.generateText(ask('1', only))).rejects.toMatchObject({ code: 'LLM.UNAVAILABLE' });
    expect(llm.circuit('default')).toBe('closed');
    await expect(llm.generateText(ask('2', only))).rejects.toMatchObject({ code: 'LLM.UNAVAILABLE' });
    expect(llm.circuit('default')).toBe('open');

    // Open: refused without a request, with the seconds left.
    const refused = ask('3', only);
    const started = Date.now();
    await expect(llm.generateText(refused)).rejects.toMatchObject({ code: 'LLM.UNAVAILABLE', retryAfter: 1 });
    expect(Date.now() - started).toBeLessThan(100);
    expect(a.requests).toHaveLength(2);
    expect(await rowOf(refused.actor.userId)).toMatchObject({ outcome: 'error', error_code: 'LLM.UNAVAILABLE', input_tokens: 0 });
    expect(lines.at(-1)).toMatchObject({ msg: 'LLM call failed', hint: expect.stringContaining('circuit is open') });
    // Open, with a fallback: straight to B, A not asked.
    b.script({ text: 'backup while A is open' });
    expect((await llm.generateText(ask('4'))).answered).toMatchObject({ provider: 'backup', fallbackFrom: ['default/scripted-model'] });
    expect(a.requests).toHaveLength(2);

    await sleep(450);
    expect(llm.circuit('default')).toBe('half-open');
    // The trial fails: open again.
    a.script({ status: 503 });
    await expect(llm.generateText(ask('5', only))).rejects.toMatchObject({ code: 'LLM.UNAVAILABLE' });
    expect(llm.circuit('default')).toBe('open');
    await sleep(450);
    // The trial of a stream succeeds at its first token: closed.
    a.script({ text: 'back again', chunkDelayMs: 20 });
    const stream = llm.streamText(ask('6', only));
    expect(textOf((await drain(stream)).parts)).toBe('back again');
    expect(llm.circuit('default')).toBe('closed');
    expect(a.requests).toHaveLength(4);
  });

  it('does not count failures that are the request\'s or the caller\'s', async () => {
    const llm = llmFor({ LLM_BREAKER_FAILURES: '1' });
    a.script({ status: 400 }, { text: '{"a":1}' }, { text: 'slow', delayMs: 2000 });
    await expect(llm.generateText(ask('1'))).rejects.toMatchObject({ code: 'LLM.REQUEST_REFUSED' });
    await expect(llm.generateObject({ ...ask('2'), schema: Type.Object({ b: Type.String() }) })).rejects.toMatchObject({ code: 'LLM.INVALID_OUTPUT' });
    const ac = new AbortController();
    setTimeout(() => ac.abort(new Error('gone')), 50);
    await expect(llm.generateText(ask('3', { signal: ac.signal }))).rejects.toThrow('gone');
    expect(llm.circuit('default')).toBe('closed');
    expect(b.requests).toHaveLength(0);
  });
});

describe('usage ledger', () => {
  it('reports an org\'s calls per day, user and model, with their cost', async () => {
    const llm = llmFor();
    const orgId = uuidv7();
    const [alice, bob] = [uuidv7(), uuidv7()];
    a.script({ text: 'a', usage: { input: 10, output: 1 } }, { text: 'b', usage: { input: 20, output: 2 } });
    b.script({ text: 'c', usage: { input: 4_000, output: 1_000 } });
    await llm.generateText({ ...ask('1'), actor: { userId: alice, orgId } });
    await llm.generateText({ ...ask('2'), actor: { userId: bob, orgId } });
    await llm.generateText({ ...ask('3', { targets: llm.targetsOf('backup/backup-model') }), actor: { userId: alice, orgId } });
    const since = new Date(Date.now() - 60_000);
    const until = new Date(Date.now() + 60_000);
    const day = new Date().toISOString().slice(0, 10);
    expect(await llm.usageReport({ orgId, since, until, groupBy: ['day', 'user', 'model'], timeZone: 'UTC' })).toEqual(
      [
        { day, userId: alice, provider: 'backup', model: 'backup-model', calls: 1, inputTokens: 4000, outputTokens: 1000, costMicros: 2_000_000 },
        { day, userId: alice, provider: 'default', model: 'scripted-model', calls: 1, inputTokens: 10, outputTokens: 1, costMicros: 0 },
        { day, userId: bob, provider: 'default', model: 'scripted-model', calls: 1, inputTokens: 20, outputTokens: 2, costMicros: 0 },
      ].sort((x, y) => (x.userId + x.provider).localeCompare(y.userId + y.provider)),
    );
    expect(await llm.usageReport({ orgId, since, until, groupBy: [], timeZone: 'UTC' })).toEqual([{ calls: 3, inputTokens: 4030, outputTokens: 1003, costMicros: 2_000_000 }]);
    expect(await llm.usage({ orgId, since, userId: alice })).toEqual({ calls: 2, inputTokens: 4010, outputTokens: 1001, costMicros: 2_000_000 });
  });

  it('estimates a prompt\'s tokens on the high side', () => {
    const text = 'The quick brown fox jumps over the lazy dog. '.repeat(20);
    const estimate = estimateInputTokens({ system: 'Be brief.', messages: [{ role: 'user', content: text }] });
    expect(estimate).toBeGreaterThan(text.length / 4);
    expect(estimate).toBeLessThan(text.length / 2);
    const withTools = estimateInputTokens({ messages: [{ role: 'user', content: 'x' }], tools: { lookup: { description: 'Looks a word up', inputSchema: Type.Object({ word: Type.String() }) } } });
    expect(withTools).toBeGreaterThan(estimateInputTokens({ messages: [{ role: 'user', content: 'x' }] }));
  });
});
