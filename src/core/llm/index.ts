// The language-model core service (CoreDeps.llm): the instance's providers (LLM_PROVIDER as
// `default`, and LLM_PROVIDERS), or a caller's own, behind generateText, generateObject and
// streamText. A call tries its targets in turn: the model, then its fallbacks, each only while
// nothing was answered yet and only when the provider before was down. Each attempt is bounded
// by LLM_TIMEOUT (and the caller's signal), retried by the SDK on 429/5xx, judged by its
// provider's circuit breaker, and mapped to LLM.* problems when it fails. Every call is recorded
// in core.llm_usage, whatever its outcome: who answered, the tokens, the cost from the price.
import { Counter } from 'prom-client';
import type { TSchema } from 'typebox';
import { uuidv7 } from 'uuidv7';
import type { Executor } from '../db/database.ts';
import type { Logger } from '../log/logger.ts';
import type { Metrics } from '../metrics/metrics.ts';
import { type Clock, systemClock } from '../module.ts';
import { FailedAttempt } from './breakers.ts';
import type { Failure } from './failure.ts';
import { LlmProblems, NOT_CONFIGURED_MESSAGE } from './problems.ts';
import { type LlmPrice, type LlmProviderConfig, modelRef } from './provider-list.ts';
import type { CallContext, Runtime } from './runtime.ts';
import type { LlmConfig } from './settings.ts';
import type { Llm, LlmAnswered, LlmObjectRequest, LlmRequest, LlmStream, LlmStreamPart, LlmTarget, LlmTextResult, LlmUsage } from './types.ts';
import { insertUsage, usageReport, usageTotals } from './usage-repository.ts';

export { LLM_CALL_PROBLEMS, LlmProblems } from './problems.ts';
export { estimateInputTokens } from './estimate.ts';
export { MAX_CONTEXT, MAX_PRICE, modelRef, PROVIDER_NAME, providerIssues, splitModelRef } from './provider-list.ts';
export type * from './types.ts';

export interface LlmOptions {
  /** The providers' configuration (`config.llm`); undefined: not configured. */
  config: LlmConfig | undefined;
  /** Where usage rows are written and read (the pool: a call is never part of a transaction). */
  db: Executor;
  log: Logger;
  metrics?: Metrics;
  clock?: Clock;
}

const FEATURE = /^[a-z0-9][a-z0-9_.:-]{0,63}$/;
const TOOL_NAME = /^[a-zA-Z0-9_-]{1,64}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A target with its provider found: what an attempt calls. */
interface Resolved {
  provider: LlmProviderConfig;
  model: string;
  deployment: string | undefined;
  price: LlmPrice | null;
  /** `provider/model`, as usage rows and logs name it. */
  ref: string;
}

/** What tokens cost: millionths of a minor unit (a price is per million tokens, so tokens × price). */
export const costMicrosOf = (price: LlmPrice | null, usage: LlmUsage) => (price ? Math.round(usage.inputTokens * price.input + usage.outputTokens * price.output) : 0);

