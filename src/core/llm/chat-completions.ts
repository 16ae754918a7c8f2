// The chat model of an OpenAI-compatible server (`LLM_PROVIDER=openai-compatible`: Ollama, vLLM,
// LM Studio, a gateway), with its streamed answers read in one pass (decision 0061).
//
// The AI SDK's own model reads a streamed answer through undici's body and four web-stream
// stages (text decoding, the SSE parser, a JSON parse with a zod check of every chunk, its
// mapping to the SDK's parts): as much CPU per delta as a whole bare relay, and kilobytes per
// stage for as long as the answer is written (BENCHMARKS.md, chat). This model sends the request
// the SDK's model would send, built by the SDK's own functions (`@ai-sdk/openai-compatible/internal`;
// the same body and headers, the same APICallError for a refused request, so the same retries),
// over node:http (through the SSRF guard for an address users gave), and reads the response
// itself: the socket's text split into events here, each chunk mapped to the SDK's stream parts
// as the SDK's model maps them, tool calls through the SDK's own tracker. Everything else
// (`doGenerate`, the supported URLs) is the SDK's model's.
import type { IncomingMessage } from 'node:http';
import { VERSION as COMPATIBLE_VERSION } from '@ai-sdk/openai-compatible';
import { convertOpenAICompatibleChatUsage, convertToOpenAICompatibleChatMessages, getResponseMetadata, mapOpenAICompatibleFinishReason, prepareTools } from '@ai-sdk/openai-compatible/internal';
import type { LanguageModelV3, LanguageModelV3CallOptions, LanguageModelV3FinishReason, LanguageModelV3StreamPart, SharedV3Warning } from '@ai-sdk/provider';
import { APICallError, InvalidResponseDataError, JSONParseError, TypeValidationError } from '@ai-sdk/provider';
import { combineHeaders, getRuntimeEnvironmentUserAgent, VERSION as UTILS_VERSION, StreamingToolCallTracker, withUserAgentSuffix } from '@ai-sdk/provider-utils';
import type { NodeRequest } from '../net/guarded-fetch.ts';
import { UrlNotAllowedError } from '../net/ssrf-guard.ts';

export interface ChatCompletionsConfig {
  /** The provider's name in the SDK's parts and metadata (`openai-compatible`). */
  name: string;
  baseUrl: string;
  apiKey: string | undefined;
  /** node:http, or the SSRF-guarded request for an address users gave. */
  request: NodeRequest;
}

/** A streamed answer opened: its parts, read one at a time; `return()` closes the response. */
export interface OpenedStream {
  parts: AsyncGenerator<LanguageModelV3StreamPart, void>;
  request: { body: unknown };
  response: { headers: Record<string, string> };
}

/** A model whose streamed answers can be read without a web stream in between (direct-stream.ts). */
export interface OpenableModel extends LanguageModelV3 {
  /** A text stream: no `responseFormat`, no `providerOptions` (doStream hands those to the SDK's model). */
  openStream(options: LanguageModelV3CallOptions): Promise<OpenedStream>;
}

export const isOpenable = (model: unknown): model is OpenableModel => typeof (model as Partial<OpenableModel> | null)?.openStream === 'function';

/** The most of a refused request's body kept for its error (the SDK keeps it whole; a provider's error is short). */
const MAX_ERROR_BODY = 64 * 1024;

