// One streamed model call, straight from the provider's `doStream` (the AI SDK's language model
// interface), for the calls that need nothing of streamText's loop: one step, and tools without
// `execute` (their calls come back to the caller). streamText would put each delta through a
// further seven web-stream stages of its own (steps, tool execution, output parsing, a tee per
// reader) and, for LLM_TIMEOUT's wait between chunks, a raw part per chunk through all of them:
// three quarters of a streamed delta's CPU on the server (decision 0060). The prompt, the tools,
// the call settings and the retries are prepared by the SDK's own functions (`ai/internal`),
// and tool calls are checked as streamText checks them, so the provider sees the same request.
import { asSchema, InvalidToolInputError, type LanguageModel, NoSuchToolError, parsePartialJson, ToolChoiceViolationError, type ToolSet } from 'ai';
import { asLanguageModelUsage, convertToLanguageModelPrompt, prepareCallSettings, prepareRetries, prepareToolsAndToolChoice, standardizePrompt } from 'ai/internal';
import { isOpenable } from './chat-completions.ts';
import type { LlmFinishReason, LlmRequest, LlmStreamPart, LlmTextResult, LlmToolCall, LlmUsage } from './types.ts';

/** A model object of the SDK's current interface: what `doStream` is called on. */
export type DirectModel = Extract<LanguageModel, { specificationVersion: 'v3' }>;
type StreamPart = Awaited<ReturnType<DirectModel['doStream']>>['stream'] extends ReadableStream<infer P> ? P : never;
type ToolCallPart = Extract<StreamPart, { type: 'tool-call' }>;

export interface DirectCall {
  model: DirectModel;
  signal: AbortSignal;
  maxRetries: number;
  /** Each part read from the provider (a raw chunk included): LLM_TIMEOUT's wait starts again. */
  touch(): void;
  addUsage(usage: LlmUsage): void;
  warn(warnings: readonly unknown[] | undefined): void;
}

/** Whether a request can take the direct path: one step, and no tool the SDK would have to run. */
export function directStreamFits(call: { model: LanguageModel }, req: LlmRequest): call is { model: DirectModel } {
  const model = call.model;
  return typeof model === 'object' && model.specificationVersion === 'v3' && (req.maxSteps ?? 1) === 1 && !Object.values(req.tools ?? {}).some((t) => t.execute);
}