export function createLlm(opts: LlmOptions): Llm {
  const { config, db, log } = opts;
  const clock = opts.clock ?? systemClock;
  let runtime: Promise<Runtime> | undefined;
  /** The runtime once loaded: every circuit is closed before the first call. */
  let loaded: Runtime | undefined;
  const load = () => {
    runtime ??= import('./runtime.ts').then((m) => {
      loaded = m.createRuntime({ maxRetries: config!.maxRetries, breaker: config!.breaker, log });
      return loaded;
    });
    return runtime;
  };
  const counters = opts.metrics && config ? createCounters(opts.metrics) : undefined;
  const providers = new Map((config?.providers ?? []).map((p) => [p.name, p]));
  const models = new Map((config?.models ?? []).map((m) => [modelRef(m), m]));

  const notConfigured = (): never => {
    throw LlmProblems.notConfigured.error(NOT_CONFIGURED_MESSAGE);
  };

  function targetsOf(ref?: string): LlmTarget[] {
    if (!config) return notConfigured();
    const first = ref === undefined ? config.models[0] : models.get(ref);
    if (!first) throw new Error(`"${ref}" is not a model of the instance's providers (provider/model)`);
    return [first, ...first.fallback.map((r) => models.get(r)!)].map((m) => ({ provider: m.provider, model: m.model, deployment: m.deployment, price: m.price }));
  }

  function resolve(t: LlmTarget): Resolved {
    const named = typeof t.provider === 'string';
    const provider = named ? providers.get(t.provider as string) : (t.provider as LlmProviderConfig);
    if (!provider) throw new Error(`an LLM target names the provider "${t.provider}", which the settings do not declare`);
    const known = named ? models.get(`${provider.name}/${t.model}`) : undefined;
    return { provider, model: t.model, deployment: t.deployment ?? known?.deployment, price: t.price === undefined ? (known?.price ?? null) : t.price, ref: `${provider.name}/${t.model}` };
  }

  function check(req: LlmRequest | LlmObjectRequest<any>): Resolved[] {
    if (!config) return notConfigured();
    if (!FEATURE.test(req.feature)) throw new Error(`LLM feature "${req.feature}" must be lower-case letters, digits and . _ : - (at most 64)`);
    if (!req.actor?.userId) throw new Error('an LLM call needs the user it is made for (actor.userId)');
    for (const name of Object.keys(('tools' in req && req.tools) || {})) {
      if (!TOOL_NAME.test(name)) throw new Error(`LLM tool name "${name}" must be 1 to 64 letters, digits, _ or - (what every provider accepts)`);
    }
    for (const id of [req.conversationId, req.messageId]) if (id !== undefined && !UUID.test(id)) throw new Error(`LLM conversationId and messageId must be UUIDs, got "${id}"`);
    const targets = (req.targets ?? targetsOf()).map(resolve);
    if (!targets.length) throw new Error('an LLM call needs at least one target');
    return targets;
  }

  /** One call: an attempt per target tried, the usage known so far, and its one row. */
  function begin(cfg: LlmConfig, req: LlmRequest | LlmObjectRequest<any>) {
    const at = clock.now();
    const started = performance.now();
    const known: LlmUsage = { inputTokens: 0, outputTokens: 0 };
    const tried: string[] = [];
    let firstTokenMs: number | null = null;

    function attempt(target: Resolved, rt: Runtime) {
      const deadline = new AbortController();
      const timer = setTimeout(() => deadline.abort(new DOMException(`no answer within ${cfg.timeoutMs} ms`, 'TimeoutError')), cfg.timeoutMs);
      timer.unref();
      let steps = 0;
      const context: CallContext = {
        model: rt.modelOf(target.provider, target.model, target.deployment),
        subject: { provider: target.provider.name, model: target.model },
        secrets: target.provider.apiKey ? [target.provider.apiKey] : [],
        signal: req.signal ? AbortSignal.any([deadline.signal, req.signal]) : deadline.signal,
        signals: { deadline: deadline.signal, caller: req.signal, timeoutMs: cfg.timeoutMs },
        addUsage(u) {
          steps++;
          known.inputTokens += u.inputTokens;
          known.outputTokens += u.outputTokens;
        },
        touch: () => void timer.refresh(),
      };
      /** Whether a step finished: then the call has answered, and is never replayed elsewhere. */
      return { context, answeredSomething: () => steps > 0, dispose: () => clearTimeout(timer) };
    }
    type Attempt = ReturnType<typeof attempt>;

    async function record(target: Resolved, outcome: 'ok' | 'error' | 'cancelled', usage: LlmUsage, errorCode: string | null): Promise<number> {
      const durationMs = Math.round(performance.now() - started);
      const labels = { feature: req.feature, provider: target.provider.kind, model: target.model };
      const costMicros = costMicrosOf(target.price, usage);
      counters?.calls.inc({ ...labels, outcome });
      counters?.tokens.inc({ ...labels, direction: 'input' }, usage.inputTokens);
      counters?.tokens.inc({ ...labels, direction: 'output' }, usage.outputTokens);
      const row = {
        id: uuidv7(),
        at,
        userId: req.actor.userId,
        orgId: req.actor.orgId,
        feature: req.feature,
        provider: target.provider.kind,
        providerName: target.provider.name,
        model: target.model,
        fallbackFrom: tried.length ? [...tried] : null,
        conversationId: req.conversationId ?? null,
        messageId: req.messageId ?? null,
        ...usage,
        costMicros,
        durationMs,
        firstTokenMs,
        outcome,
        errorCode,
      };
      try {
        await insertUsage(db, row);
      } catch (err) {
        // The answer is given (and paid for): losing its row is the operator's to know, not the caller's failure.
        const { id: _id, ...figures } = row;
        log.error({ ...figures, err: (err as Error).message }, 'LLM usage not recorded');
      }
      return costMicros;
    }

    function logFailure(target: Resolved, failure: Failure, fallback?: Resolved) {
      if (!failure.log) return;
      const fields = { feature: req.feature, provider: target.provider.name, kind: target.provider.kind, model: target.model, orgId: req.actor.orgId, durationMs: Math.round(performance.now() - started) };
      log[failure.log.level]({ ...fields, ...failure.log.fields, ...(fallback ? { fallback: fallback.ref } : {}) }, 'LLM call failed');
    }

    /** Records a failure met after the target answered, and returns what the caller gets. */
    async function failedAfterAnswer(rt: Runtime, target: Resolved, current: Attempt, err: unknown): Promise<unknown> {
      let failure: Failure;
      try {
        failure = rt.classify(err, current.context);
      } catch (bug) {
        await record(target, 'error', known, null);
        return bug;
      }
      logFailure(target, failure);
      await record(target, failure.outcome, known, failure.code ?? null);
      return failure.error;
    }

    /**
     * Tries each target in turn until one has answered: `start` runs under the provider's
     * breaker up to that point (a whole generate; a stream's first part). A provider that is
     * down hands the call to the next target, unless it had already answered a step or the
     * caller cancelled. Anything else is recorded and thrown.
     */
    async function firstAnswer<T>(rt: Runtime, targets: readonly Resolved[], start: (call: CallContext) => Promise<T>): Promise<{ value: T; target: Resolved; current: Attempt }> {
      for (const [i, target] of targets.entries()) {
        const current = attempt(target, rt);
        try {
          const value = await rt.guarded(target.provider, current.context, () => start(current.context));
          return { value, target, current };
        } catch (err) {
          current.dispose();
          // Cancelled while waiting on a half-open circuit's trial: the caller's reason, as anywhere else.
          if (!(err instanceof FailedAttempt) && req.signal?.aborted) {
            await record(target, 'cancelled', known, null);
            throw req.signal.reason;
          }
          if (!(err instanceof FailedAttempt)) {
            await record(target, 'error', known, null);
            throw err;
          }
          const { failure } = err;
          const next = failure.providerDown && !current.answeredSomething() && !req.signal?.aborted ? targets[i + 1] : undefined;
          logFailure(target, failure, next);
          if (next) {
            tried.push(target.ref);
            continue;
          }
          await record(target, failure.outcome, known, failure.code ?? null);
          throw failure.error;
        }
      }
      throw new Error('unreachable: a call has at least one target');
    }

    return {
      firstAnswer,
      record,
      failedAfterAnswer,
      answered: (target: Resolved): LlmAnswered => ({ provider: target.provider.name, model: target.model, fallbackFrom: [...tried] }),
      firstToken: () => {
        firstTokenMs ??= Math.round(performance.now() - started);
      },
    };
  }

  async function run<T extends { usage: LlmUsage }>(req: LlmRequest | LlmObjectRequest<any>, fn: (rt: Runtime, call: CallContext) => Promise<T>) {
    const targets = check(req);
    const rt = await load();
    const call = begin(config!, req);
    const { value, target, current } = await call.firstAnswer(rt, targets, (context) => fn(rt, context));
    current.dispose();
    const costMicros = await call.record(target, 'ok', value.usage, null);
    return { ...value, answered: call.answered(target), costMicros };
  }

  const defaultModel = config?.models[0];
  return {
    configured: config !== undefined,
    provider: defaultModel ? providers.get(defaultModel.provider)?.kind : undefined,
    model: defaultModel?.model,
    currency: config?.currency ?? 'USD',
    providers: (config?.providers ?? []).map((p) => ({ name: p.name, kind: p.kind })),
    models: config?.models ?? [],
    targetsOf,
    circuit: (provider) => {
      const p = typeof provider === 'string' ? providers.get(provider) : provider;
      return p && loaded ? loaded.circuit(p) : 'closed';
    },
    require() {
      if (!config) notConfigured();
    },
    generateText: (req) => run(req, (rt, call) => rt.generateText(call, req)),
    generateObject: <S extends TSchema>(req: LlmObjectRequest<S>) => run(req, (rt, call) => rt.generateObject(call, req)),
    streamText(req) {
      const targets = check(req);
      return bufferedStream(async (push) => {
        const rt = await load();
        const call = begin(config!, req);
        const { value, target, current } = await call.firstAnswer(rt, targets, async (context) => {
          let answering!: () => void;
          const answered = new Promise<void>((resolve) => {
            answering = resolve;
          });
          let first = true;
          const result = rt.streamText(context, req, (part) => {
            if (first) {
              first = false;
              call.firstToken();
              answering();
            }
            push(part);
          });
          // Under the breaker (and retried elsewhere) up to the first part, or the end of an answer without any.
          await Promise.race([answered, result]);
          return { result };
        });
        try {
          const answer = await value.result;
          const costMicros = await call.record(target, 'ok', answer.usage, null);
          const answered = call.answered(target);
          push({ type: 'finish', finishReason: answer.finishReason, usage: answer.usage, costMicros, answered });
          return { ...answer, answered, costMicros };
        } catch (err) {
          throw await call.failedAfterAnswer(rt, target, current, err);
        } finally {
          current.dispose();
        }
      });
    },
    usage: (query, exec = db) => usageTotals(exec, query),
    usageReport: (query) => usageReport(db, query),
  };
}

/**
 * Runs `produce` at once, to the end, whether or not anyone reads: the parts wait in a buffer
 * (an answer is a few kilobytes), so a reader that goes away (a dropped client) neither stalls
 * the answer nor loses its usage. Cancelling is the caller's signal's job. A reader by `each`
 * takes the parts as they are pushed, without the buffer.
 */
function bufferedStream(produce: (push: (part: LlmStreamPart) => void) => Promise<LlmTextResult>): LlmStream {
  const parts: LlmStreamPart[] = [];
  let settled = false;
  let failure: { error: unknown } | undefined;
  let wake: (() => void) | undefined;
  let listener: ((part: LlmStreamPart) => void) | undefined;
  const push = (part: LlmStreamPart) => {
    if (listener) return listener(part);
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
  const readOnce = () => {
    if (read) throw new Error('an LLM stream can be read once');
    read = true;
  };
  return {
    result,
    each(onPart) {
      readOnce();
      for (const part of parts.splice(0)) onPart(part);
      listener = onPart;
      return result;
    },
    async *[Symbol.asyncIterator]() {
      readOnce();
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
