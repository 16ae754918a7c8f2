// The language-model service modules call (CoreDeps.llm): one interface over every provider the
// AI SDK speaks to. Messages are the SDK's own (`ModelMessage`: text, images, tool calls and
// tool results), so a conversation kept by a caller goes back to the model as it came.
import type { ModelMessage } from 'ai';
import type { Static, TSchema } from 'typebox';
import type { LlmProviderName } from './settings.ts';

export type { LlmConfig, LlmProviderName } from './settings.ts';

/** A message of the conversation: system, user, assistant (text and tool calls) or tool (results). */
export type LlmMessage = ModelMessage;

/** Who the call is made for: its usage is counted to them (and to the org, for budgets). */
export interface LlmActor {
  userId: string;
  /** The organization the call is made in; null for a call outside any. */
  orgId: string | null;
}

/**
 * A tool the model may call, under its name in `tools` (letters, digits, `_` and `-`: what every
 * provider accepts). Its input is checked against `inputSchema` before anything sees it.
 * Without `execute` the call comes back in `toolCalls` for the caller to run (with the user's
 * rights) and answer in the next request; with it, the SDK runs it and goes on, up to `maxSteps`.
 */
export interface LlmToolSpec<S extends TSchema = TSchema> {
  description: string;
  inputSchema: S;
  execute?(input: Static<S>, ctx: { toolCallId: string; signal: AbortSignal }): Promise<unknown>;
}

export interface LlmRequest {
  /** What the call is for (`analytics.ask`, `chat.answer`): usage is recorded and reported under it. */
  feature: string;
  actor: LlmActor;
  system?: string;
  messages: LlmMessage[];
  tools?: Record<string, LlmToolSpec<any>>;
  /** Default `auto`. */
  toolChoice?: 'auto' | 'none' | 'required' | { toolName: string };
  /** Model calls in one request when tools have `execute` (default 1: tool calls are returned). */
  maxSteps?: number;
  maxOutputTokens?: number;
  temperature?: number;
  /** Cancels the call (the HTTP request to the provider is aborted); LLM_TIMEOUT applies as well. */
  signal?: AbortSignal;
}

export type LlmObjectRequest<S extends TSchema> = Omit<LlmRequest, 'tools' | 'toolChoice' | 'maxSteps'> & {
  /** The shape of the answer. Properties the model adds beyond it are dropped. */
  schema: S;
  /** A name and description of the shape, for providers that take them (OpenAI's `json_schema`). */
  schemaName?: string;
  schemaDescription?: string;
};

/** Tokens as the provider reported them (0 where it reported none). */
export interface LlmUsage {
  inputTokens: number;
  outputTokens: number;
}

export type LlmFinishReason = 'stop' | 'length' | 'content-filter' | 'tool-calls' | 'error' | 'other';

export interface LlmToolCall {
  toolCallId: string;
  toolName: string;
  input: unknown;
  /** Set when the input does not match the tool's schema (or names no tool): why. Such a call is never executed. */
  invalid?: string;
}

export interface LlmToolResult {
  toolCallId: string;
  toolName: string;
  output: unknown;
  /** The tool's `execute` threw: `output` is its message, and the model was told so. */
  isError?: boolean;
}

export interface LlmTextResult {
  text: string;
  /** The tool calls of the last step: those without `execute` are the caller's to run. */
  toolCalls: LlmToolCall[];
  /** The results of the tools the SDK executed, every step. */
  toolResults: LlmToolResult[];
  finishReason: LlmFinishReason;
  /** Every step's together. */
  usage: LlmUsage;
  /** The assistant and tool messages this call added: append them to the conversation to go on. */
  responseMessages: LlmMessage[];
}

export interface LlmObjectResult<T> {
  object: T;
  finishReason: LlmFinishReason;
  usage: LlmUsage;
}

export type LlmStreamPart =
  | { type: 'text'; text: string }
  | ({ type: 'tool-call' } & LlmToolCall)
  | ({ type: 'tool-result' } & LlmToolResult);

/**
 * An answer as it is written. Iterate it (once) for the text deltas and tool calls; `result`
 * settles when the answer is complete, whether or not anyone reads the parts (they are buffered),
 * and only after the call's usage is recorded. A failure ends the iteration with the same
 * problem `result` rejects with (LLM.TIMEOUT when the first chunk, or the next one, takes longer
 * than LLM_TIMEOUT); a cancelled call ends it with the signal's reason.
 */
export interface LlmStream extends AsyncIterable<LlmStreamPart> {
  readonly result: Promise<LlmTextResult>;
}

export interface LlmUsageQuery {
  orgId: string;
  /** Calls started at or after this instant. */
  since: Date;
  /** Calls started before this instant (default: no end). */
  until?: Date;
  feature?: string;
  userId?: string;
}

export interface LlmUsageTotals {
  calls: number;
  inputTokens: number;
  outputTokens: number;
}

export interface Llm {
  /** Whether a provider is configured; when not, every call throws LLM.NOT_CONFIGURED (503). */
  readonly configured: boolean;
  readonly provider: LlmProviderName | undefined;
  readonly model: string | undefined;
  /** Throws LLM.NOT_CONFIGURED when no provider is configured: for a feature to refuse before it does any work. */
  require(): void;
  generateText(req: LlmRequest): Promise<LlmTextResult>;
  /** An answer of the given shape (the provider's structured output or JSON mode), checked against it. */
  generateObject<S extends TSchema>(req: LlmObjectRequest<S>): Promise<LlmObjectResult<Static<S>>>;
  streamText(req: LlmRequest): LlmStream;
  /** Tokens and calls recorded for an org in a period (failed calls included, with what they used). */
  usage(query: LlmUsageQuery): Promise<LlmUsageTotals>;
}
