// One streamed model call, straight from the provider's `doStream` (the AI SDK's language model
// interface), for the calls that need nothing of streamText's loop: one step, and tools without
// `execute` (their calls come back to the caller). streamText would put each delta through a
// further seven web-stream stages of its own (steps, tool execution, output parsing, a tee per
// reader) and, for LLM_TIMEOUT's wait between chunks, a raw part per chunk through all of them:
// three quarters of a streamed delta's CPU on the server (decision 0060). The prompt, the tools,
// the call settings and the retries are prepared by the SDK's own functions (`ai/internal`),
// and tool calls are checked as streamText checks them, so the provider sees the same request.
import { asSchema, InvalidPromptError, InvalidToolInputError, type LanguageModel, NoSuchToolError, parsePartialJson, ToolChoiceViolationError, type ToolSet } from 'ai';
import { asLanguageModelUsage, convertToLanguageModelPrompt, prepareCallSettings, prepareRetries, prepareToolsAndToolChoice } from 'ai/internal';
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

/** Where a stream's parts come from: an opened answer (chat-completions.ts), or a model's web stream. */
interface PartSource {
  read(onPart: (part: StreamPart) => void): Promise<void>;
  cancel(): void;
}

/**
 * Hands each part to `onPart` as the provider's response brings it (synchronously, no stage in
 * between), and returns the result; throws what the provider reported, as is (classify maps it).
 */
export async function directStream(
  call: DirectCall,
  req: LlmRequest,
  tools: ToolSet | undefined,
  toolChoice: Parameters<typeof prepareToolsAndToolChoice>[0]['toolChoice'],
  onPart: (part: LlmStreamPart) => void,
): Promise<Omit<LlmTextResult, 'answered' | 'costMicros'>> {
  const { model, signal } = call;
  const prompt = promptOf(req);
  const promptMessages = await convertToLanguageModelPrompt({ prompt, supportedUrls: await model.supportedUrls, download: undefined, abortSignal: signal });
  const prepared = await prepareToolsAndToolChoice({ tools, toolChoice, activeTools: undefined });
  const settings = prepareCallSettings({ maxOutputTokens: req.maxOutputTokens, temperature: req.temperature });
  const { retry } = prepareRetries({ maxRetries: call.maxRetries, abortSignal: signal });
  const options = { ...settings, tools: prepared.tools, toolChoice: prepared.toolChoice, prompt: promptMessages, abortSignal: signal, includeRawChunks: true };
  const source: PartSource = await retry(async () => (isOpenable(model) ? await model.openStream(options) : sourceOf((await model.doStream(options)).stream)));

  let text = '';
  const toolCalls: LlmToolCall[] = [];
  let finishReason: LlmFinishReason = 'other';
  let usage: LlmUsage = { inputTokens: 0, outputTokens: 0 };

  /** One part; a promise only for a tool call, whose input is checked asynchronously. */
  function handle(part: StreamPart): Promise<void> | undefined {
    call.touch();
    switch (part.type) {
      case 'stream-start':
        call.warn(part.warnings);
        return;
      case 'text-delta':
        if (part.delta) {
          text += part.delta;
          onPart({ type: 'text', text: part.delta });
        }
        return;
      case 'tool-call':
        return toolCallOf(tools, part).then((c) => {
          toolCalls.push(c);
          // As streamText: a call the model makes though told to make none is held back, and the answer fails at its end.
          if (toolChoice !== 'none') onPart({ type: 'tool-call', ...c });
        });
      case 'finish': {
        finishReason = part.finishReason.unified as LlmFinishReason;
        const u = asLanguageModelUsage(part.usage);
        usage = { inputTokens: u.inputTokens ?? 0, outputTokens: u.outputTokens ?? 0 };
        if (toolChoice === 'none' && toolCalls.length) {
          throw new ToolChoiceViolationError({ toolChoice: { type: 'none' }, finishReason, provider: model.provider, modelId: model.modelId, content: [] });
        }
        call.addUsage(usage);
        onPart({ type: 'usage', usage });
        return;
      }
      case 'error':
        throw part.error;
    }
  }

  // While a tool call is checked, the parts after it wait their turn here.
  let waiting: StreamPart[] | null = null;
  let checked: Promise<void> = Promise.resolve();
  let checkFailure: { error: unknown } | undefined;
  const take = (part: StreamPart) => {
    if (waiting) return void waiting.push(part);
    const pending = handle(part);
    if (!pending) return;
    const queue: StreamPart[] = [];
    waiting = queue;
    checked = (async () => {
      await pending;
      while (queue.length) await handle(queue.shift()!);
      waiting = null;
    })();
    // A failure there ends the answer: the provider's response is closed now, and the failure is the answer's.
    checked.catch((error: unknown) => {
      checkFailure ??= { error };
      source.cancel();
    });
  };

  let done = false;
  try {
    try {
      await source.read(take);
    } catch (err) {
      // The signal fired (LLM_TIMEOUT or the caller): classify tells which.
      if (signal.aborted) throw signal.reason;
      throw checkFailure ? checkFailure.error : err;
    }
    await checked;
    done = true;
  } finally {
    // Ended early (an error, a stop): the provider's request is aborted with the stream.
    if (!done) source.cancel();
  }
  const content = [...(text ? [{ type: 'text' as const, text }] : []), ...toolCalls.map((c) => ({ type: 'tool-call' as const, toolCallId: c.toolCallId, toolName: c.toolName, input: c.input }))];
  return { text, toolCalls, toolResults: [], finishReason, usage, responseMessages: content.length ? [{ role: 'assistant', content }] : [] };
}

/**
 * The prompt as the SDK's standardizePrompt gives it, with its refusal of no messages but not the zod check of
 * every message against the ModelMessage schema, a twentieth of an answer's start on the server
 * (BENCHMARKS.md, chat). The messages are Trellis's own, typed as ModelMessage where they are
 * built; one the provider's conversion cannot take still fails there.
 */
function promptOf(req: LlmRequest): { system: string | undefined; messages: LlmRequest['messages'] } {
  if (!req.messages.length) throw new InvalidPromptError({ prompt: req.messages, message: 'messages must not be empty' });
  return { system: req.system, messages: req.messages };
}

/** A model's web stream as a part source: `cancel()` cancels it. */
function sourceOf(stream: ReadableStream<StreamPart>): PartSource {
  const reader = stream.getReader();
  return {
    async read(onPart) {
      for (;;) {
        const next = await reader.read();
        if (next.done) return;
        onPart(next.value);
      }
    },
    cancel: () => void reader.cancel().catch(() => {}),
  };
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
