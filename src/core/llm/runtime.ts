// The calls themselves, through the AI SDK. index.ts loads this file on the first call, so the
// SDK and the providers' clients cost nothing to a server without a model (decision 0019).
import { generateText, type LanguageModel, type LanguageModelUsage, Output, stepCountIs, streamText, type ToolSet, type TypedToolCall } from 'ai';
import type { Logger } from '../log/logger.ts';
import { type CallSignals, classify, type Failure } from './failures.ts';
import { createModel, sdkSchema, sdkTools } from './provider.ts';
import type { LlmConfig } from './settings.ts';
import type { LlmFinishReason, LlmObjectRequest, LlmObjectResult, LlmRequest, LlmStreamPart, LlmTextResult, LlmToolCall, LlmToolResult, LlmUsage } from './types.ts';

// The SDK writes its warnings (a setting a provider ignores) to the console; ours go to the log, once each.
globalThis.AI_SDK_LOG_WARNINGS = false;

/** What the service gives each call: its signal (the caller's and LLM_TIMEOUT's) and where its usage goes. */
export interface CallContext {
  signal: AbortSignal;
  signals: CallSignals;
  /** Adds a finished step's tokens: what is known even when a later step fails. */
  addUsage(usage: LlmUsage): void;
  /** A chunk arrived: the stream's deadline starts again. */
  touch(): void;
}

export interface Runtime {
  generateText(call: CallContext, req: LlmRequest): Promise<LlmTextResult>;
  generateObject<T>(call: CallContext, req: LlmObjectRequest<any>): Promise<LlmObjectResult<T>>;
  /** Yields the parts, returns the result; throws what the SDK reported, as is (classify maps it). */
  streamText(call: CallContext, req: LlmRequest): AsyncGenerator<LlmStreamPart, LlmTextResult>;
  classify(err: unknown, call: CallContext): Failure;
}

export function createRuntime(config: LlmConfig, log: Logger): Runtime {
  const model: LanguageModel = createModel(config);
  const secrets = config.apiKey ? [config.apiKey] : [];
  const warned = new Set<string>();
  const warn = (warnings: readonly unknown[] | undefined) => {
    for (const w of warnings ?? []) {
      const text = JSON.stringify(w);
      if (warned.has(text)) continue;
      warned.add(text);
      log.warn({ provider: config.provider, model: config.model, warning: w }, 'the language model provider ignores part of a request');
    }
  };

  const common = (call: CallContext, req: LlmRequest | LlmObjectRequest<any>) => ({
    model,
    system: req.system,
    messages: req.messages,
    maxOutputTokens: req.maxOutputTokens,
    temperature: req.temperature,
    maxRetries: config.maxRetries,
    abortSignal: call.signal,
  });

  return {
    async generateText(call, req) {
      const r = await generateText({
        ...common(call, req),
        tools: sdkTools(req.tools),
        toolChoice: toolChoiceOf(req.toolChoice),
        stopWhen: stepCountIs(req.maxSteps ?? 1),
        onStepFinish: (step) => call.addUsage(usageOf(step.usage)),
      });
      warn(r.warnings);
      return {
        text: r.text,
        toolCalls: r.toolCalls.map(toolCallOf),
        toolResults: r.steps.flatMap((s) => toolResultsOf(s.content)),
        finishReason: r.finishReason as LlmFinishReason,
        usage: usageOf(r.totalUsage),
        responseMessages: r.response.messages,
      };
    },

    async generateObject<T>(call: CallContext, req: LlmObjectRequest<any>): Promise<LlmObjectResult<T>> {
      const { schema, strict } = sdkSchema<T>(req.schema);
      const r = await generateText({
        ...common(call, req),
        output: Output.object({ schema, name: req.schemaName, description: req.schemaDescription }),
        // OpenAI's strict structured outputs only take schemas whose every property is required.
        providerOptions: { openai: { strictJsonSchema: strict }, openaiCompatible: { strictJsonSchema: strict } },
        onStepFinish: (step) => call.addUsage(usageOf(step.usage)),
      });
      warn(r.warnings);
      return { object: r.output as T, finishReason: r.finishReason as LlmFinishReason, usage: usageOf(r.totalUsage) };
    },

    async *streamText(call, req) {
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
            if (part.text) yield { type: 'text', text: part.text };
            break;
          case 'tool-call': {
            const c = toolCallOf(part);
            if (c.invalid) invalid.add(c.toolCallId);
            yield { type: 'tool-call', ...c };
            break;
          }
          case 'tool-result':
            yield { type: 'tool-result', toolCallId: part.toolCallId, toolName: part.toolName, output: part.output };
            break;
          case 'tool-error':
            // An invalid call's error repeats what its tool-call part said; only a failed execute is news.
            if (!invalid.has(part.toolCallId)) yield { type: 'tool-result', toolCallId: part.toolCallId, toolName: part.toolName, output: messageOf(part.error), isError: true };
            break;
          case 'start-step':
            warn(part.warnings);
            break;
          case 'finish-step':
            call.addUsage(usageOf(part.usage));
            break;
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

    classify: (err, call) => classify(err, call.signals, secrets),
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