/** Yields the parts, returns the result; throws what the provider reported, as is (classify maps it). */
export async function* directStream(call: DirectCall, req: LlmRequest, tools: ToolSet | undefined, toolChoice: Parameters<typeof prepareToolsAndToolChoice>[0]['toolChoice']): AsyncGenerator<LlmStreamPart, Omit<LlmTextResult, 'answered' | 'costMicros'>> {
  const { model, signal } = call;
  const prompt = await standardizePrompt({ system: req.system, messages: req.messages });
  const promptMessages = await convertToLanguageModelPrompt({ prompt, supportedUrls: await model.supportedUrls, download: undefined, abortSignal: signal });
  const prepared = await prepareToolsAndToolChoice({ tools, toolChoice, activeTools: undefined });
  const settings = prepareCallSettings({ maxOutputTokens: req.maxOutputTokens, temperature: req.temperature });
  const { retry } = prepareRetries({ maxRetries: call.maxRetries, abortSignal: signal });
  const options = { ...settings, tools: prepared.tools, toolChoice: prepared.toolChoice, prompt: promptMessages, abortSignal: signal, includeRawChunks: true };
  const reader = await retry(async () => (isOpenable(model) ? (await model.openStream(options)).parts : readerOf((await model.doStream(options)).stream)));

  let done = false;
  let text = '';
  const toolCalls: LlmToolCall[] = [];
  let finishReason: LlmFinishReason = 'other';
  let usage: LlmUsage = { inputTokens: 0, outputTokens: 0 };
  try {
    for (;;) {
      let next: IteratorResult<StreamPart, void>;
      try {
        next = await reader.next();
      } catch (err) {
        // The signal fired (LLM_TIMEOUT or the caller): classify tells which.
        if (signal.aborted) throw signal.reason;
        throw err;
      }
      if (next.done) {
        done = true;
        break;
      }
      call.touch();
      const part = next.value;
      switch (part.type) {
        case 'stream-start':
          call.warn(part.warnings);
          break;
        case 'text-delta':
          if (part.delta) {
            text += part.delta;
            yield { type: 'text', text: part.delta };
          }
          break;
        case 'tool-call': {
          const c = await toolCallOf(tools, part);
          toolCalls.push(c);
          // As streamText: a call the model makes though told to make none is held back, and the answer fails at its end.
          if (toolChoice !== 'none') yield { type: 'tool-call', ...c };
          break;
        }
        case 'finish': {
          finishReason = part.finishReason.unified as LlmFinishReason;
          const u = asLanguageModelUsage(part.usage);
          usage = { inputTokens: u.inputTokens ?? 0, outputTokens: u.outputTokens ?? 0 };
          if (toolChoice === 'none' && toolCalls.length) {
            throw new ToolChoiceViolationError({ toolChoice: { type: 'none' }, finishReason, provider: model.provider, modelId: model.modelId, content: [] });
          }
          call.addUsage(usage);
          yield { type: 'usage', usage };
          break;
        }
        case 'error':
          throw part.error;
      }
    }
  } finally {
    // Ended early (an error, a stop): the provider's request is aborted with the stream.
    if (!done) await reader.return().catch(() => {});
  }
  const content = [...(text ? [{ type: 'text' as const, text }] : []), ...toolCalls.map((c) => ({ type: 'tool-call' as const, toolCallId: c.toolCallId, toolName: c.toolName, input: c.input }))];
  return { text, toolCalls, toolResults: [], finishReason, usage, responseMessages: content.length ? [{ role: 'assistant', content }] : [] };
}

/** A model's stream read as the parts of an opened one (chat-completions.ts): `return()` cancels it. */
async function* readerOf(stream: ReadableStream<StreamPart>): AsyncGenerator<StreamPart, void> {
  const reader = stream.getReader();
  let done = false;
  try {
    for (;;) {
      const next = await reader.read();
      if (next.done) {
        done = true;
        return;
      }
      yield next.value;
    }
  } finally {
    if (!done) await reader.cancel().catch(() => {});
  }
}

/** The call with its input parsed and checked against the tool's schema; a call that fails either is flagged `invalid`, as streamText flags it. */
async function toolCallOf(tools: ToolSet | undefined, part: ToolCallPart): Promise<LlmToolCall> {
  const { toolCallId, toolName } = part;
  const tool = tools?.[toolName];
  const parsed: Parsed = part.input.trim() === '' ? { ok: true, value: {} } : await parseInput(part.input);
  let error: Error;
  if (!tool) {
    error = new NoSuchToolError({ toolName, availableTools: Object.keys(tools ?? {}) });
  } else if (!parsed.ok) {
    error = new InvalidToolInputError({ toolName, toolInput: part.input, cause: parsed.error });
  } else {
    const checked = await asSchema(tool.inputSchema).validate?.(parsed.value);
    if (!checked || checked.success) return { toolCallId, toolName, input: checked ? checked.value : parsed.value };
    error = new InvalidToolInputError({ toolName, toolInput: part.input, cause: checked.error });
  }
  // Parsed again: the check may have pruned the value it refused.
  const raw = parsed.ok ? await parseInput(part.input) : parsed;
  return { toolCallId, toolName, input: raw.ok ? raw.value : part.input, invalid: error.message };
}

type Parsed = { ok: true; value: unknown } | { ok: false; error: Error };

/** The SDK's JSON parser (guarded against prototype keys); only a complete document counts. */
async function parseInput(text: string): Promise<Parsed> {
  const r = await parsePartialJson(text);
  return r.state === 'successful-parse' ? { ok: true, value: r.value } : { ok: false, error: new Error('the input is not valid JSON') };
}
