// The calls themselves, through the AI SDK, and each provider's client and circuit breaker.
// index.ts loads this file on the first call, so the SDK, the providers' clients and cockatiel
// cost nothing to a server without a model (decision 0019).
import { createHash } from 'node:crypto';
import { generateText, type LanguageModel, type LanguageModelUsage, Output, stepCountIs, streamText, type ToolSet, type TypedToolCall } from 'ai';
import type { Logger } from '../log/logger.ts';
import { createBreakers } from './breakers.ts';
import { directStream, directStreamFits } from './direct-stream.ts';
import { type CallSignals, classify, type Failure } from './failures.ts';
import { createModel, sdkSchema, sdkTools } from './provider.ts';
import type { LlmProviderConfig } from './provider-list.ts';
import type { LlmCircuitState, LlmFinishReason, LlmObjectRequest, LlmObjectResult, LlmRequest, LlmStreamPart, LlmTextResult, LlmToolCall, LlmToolResult, LlmUsage } from './types.ts';


// The SDK writes its warnings (a setting a provider ignores) to the console; ours go to the log, once each.
globalThis.AI_SDK_LOG_WARNINGS = false;

/** What the service gives each attempt: the model, its signal (the caller's and LLM_TIMEOUT's) and where its usage goes. */
export interface CallContext {
  model: LanguageModel;
  /** The provider's name and the model's, for the log. */
  subject: { provider: string; model: string };
  /** What the log never shows (the provider's key). */
  secrets: readonly string[];
  signal: AbortSignal;
  signals: CallSignals;
  /** Adds a finished step's tokens: what is known even when a later step fails. */
  addUsage(usage: LlmUsage): void;
  /** A chunk arrived: the stream's deadline starts again. */
  touch(): void;
}

/** A result before the service adds who answered and what it cost. */
export type Answer<T> = Omit<T, 'answered' | 'costMicros'>;

export interface Runtime {
  generateText(call: CallContext, req: LlmRequest): Promise<Answer<LlmTextResult>>;
  generateObject<T>(call: CallContext, req: LlmObjectRequest<any>): Promise<Answer<LlmObjectResult<T>>>;
  /** Hands each part to `onPart` as it comes (synchronously, in order), returns the result; throws what the SDK reported, as is (classify maps it). */
  streamText(call: CallContext, req: LlmRequest, onPart: (part: LlmStreamPart) => void): Promise<Answer<LlmTextResult>>;
  classify(err: unknown, call: CallContext): Failure;
  /** The chat model of a provider, built once per provider, key, address and model (a bounded cache). */
  modelOf(provider: LlmProviderConfig, model: string, deployment: string | undefined): LanguageModel;
  /**
   * Runs `fn` through the provider's circuit breaker: its value, or FailedAttempt with the
   * failure classified (a provider that is down counts toward opening the circuit; an open
   * circuit fails at once without calling `fn`). A bug is thrown as it is.
   */
  guarded<T>(provider: LlmProviderConfig, call: CallContext, fn: () => Promise<T>): Promise<T>;
  circuit(provider: LlmProviderConfig): LlmCircuitState;
}

export interface RuntimeOptions {
  maxRetries: number;
  breaker: { failures: number; cooldownMs: number };
  log: Logger;
}

const MAX_CLIENTS = 256;

/** Identifies a provider for its breaker: the caller's id, else its instance name. */
export const providerId = (p: LlmProviderConfig) => p.id ?? `instance:${p.name}`;