/** `sdkModel`: the SDK's chat model of the same provider and model, which answers everything but streams. */
export function chatCompletionsModel(sdkModel: LanguageModelV3, config: ChatCompletionsConfig): OpenableModel {
  const url = `${config.baseUrl.replace(/\/+$/, '')}/chat/completions`;

  async function openStream(options: LanguageModelV3CallOptions): Promise<OpenedStream> {
    const { tools, toolChoice, toolWarnings } = prepareTools({ tools: options.tools, toolChoice: options.toolChoice });
    const warnings: SharedV3Warning[] = [...unsupported(options), ...toolWarnings];
    // The body the SDK's model sends for these settings (undefined fields are not sent).
    const body = {
      model: sdkModel.modelId,
      max_tokens: options.maxOutputTokens,
      temperature: options.temperature,
      top_p: options.topP,
      frequency_penalty: options.frequencyPenalty,
      presence_penalty: options.presencePenalty,
      stop: options.stopSequences,
      seed: options.seed,
      messages: convertToOpenAICompatibleChatMessages(options.prompt),
      tools,
      tool_choice: toolChoice,
      stream: true,
      stream_options: { include_usage: true },
    };
    // The SDK's headers: the key, the caller's, its user agent; JSON.
    const headers = withUserAgentSuffix(
      combineHeaders({ 'Content-Type': 'application/json' }, withUserAgentSuffix(config.apiKey ? { Authorization: `Bearer ${config.apiKey}` } : {}, `ai-sdk/openai-compatible/${COMPATIBLE_VERSION}`), options.headers),
      `ai-sdk/provider-utils/${UTILS_VERSION}`,
      getRuntimeEnvironmentUserAgent(),
    );
    const signal = options.abortSignal;
    let res: IncomingMessage;
    try {
      res = await config.request(url, { method: 'POST', headers, body: Buffer.from(JSON.stringify(body)), signal });
    } catch (err) {
      // As the SDK's fetch: the caller's stop and the guard's refusal as they are; a connection that fails, retryable.
      if (signal?.aborted || err instanceof UrlNotAllowedError || !(err instanceof Error)) throw err;
      throw new APICallError({ message: `Cannot connect to API: ${err.message}`, cause: err, url, requestBodyValues: body, isRetryable: true });
    }
    const status = res.statusCode ?? 502;
    const responseHeaders = headersOf(res);
    if (status < 200 || status > 299) throw await refused(res, status, responseHeaders, url, body);
    return { parts: partsOf(res, warnings, config.name, options.includeRawChunks === true), request: { body }, response: { headers: responseHeaders } };
  }

  return {
    specificationVersion: 'v3',
    provider: sdkModel.provider,
    modelId: sdkModel.modelId,
    supportedUrls: sdkModel.supportedUrls,
    doGenerate: (options) => sdkModel.doGenerate(options),
    async doStream(options) {
      // Structured output and provider options (Trellis streams neither) are the SDK's model's to send.
      if (options.responseFormat?.type === 'json' || options.providerOptions) return sdkModel.doStream(options);
      const opened = await openStream(options);
      const { parts } = opened;
      const stream = new ReadableStream<LanguageModelV3StreamPart>({
        async pull(controller) {
          const next = await parts.next();
          if (next.done) controller.close();
          else controller.enqueue(next.value);
        },
        async cancel() {
          await parts.return();
        },
      });
      return { stream, request: opened.request, response: opened.response };
    },
    openStream,
  };
}

/** The settings the request leaves out, as the SDK's model warns of them. */
function unsupported(options: LanguageModelV3CallOptions): SharedV3Warning[] {
  return options.topK != null ? [{ type: 'unsupported', feature: 'topK' }] : [];
}

/** The response's headers as the SDK gives them (lower-case names, one string each). */
function headersOf(res: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(res.headers)) if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
  return headers;
}

/** A refused request, as the SDK reports it: the status (retryable or not), the headers (Retry-After), the body, the server's message. */
async function refused(res: IncomingMessage, status: number, responseHeaders: Record<string, string>, url: string, requestBodyValues: unknown): Promise<APICallError> {
  let responseBody = '';
  res.setEncoding('utf8');
  try {
    for await (const piece of res) {
      if (responseBody.length < MAX_ERROR_BODY) responseBody += piece;
    }
  } catch {
    // What came is enough to say what failed.
  }
  let message: unknown;
  try {
    message = (JSON.parse(responseBody) as { error?: { message?: unknown } } | null)?.error?.message;
  } catch {
    // Not JSON: the status says it.
  }
  return new APICallError({ message: typeof message === 'string' ? message : (res.statusMessage ?? String(status)), url, requestBodyValues, statusCode: status, responseHeaders, responseBody });
}

/**
 * The body's text as it arrives, pulled one piece at a time from node's events: no web stream,
 * no async iterator, a promise only when there is nothing to read yet. Pauses the socket when
 * the reader falls behind; a body that closes before its end (the connection dropped) fails.
 */
function bodyReader(body: IncomingMessage) {
  const queue: string[] = [];
  let ended = false;
  let failure: unknown;
  let wake: (() => void) | undefined;
  const notify = () => {
    const resolve = wake;
    wake = undefined;
    resolve?.();
  };
  body.setEncoding('utf8');
  body.on('data', (piece: string) => {
    queue.push(piece);
    if (queue.length >= 16) body.pause();
    notify();
  });
  body.on('end', () => {
    ended = true;
    notify();
  });
  body.on('error', (err) => {
    failure ??= err;
    notify();
  });
  body.on('close', () => {
    if (!ended) failure ??= Object.assign(new Error('the response was cut off before its end'), { code: 'ECONNRESET' });
    notify();
  });
  return {
    /** The next piece; null at the end. */
    async read(): Promise<string | null> {
      while (queue.length === 0) {
        if (failure !== undefined) throw failure;
        if (ended) return null;
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
      }
      const piece = queue.shift()!;
      if (queue.length < 4 && body.isPaused()) body.resume();
      return piece;
    },
    cancel: () => body.destroy(),
  };
}

