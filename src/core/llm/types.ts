// The language-model service modules call (CoreDeps.llm): one interface over every provider the
// AI SDK speaks to. Messages are the SDK's own (`ModelMessage`: text, images, tool calls and
// tool results), so a conversation kept by a caller goes back to the model as it came.
import type { ModelMessage } from 'ai';
import type { Static, TSchema } from 'typebox';
import type { Executor } from '../db/database.ts';
import type { LlmModelConfig, LlmPrice, LlmProviderConfig, LlmProviderName } from './settings.ts';

export type { LlmConfig, LlmModelConfig, LlmPrice, LlmProviderConfig, LlmProviderName } from './settings.ts';

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

/**
 * One model to call: an instance provider by name (`default`, one of LLM_PROVIDERS) or a provider
 * the caller resolved and gives in full (an organization's own, with its key).
 */
export interface LlmTarget {
  provider: string | LlmProviderConfig;
  model: string;
  /** Azure: the deployment serving the model; default the instance catalog's, else the model's name. */
  deployment?: string;
  /** What a million tokens cost; absent or null: the call is recorded at no cost. */
  price?: LlmPrice | null;
}

export interface LlmRequest {
  /** What the call is for (`analytics.ask`, `chat.answer`): usage is recorded and reported under it. */
  feature: string;
  actor: LlmActor;
  /**
   * The model, then its fallbacks: the next is tried only when a provider is down (unreachable,
   * 5xx, 429, timeout, refused key, or its circuit open) before it answered anything. Default:
   * the instance's default model, its catalog price and its fallbacks (`targetsOf()`).
   */
  targets?: LlmTarget[];
  /** The conversation and message the call answers, recorded with its usage (chat). */
  conversationId?: string;
  messageId?: string;
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

/** Which provider and model answered, and which failed before it. */
export interface LlmAnswered {
  /** The provider's name (`default`, `backup`, an organization's). */
  provider: string;
  model: string;
  /** `provider/model` of each target tried first that was down; empty when the first answered. */
  fallbackFrom: string[];
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
  answered: LlmAnswered;
  /** Millionths of a minor unit of LLM_CURRENCY, from the target's price (0 without one). */
  costMicros: number;
}

export interface LlmObjectResult<T> {
  object: T;
  finishReason: LlmFinishReason;
  usage: LlmUsage;
  answered: LlmAnswered;
  costMicros: number;
}

/**
 * A part of a streamed answer: text as it is written, each tool call (and the result of a tool
 * the SDK ran), the tokens of each finished step, and last, once the usage row is written, the
 * finish with the totals and who answered.
 */
export type LlmStreamPart =
  | { type: 'text'; text: string }
  | ({ type: 'tool-call' } & LlmToolCall)
  | ({ type: 'tool-result' } & LlmToolResult)
  | { type: 'usage'; usage: LlmUsage }
  | { type: 'finish'; finishReason: LlmFinishReason; usage: LlmUsage; costMicros: number; answered: LlmAnswered };

/**
 * An answer as it is written. Iterate it (once) for the text deltas and tool calls; `result`
 * settles when the answer is complete, whether or not anyone reads the parts (they are buffered),
 * and only after the call's usage is recorded. A failure ends the iteration with the same
 * problem `result` rejects with (LLM.TIMEOUT when the first chunk, or the next one, takes longer
 * than LLM_TIMEOUT); a cancelled call ends it with the signal's reason.
 */
export interface LlmStream extends AsyncIterable<LlmStreamPart> {
  readonly result: Promise<LlmTextResult>;
  /**
   * The other way to read it (once, instead of iterating): `onPart` gets the parts buffered so
   * far at once, then each as it comes, synchronously (no promise per part, for a reader that
   * handles a part without waiting); resolves or rejects as `result`.
   */
  each(onPart: (part: LlmStreamPart) => void): Promise<LlmTextResult>;
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
  /** Millionths of a minor unit of LLM_CURRENCY. */
  costMicros: number;
}

export type LlmUsageGroup = 'day' | 'user' | 'model' | 'feature';

export interface LlmUsageReportQuery {
  orgId: string;
  since: Date;
  until: Date;
  /** What the sums are per; none: one row for the whole period. */
  groupBy: readonly LlmUsageGroup[];
  /** The zone whose calendar days `day` groups by (the organization's). */
  timeZone: string;
  userId?: string;
}

/** Sums of one group: the keys it was asked to group by, then the figures. */
export interface LlmUsageReportRow {
  /** YYYY-MM-DD in the query's zone. */
  day?: string;
  userId?: string;
  /** The provider's name and the model that answered. */
  provider?: string;
  model?: string;
  feature?: string;
  calls: number;
  inputTokens: number;
  outputTokens: number;
  costMicros: number;
}

export type LlmCircuitState = 'closed' | 'open' | 'half-open';

export interface Llm {
  /** Whether a provider is configured; when not, every call throws LLM.NOT_CONFIGURED (503). */
  readonly configured: boolean;
  /** The kind of provider and the model of the default model. */
  readonly provider: LlmProviderName | undefined;
  readonly model: string | undefined;
  /** The currency of prices and costs (LLM_CURRENCY). */
  readonly currency: string;
  /** The instance's providers (names and kinds; keys stay here) and models, as the settings declare them; the default model first. */
  readonly providers: readonly { name: string; kind: LlmProviderName }[];
  readonly models: readonly LlmModelConfig[];
  /** The instance model `provider/model` (default: the default model) with its price, then its fallbacks with theirs. */
  targetsOf(ref?: string): LlmTarget[];
  /** The state of a provider's circuit breaker (an instance provider's name, or a caller's provider). */
  circuit(provider: string | LlmProviderConfig): LlmCircuitState;
  /** Throws LLM.NOT_CONFIGURED when no provider is configured: for a feature to refuse before it does any work. */
  require(): void;
  generateText(req: LlmRequest): Promise<LlmTextResult>;
  /** An answer of the given shape (the provider's structured output or JSON mode), checked against it. */
  generateObject<S extends TSchema>(req: LlmObjectRequest<S>): Promise<LlmObjectResult<Static<S>>>;
  streamText(req: LlmRequest): LlmStream;
  /** Tokens, cost and calls recorded for an org in a period (failed calls included, with what they used); on the caller's executor, default the pool. */
  usage(query: LlmUsageQuery, exec?: Executor): Promise<LlmUsageTotals>;
  /** The same, summed per day, user, model or feature. */
  usageReport(query: LlmUsageReportQuery): Promise<LlmUsageReportRow[]>;
}