export function createRuntime(opts: RuntimeOptions): Runtime {
  const { log, maxRetries } = opts;
  const breakers = createBreakers(opts.breaker);
  const clients = new Map<string, LanguageModel>();
  const warned = new Set<string>();
  const warn = (call: CallContext, warnings: readonly unknown[] | undefined) => {
    for (const w of warnings ?? []) {
      const text = JSON.stringify(w);
      if (warned.has(text)) continue;
      warned.add(text);
      log.warn({ ...call.subject, warning: w }, 'the language model provider ignores part of a request');
    }
  };

  const common = (call: CallContext, req: LlmRequest | LlmObjectRequest<any>) => ({
    model: call.model,
    system: req.system,
    messages: req.messages,
    maxOutputTokens: req.maxOutputTokens,
    temperature: req.temperature,
    maxRetries,
    abortSignal: call.signal,
  });

  return {
    async generateText(call, req): Promise<Answer<LlmTextResult>> {
      const r = await generateText({
        ...common(call, req),
        tools: sdkTools(req.tools),
        toolChoice: toolChoiceOf(req.toolChoice),
        stopWhen: stepCountIs(req.maxSteps ?? 1),
        onStepFinish: (step) => call.addUsage(usageOf(step.usage)),
      });
      warn(call, r.warnings);
      return {
        text: r.text,
        toolCalls: r.toolCalls.map(toolCallOf),
        toolResults: r.steps.flatMap((s) => toolResultsOf(s.content)),
        finishReason: r.finishReason as LlmFinishReason,
        usage: usageOf(r.totalUsage),
        responseMessages: r.response.messages,
      };
    },

    async generateObject<T>(call: CallContext, req: LlmObjectRequest<any>): Promise<Answer<LlmObjectResult<T>>> {
      const { schema, strict } = sdkSchema<T>(req.schema);
      const r = await generateText({
        ...common(call, req),
        output: Output.object({ schema, name: req.schemaName, description: req.schemaDescription }),
        // OpenAI's strict structured outputs only take schemas whose every property is required.
        providerOptions: { openai: { strictJsonSchema: strict }, openaiCompatible: { strictJsonSchema: strict } },
        onStepFinish: (step) => call.addUsage(usageOf(step.usage)),
      });
      warn(call, r.warnings);
      return { object: r.output as T, finishReason: r.finishReason as LlmFinishReason, usage: usageOf(r.totalUsage) };
    },

    async streamText(call, req, onPart): Promise<Answer<LlmTextResult>> {
      if (directStreamFits(call, req)) {
        const direct = { model: call.model, signal: call.signal, maxRetries, touch: call.touch, addUsage: call.addUsage, warn: (w: readonly unknown[] | undefined) => warn(call, w) };
        return directStream(direct, req, sdkTools(req.tools), toolChoiceOf(req.toolChoice), onPart);
      }
      const s = streamText({
        ...common(call, req),
        tools: sdkTools(req.tools),
        toolChoice: toolChoiceOf(req.toolChoice),
        stopWhen: stepCountIs(req.maxSteps ?? 1),
        // Errors arrive as parts of the stream (below); without this the SDK prints them to the console.
        onError: () => {},
        // A part per provider chunk, as it arrives: what LLM_TIMEOUT's wait between chunks is measured on
        // (the SDK holds some chunks back, such as the finish and the usage, until the stream ends).
        includeRawChunks: true,
      });
      const invalid = new Set<string>();
      let finishReason: LlmFinishReason = 'other';
      let usage: LlmUsage = { inputTokens: 0, outputTokens: 0 };
      for await (const part of s.fullStream) {
        call.touch();
        switch (part.type) {
          case 'text-delta':
            if (part.text) onPart({ type: 'text', text: part.text });
            break;
          case 'tool-call': {
            const c = toolCallOf(part);
            if (c.invalid) invalid.add(c.toolCallId);
            onPart({ type: 'tool-call', ...c });
            break;
          }
          case 'tool-result':
            onPart({ type: 'tool-result', toolCallId: part.toolCallId, toolName: part.toolName, output: part.output });
            break;
          case 'tool-error':
            // An invalid call's error repeats what its tool-call part said; only a failed execute is news.
            if (!invalid.has(part.toolCallId)) onPart({ type: 'tool-result', toolCallId: part.toolCallId, toolName: part.toolName, output: messageOf(part.error), isError: true });
            break;
          case 'start-step':
            warn(call, part.warnings);
            break;
          case 'finish-step': {
            const step = usageOf(part.usage);
            call.addUsage(step);
            onPart({ type: 'usage', usage: step });
            break;
          }
          case 'finish':
            finishReason = part.finishReason as LlmFinishReason;
            usage = usageOf(part.totalUsage);
            break;
          case 'error':
            throw part.error;
          case 'abort':
            // The signal fired (LLM_TIMEOUT or the caller): classify tells which.
            throw call.signal.reason;
        }
      }
      const [text, toolCalls, steps, response] = await Promise.all([s.text, s.toolCalls, s.steps, s.response]);
      return {
        text,
        toolCalls: toolCalls.map(toolCallOf),
        toolResults: steps.flatMap((step) => toolResultsOf(step.content)),
        finishReason,
        usage,
        responseMessages: response.messages,
      };
    },

    classify: (err, call) => classify(err, call.signals, call.secrets, call.subject.provider),

    modelOf(provider, model, deployment) {
      const azure = provider.azure ? `${provider.azure.resource}|${provider.azure.apiVersion}` : '';
      const key = createHash('sha256').update([providerId(provider), provider.kind, provider.baseUrl, provider.apiKey, azure, model, deployment].join('\u0000')).digest('base64url');
      let client = clients.get(key);
      if (client) {
        clients.delete(key); // most recently used last
      } else {
        client = createModel(provider, model, deployment);
        if (clients.size >= MAX_CLIENTS) clients.delete(clients.keys().next().value!);
      }
      clients.set(key, client);
      return client;
    },

    guarded: (provider, call, fn) =>
      breakers.run(providerId(provider), call.signal, async () => {
        try {
          return await fn();
        } catch (err) {
          throw breakers.failedAttempt(classify(err, call.signals, call.secrets, call.subject.provider));
        }
      }),

    circuit: (provider) => breakers.state(providerId(provider)),
  };
}

const usageOf = (u: LanguageModelUsage | undefined): LlmUsage => ({ inputTokens: u?.inputTokens ?? 0, outputTokens: u?.outputTokens ?? 0 });

function toolCallOf(c: TypedToolCall<ToolSet>): LlmToolCall {
  const call: LlmToolCall = { toolCallId: c.toolCallId, toolName: c.toolName, input: c.input };
  if ('invalid' in c && c.invalid) call.invalid = messageOf(c.error);
  return call;
}

function toolResultsOf(content: readonly { type: string }[]): LlmToolResult[] {
  const invalid = new Set(content.flatMap((p: any) => (p.type === 'tool-call' && p.invalid ? [p.toolCallId] : [])));
  return content.flatMap((p: any): LlmToolResult[] => {
    if (p.type === 'tool-result') return [{ toolCallId: p.toolCallId, toolName: p.toolName, output: p.output }];
    if (p.type === 'tool-error' && !invalid.has(p.toolCallId)) return [{ toolCallId: p.toolCallId, toolName: p.toolName, output: messageOf(p.error), isError: true }];
    return [];
  });
}

const toolChoiceOf = (choice: LlmRequest['toolChoice']) => (typeof choice === 'object' ? { type: 'tool' as const, toolName: choice.toolName } : choice);

const messageOf = (err: unknown) => (err instanceof Error ? err.message : String(err));