/**
 * The response's events as the SDK's parts. An event is the `data:` lines before a blank line
 * (CRLF, LF or CR); `[DONE]` ends nothing by itself (the body's end does); a chunk that is not
 * JSON, or not a chunk, is an `error` part and the answer goes on, as in the SDK's model.
 */
async function* partsOf(body: IncomingMessage, warnings: SharedV3Warning[], name: string, raw: boolean): AsyncGenerator<LanguageModelV3StreamPart, void> {
  const reader = bodyReader(body);
  const chunks = createChunkMapper(name);
  let ended = false;
  yield { type: 'stream-start', warnings };
  try {
    let buffer = '';
    let data: string | undefined;
    for (;;) {
      const piece = await reader.read();
      if (piece === null) ended = true;
      else buffer += piece;
      let start = 0;
      for (;;) {
        let end = start;
        while (end < buffer.length && buffer.charCodeAt(end) !== 10 && buffer.charCodeAt(end) !== 13) end++;
        if (end === buffer.length) break;
        // \r\n is one line end; a \r at the buffer's end waits to see whether \n follows.
        let after = end + 1;
        if (buffer.charCodeAt(end) === 13) {
          if (after === buffer.length && !ended) break;
          if (buffer.charCodeAt(after) === 10) after++;
        }
        const line = buffer.slice(start, end);
        start = after;
        if (line === '') {
          if (data !== undefined && data !== '[DONE]') yield* chunks.map(parse(data), raw);
          data = undefined;
        } else if (line.startsWith('data:')) {
          const value = line.charCodeAt(5) === 32 ? line.slice(6) : line.slice(5);
          data = data === undefined ? value : `${data}\n${value}`;
        }
        // Other fields (event, id, retry) and comments say nothing a chat completion needs.
      }
      buffer = start === 0 ? buffer : buffer.slice(start);
      if (ended) break;
    }
    // An event the body ended before its blank line is dropped, as the SSE standard (and the SDK's parser) drop it.
    yield* chunks.end();
  } finally {
    // Ended early (an error, a stop): the provider's response is closed, which ends its request.
    if (!ended) reader.cancel();
  }
}

type Parsed = { ok: true; value: unknown } | { ok: false; error: Error };

function parse(text: string): Parsed {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (cause) {
    return { ok: false, error: new JSONParseError({ text, cause }) };
  }
}

interface ToolCallDelta {
  index?: number;
  id?: string | null;
  type?: string | null;
  function?: { name?: string | null; arguments?: string | null } | null;
}

interface ChunkShape {
  id?: string | null;
  created?: number | null;
  model?: string | null;
  usage?: Record<string, unknown> | null;
  choices: Array<{ finish_reason?: string | null; delta?: { content?: unknown; reasoning_content?: unknown; reasoning?: unknown; refusal?: unknown; tool_calls?: ToolCallDelta[] | null } | null }>;
}

