// The language-model core service (CoreDeps.llm): one provider, from the LLM_* settings, behind
// generateText, generateObject and streamText. Each call is bounded by LLM_TIMEOUT (and the
// caller's signal), retried by the SDK on 429/5xx, mapped to LLM.* problems when it fails, and
// recorded in core.llm_usage with its tokens, whatever its outcome.
import { Counter } from 'prom-client';
import type { TSchema } from 'typebox';
import { uuidv7 } from 'uuidv7';
import type { Executor } from '../db/database.ts';
import type { Logger } from '../log/logger.ts';
import type { Metrics } from '../metrics/metrics.ts';
import { type Clock, systemClock } from '../module.ts';
import { LlmProblems, NOT_CONFIGURED_MESSAGE } from './problems.ts';
import type { CallContext, Runtime } from './runtime.ts';
import type { LlmConfig } from './settings.ts';
import type { Llm, LlmObjectRequest, LlmRequest, LlmStream, LlmStreamPart, LlmTextResult, LlmUsage } from './types.ts';
import { insertUsage, usageTotals } from './usage-repository.ts';

export { LLM_CALL_PROBLEMS, LlmProblems } from './problems.ts';
export type * from './types.ts';

export interface LlmOptions {
  /** The provider's configuration (`config.llm`); undefined: not configured. */
  config: LlmConfig | undefined;
  /** Where usage rows are written and read (the pool: a call is never part of a transaction). */
  db: Executor;
  log: Logger;
  metrics?: Metrics;
  clock?: Clock;
}

const FEATURE = /^[a-z0-9][a-z0-9_.:-]{0,63}$/;
const TOOL_NAME = /^[a-zA-Z0-9_-]{1,64}$/;

export function createLlm(opts: LlmOptions): Llm {
  const { config, db, log } = opts;
  const clock = opts.clock ?? systemClock;
  let runtime: Promise<Runtime> | undefined;
  const load = () => {
    runtime ??= import('./runtime.ts').then((m) => m.createRuntime(config!, log));
    return runtime;
  };
  const counters = opts.metrics && config ? createCounters(opts.metrics) : undefined;

  const notConfigured = (): never => {
    throw LlmProblems.notConfigured.error(NOT_CONFIGURED_MESSAGE);
  };

  function check(req: LlmRequest | LlmObjectRequest<any>): LlmConfig {
    if (!config) return notConfigured();
    if (!FEATURE.test(req.feature)) throw new Error(`LLM feature "${req.feature}" must be lower-case letters, digits and . _ : - (at most 64)`);
    if (!req.actor?.userId) throw new Error('an LLM call needs the user it is made for (actor.userId)');
    for (const name of Object.keys(('tools' in req && req.tools) || {})) {
      if (!TOOL_NAME.test(name)) throw new Error(`LLM tool name "${name}" must be 1 to 64 letters, digits, _ or - (what every provider accepts)`);
    }
    return config;
  }

  /** One call: its deadline, the usage known so far, and how it is recorded. */
  function begin(cfg: LlmConfig, req: LlmRequest | LlmObjectRequest<any>) {
    const at = clock.now();
    const started = performance.now();
    const deadline = new AbortController();
    const timer = setTimeout(() => deadline.abort(new DOMException(`no answer within ${cfg.timeoutMs} ms`, 'TimeoutError')), cfg.timeoutMs);
    timer.unref();
    const known: LlmUsage = { inputTokens: 0, outputTokens: 0 };
    const context: CallContext = {
      signal: req.signal ? AbortSignal.any([deadline.signal, req.signal]) : deadline.signal,
      signals: { deadline: deadline.signal, caller: req.signal, timeoutMs: cfg.timeoutMs },
      addUsage(u) {
        known.inputTokens += u.inputTokens;
        known.outputTokens += u.outputTokens;
      },
      touch: () => void timer.refresh(),
    };
    const subject = { feature: req.feature, provider: cfg.provider, model: cfg.model };

    async function record(outcome: 'ok' | 'error' | 'cancelled', usage: LlmUsage, errorCode: string | null) {
      const durationMs = Math.round(performance.now() - started);
      counters?.calls.inc({ ...subject, outcome });
      counters?.tokens.inc({ ...subject, direction: 'input' }, usage.inputTokens);
      counters?.tokens.inc({ ...subject, direction: 'output' }, usage.outputTokens);
      try {
        await insertUsage(db, { id: uuidv7(), at, userId: req.actor.userId, orgId: req.actor.orgId, durationMs, outcome, errorCode, ...subject, ...usage });
      } catch (err) {
        // The answer is given (and paid for): losing its row is the operator's to know, not the caller's failure.
        log.error({ ...subject, userId: req.actor.userId, orgId: req.actor.orgId, ...usage, err: (err as Error).message }, 'LLM usage not recorded');
      }
    }

    return {
      context,
      succeeded: (usage: LlmUsage) => record('ok', usage, null),
      /** Records the failure and returns what the caller gets. */
      async failed(rt: Runtime, err: unknown): Promise<unknown> {
        let failure: ReturnType<Runtime['classify']>;
        try {
          failure = rt.classify(err, context);
        } catch (bug) {
          await record('error', known, null);
          return bug;
        }
        if (failure.log) log[failure.log.level]({ ...subject, orgId: req.actor.orgId, durationMs: Math.round(performance.now() - started), ...failure.log.fields }, 'LLM call failed');
        await record(failure.outcome, known, failure.code ?? null);
        return failure.error;
      },
      dispose: () => clearTimeout(timer),
    };
  }

  async function run<T extends { usage: LlmUsage }>(req: LlmRequest | LlmObjectRequest<any>, fn: (rt: Runtime, call: CallContext) => Promise<T>): Promise<T> {
    const cfg = check(req);
    const rt = await load();
    const call = begin(cfg, req);
    try {
      const result = await fn(rt, call.context);
      await call.succeeded(result.usage);
      return result;
    } catch (err) {
      throw await call.failed(rt, err);
    } finally {
      call.dispose();
    }
  }

  return {
    configured: config !== undefined,
    provider: config?.provider,
    model: config?.model,
    require() {
      if (!config) notConfigured();
    },
    generateText: (req) => run(req, (rt, call) => rt.generateText(call, req)),
    generateObject: <S extends TSchema>(req: LlmObjectRequest<S>) => run(req, (rt, call) => rt.generateObject(call, req)),
    streamText(req) {
      const cfg = check(req);
      return bufferedStream(async (push) => {
        const rt = await load();
        const call = begin(cfg, req);
        try {
          const parts = rt.streamText(call.context, req);
          let next = await parts.next();
          for (; !next.done; next = await parts.next()) push(next.value);
          await call.succeeded(next.value.usage);
          return next.value;
        } catch (err) {
          throw await call.failed(rt, err);
        } finally {
          call.dispose();
        }
      });
    },
    usage: (query) => usageTotals(db, query),
  };
}

