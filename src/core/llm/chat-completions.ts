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

/** A streamed answer opened, not read yet. */
export interface OpenedStream {
  /**
   * Reads the answer to its end (once), handing each part to `onPart` as the socket's text
   * arrives, in order and synchronously. Rejects when the response fails or is cut off, or with
   * what `onPart` threw (the response is then closed).
   */
  read(onPart: (part: LanguageModelV3StreamPart) => void): Promise<void>;
  /** Closes the response (a stop, an error): `read` then rejects, unless it had ended. */
  cancel(): void;
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

  const headersWith = (extra: LanguageModelV3CallOptions['headers']) =>
    withUserAgentSuffix(
      combineHeaders({ 'Content-Type': 'application/json' }, withUserAgentSuffix(config.apiKey ? { Authorization: `Bearer ${config.apiKey}` } : {}, `ai-sdk/openai-compatible/${COMPATIBLE_VERSION}`), extra),
      `ai-sdk/provider-utils/${UTILS_VERSION}`,
      getRuntimeEnvironmentUserAgent(),
    );
  const ownHeaders = headersWith(undefined);

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
    // The SDK's headers: the key, the caller's, its user agent; JSON. Without the caller's (Trellis
    // sends none), the same for every call: made once.
    const headers = options.headers ? headersWith(options.headers) : ownHeaders;
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
    return { ...partReader(res, warnings, config.name, options.includeRawChunks === true), request: { body }, response: { headers: responseHeaders } };
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
      let cancelled = false;
      // Parts are queued as they come (an answer is a few kilobytes), as the SDK's model queues them.
      const stream = new ReadableStream<LanguageModelV3StreamPart>({
        start(controller) {
          opened.read((part) => controller.enqueue(part)).then(
            () => controller.close(),
            (err) => {
              if (!cancelled) controller.error(err);
            },
          );
        },
        cancel() {
          cancelled = true;
          opened.cancel();
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
 * The response's events as the SDK's parts, each handed on as soon as the socket's text
 * completes it: no queue, no promise or iterator per piece. An event is the `data:` lines before
 * a blank line (CRLF, LF or CR); `[DONE]` ends nothing by itself (the body's end does); a chunk
 * that is not JSON, or not a chunk, is an `error` part and the answer goes on, as in the SDK's
 * model. A body that closes before its end (the connection dropped) fails the read.
 */
function partReader(body: IncomingMessage, warnings: SharedV3Warning[], name: string, raw: boolean): Pick<OpenedStream, 'read' | 'cancel'> {
  const chunks = createChunkMapper(name);
  let buffer = '';
  let data: string | undefined;
  let reading = false;

  /** Hands on the events the buffer completes; `ended`: the body has ended (a last \r is a line end). */
  function events(ended: boolean, onPart: (part: LanguageModelV3StreamPart) => void) {
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
        if (data !== undefined && data !== '[DONE]') chunks.map(parse(data), raw, onPart);
        data = undefined;
      } else if (line.startsWith('data:')) {
        const value = line.charCodeAt(5) === 32 ? line.slice(6) : line.slice(5);
        data = data === undefined ? value : `${data}\n${value}`;
      }
      // Other fields (event, id, retry) and comments say nothing a chat completion needs.
    }
    if (start > 0) buffer = buffer.slice(start);
  }

  return {
    read(onPart) {
      if (reading) return Promise.reject(new Error('a streamed answer is read once'));
      reading = true;
      return new Promise<void>((resolve, reject) => {
        let settled = false;
        const fail = (err: unknown) => {
          if (settled) return;
          settled = true;
          // Ended early (an error, a stop): the provider's response is closed, which ends its request.
          body.destroy();
          reject(err);
        };
        body.setEncoding('utf8');
        body.on('data', (piece: string) => {
          if (settled) return;
          buffer += piece;
          try {
            events(false, onPart);
          } catch (err) {
            fail(err);
          }
        });
        body.on('end', () => {
          if (settled) return;
          try {
            events(true, onPart);
            // An event the body ended before its blank line is dropped, as the SSE standard (and the SDK's parser) drop it.
            chunks.end(onPart);
          } catch (err) {
            return fail(err);
          }
          settled = true;
          resolve();
        });
        body.on('error', fail);
        body.on('close', () => fail(Object.assign(new Error('the response was cut off before its end'), { code: 'ECONNRESET' })));
        try {
          onPart({ type: 'stream-start', warnings });
        } catch (err) {
          fail(err);
        }
      });
    },
    cancel: () => body.destroy(),
  };
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

  function drain(onPart: (part: LanguageModelV3StreamPart) => void) {
    try {
      for (let i = 0; i < out.length; i++) onPart(out[i]);
    } finally {
      out.length = 0;
    }
  }

  return {
    map(chunk: Parsed, raw: boolean, onPart: (part: LanguageModelV3StreamPart) => void): void {
      if (raw) onPart({ type: 'raw', rawValue: chunk.ok ? chunk.value : undefined });
      if (!chunk.ok) {
        failed = true;
        onPart({ type: 'error', error: chunk.error });
        return;
      }
      const value = chunk.value as ChunkShape | { error: unknown } | null;
      if (value && typeof value === 'object' && 'error' in value) {
        failed = true;
        onPart({ type: 'error', error: value.error });
        return;
      }
      if (!value || typeof value !== 'object' || !Array.isArray((value as ChunkShape).choices)) {
        failed = true;
        onPart({ type: 'error', error: new TypeValidationError({ value, cause: new Error('a chat completion chunk has a `choices` list') }) });
        return;
      }
      const c = value as ChunkShape;
      if (first) {
        first = false;
        onPart({ type: 'response-metadata', ...getResponseMetadata(c) });
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
      drain(onPart);
    },

    end(onPart: (part: LanguageModelV3StreamPart) => void): void {
      if (reasoning) out.push({ type: 'reasoning-end', id: 'reasoning-0' });
      if (text) out.push({ type: 'text-end', id: 'txt-0' });
      for (const [index, pending] of pendingToolCalls) tracker.processDelta({ index, id: pending.id, function: { arguments: pending.bufferedArguments } } as never);
      pendingToolCalls.clear();
      tracker.flush();
      drain(onPart);
      let finishReason: LanguageModelV3FinishReason;
      if (rawFinishReason != null) {
        finishReason = { unified: mapOpenAICompatibleFinishReason(rawFinishReason, { hasRefusal: refused }), raw: rawFinishReason };
      } else {
        finishReason = { unified: 'error', raw: undefined };
        if (!failed) onPart({ type: 'error', error: new InvalidResponseDataError({ data: undefined, message: 'Response stream ended without a finish reason.' }) });
      }
      onPart({ type: 'finish', finishReason, usage: convertOpenAICompatibleChatUsage(usage as never), providerMetadata: { [name]: {} } });
    },
  };
}