/** Maps chunks to parts as the SDK's openai-compatible chat model does (its doStream's transform). */
function createChunkMapper(name: string) {
  const out: LanguageModelV3StreamPart[] = [];
  const tracker = new StreamingToolCallTracker({ enqueue: (part: LanguageModelV3StreamPart) => out.push(part) });
  // As the SDK's model: a call's argument pieces wait for its name, then go to the tracker whole.
  const pendingToolCalls = new Map<number, { id: string | null; bufferedArguments: string }>();
  const forwardedIndices = new Set<number>();
  let rawFinishReason: string | undefined;
  let failed = false;
  let usage: Record<string, unknown> | undefined;
  let first = true;
  let text = false;
  let reasoning = false;
  let refused = false;

  function toolCallDelta(delta: ToolCallDelta) {
    const index = delta.index;
    if (index == null || forwardedIndices.has(index)) return tracker.processDelta(delta as never);
    let pending = pendingToolCalls.get(index);
    if (!pending) {
      pending = { id: delta.id ?? null, bufferedArguments: '' };
      pendingToolCalls.set(index, pending);
    } else if (pending.id == null && delta.id != null) {
      pending.id = delta.id;
    }
    if (delta.function?.arguments != null) pending.bufferedArguments += delta.function.arguments;
    const toolName = delta.function?.name;
    if (toolName != null) {
      tracker.processDelta({ index, id: pending.id, function: { name: toolName, arguments: pending.bufferedArguments } } as never);
      pendingToolCalls.delete(index);
      forwardedIndices.add(index);
    }
  }

  function textDelta(delta: string) {
    if (reasoning) {
      out.push({ type: 'reasoning-end', id: 'reasoning-0' });
      reasoning = false;
    }
    if (!text) {
      out.push({ type: 'text-start', id: 'txt-0' });
      text = true;
    }
    out.push({ type: 'text-delta', id: 'txt-0', delta });
  }

  function reasoningDelta(delta: string) {
    if (text) {
      out.push({ type: 'text-end', id: 'txt-0' });
      text = false;
    }
    if (!reasoning) {
      out.push({ type: 'reasoning-start', id: 'reasoning-0' });
      reasoning = true;
    }
    out.push({ type: 'reasoning-delta', id: 'reasoning-0', delta });
  }

  function* drain(): Generator<LanguageModelV3StreamPart> {
    // The common chunk, one text delta, without the array.
    for (let i = 0; i < out.length; i++) yield out[i];
    out.length = 0;
  }

  return {
    *map(chunk: Parsed, raw: boolean): Generator<LanguageModelV3StreamPart> {
      if (raw) yield { type: 'raw', rawValue: chunk.ok ? chunk.value : undefined };
      if (!chunk.ok) {
        failed = true;
        yield { type: 'error', error: chunk.error };
        return;
      }
      const value = chunk.value as ChunkShape | { error: unknown } | null;
      if (value && typeof value === 'object' && 'error' in value) {
        failed = true;
        yield { type: 'error', error: value.error };
        return;
      }
      if (!value || typeof value !== 'object' || !Array.isArray((value as ChunkShape).choices)) {
        failed = true;
        yield { type: 'error', error: new TypeValidationError({ value, cause: new Error('a chat completion chunk has a `choices` list') }) };
        return;
      }
      const c = value as ChunkShape;
      if (first) {
        first = false;
        yield { type: 'response-metadata', ...getResponseMetadata(c) };
      }
      if (c.usage != null) usage = c.usage;
      const choice = c.choices[0];
      if (choice?.finish_reason != null) rawFinishReason = choice.finish_reason;
      const delta = choice?.delta;
      if (delta == null) return;
      const reasoningContent = delta.reasoning_content ?? delta.reasoning;
      if (typeof reasoningContent === 'string' && reasoningContent) reasoningDelta(reasoningContent);
      const content = delta.content;
      if (typeof content === 'string') {
        if (content) textDelta(content);
      } else if (Array.isArray(content)) {
        for (const part of content as Array<{ type?: unknown; text?: unknown; thinking?: unknown }>) {
          if (part?.type === 'text' && typeof part.text === 'string' && part.text) textDelta(part.text);
          else if (part?.type === 'thinking' && Array.isArray(part.thinking)) {
            const thought = (part.thinking as Array<{ type?: unknown; text?: unknown }>)
              .filter((t) => t?.type === 'text' && typeof t.text === 'string')
              .map((t) => t.text)
              .join('');
            if (thought) reasoningDelta(thought);
          }
        }
      }
      if (typeof delta.refusal === 'string' && delta.refusal.length > 0) {
        refused = true;
        textDelta(delta.refusal);
      }
      if (Array.isArray(delta.tool_calls) && delta.tool_calls.length > 0) {
        if (reasoning) {
          out.push({ type: 'reasoning-end', id: 'reasoning-0' });
          reasoning = false;
        }
        for (const call of delta.tool_calls) toolCallDelta(call);
      }
      yield* drain();
    },

    *end(): Generator<LanguageModelV3StreamPart> {
      if (reasoning) out.push({ type: 'reasoning-end', id: 'reasoning-0' });
      if (text) out.push({ type: 'text-end', id: 'txt-0' });
      for (const [index, pending] of pendingToolCalls) tracker.processDelta({ index, id: pending.id, function: { arguments: pending.bufferedArguments } } as never);
      pendingToolCalls.clear();
      tracker.flush();
      yield* drain();
      let finishReason: LanguageModelV3FinishReason;
      if (rawFinishReason != null) {
        finishReason = { unified: mapOpenAICompatibleFinishReason(rawFinishReason, { hasRefusal: refused }), raw: rawFinishReason };
      } else {
        finishReason = { unified: 'error', raw: undefined };
        if (!failed) yield { type: 'error', error: new InvalidResponseDataError({ data: undefined, message: 'Response stream ended without a finish reason.' }) };
      }
      yield { type: 'finish', finishReason, usage: convertOpenAICompatibleChatUsage(usage as never), providerMetadata: { [name]: {} } };
    },
  };
}