/**
 * Runs `produce` at once, to the end, whether or not anyone reads: the parts wait in a buffer
 * (an answer is a few kilobytes), so a reader that goes away (a dropped client) neither stalls
 * the answer nor loses its usage. Cancelling is the caller's signal's job.
 */
function bufferedStream(produce: (push: (part: LlmStreamPart) => void) => Promise<LlmTextResult>): LlmStream {
  const parts: LlmStreamPart[] = [];
  let settled = false;
  let failure: { error: unknown } | undefined;
  let wake: (() => void) | undefined;
  const push = (part: LlmStreamPart) => {
    parts.push(part);
    wake?.();
  };
  const result = produce(push);
  result.then(
    () => {
      settled = true;
      wake?.();
    },
    (error) => {
      failure = { error };
      settled = true;
      wake?.();
    },
  );
  let read = false;
  return {
    result,
    async *[Symbol.asyncIterator]() {
      if (read) throw new Error('an LLM stream can be read once');
      read = true;
      let i = 0;
      for (;;) {
        if (i < parts.length) {
          const part = parts[i];
          parts[i++] = undefined as never; // read parts are not kept
          yield part;
        } else if (settled) {
          if (failure) throw failure.error;
          return;
        } else {
          await new Promise<void>((resolve) => {
            wake = resolve;
          });
          wake = undefined;
        }
      }
    },
  };
}

function createCounters(metrics: Metrics) {
  return {
    calls: new Counter({
      name: 'llm_calls_total',
      help: 'Calls to the language model by feature, model and outcome (ok, error, cancelled)',
      labelNames: ['feature', 'provider', 'model', 'outcome'],
      registers: [metrics.registry],
    }),
    tokens: new Counter({
      name: 'llm_tokens_total',
      help: 'Tokens the language model provider reported, by feature, model and direction (input, output)',
      labelNames: ['feature', 'provider', 'model', 'direction'],
      registers: [metrics.registry],
    }),
  };
}
