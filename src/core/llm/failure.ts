// A failed call as the LLM layer decides on it (log, retry, breaker, fallback), apart from the
// classification of the AI SDK's errors (failures.ts): the circuit breaker and the service's
// index need these at start-up, and must not load the SDK (nor the OpenTelemetry API it
// imports) before a feature calls a model.
import type { AppError } from '../errors.ts';
import { LlmProblems } from './problems.ts';

export interface Failure {
  /** What the caller gets: a problem, or a cancelled call's own abort reason. */
  error: unknown;
  outcome: 'error' | 'cancelled';
  /** The problem's code, recorded with the usage row. */
  code: string | undefined;
  /** The operator's log line, when there is one to write. */
  log: { level: 'warn' | 'error'; fields: Record<string, unknown> } | undefined;
  /**
   * The provider is down for now (unreachable, 5xx, 429, no answer in time, refused key): its
   * circuit breaker counts it, and the call may go on to a fallback. Not the request's fault.
   */
  providerDown: boolean;
}

export function failed(problem: AppError, level: 'warn' | 'error', fields: Record<string, unknown>, providerDown = false): Failure {
  return { error: problem, outcome: 'error', code: problem.code, log: { level, fields: { problem: problem.code, ...fields } }, providerDown };
}

/** The provider's circuit is open: refused here without a request, until the cool-down ends. */
export function circuitOpen(retryAfterSeconds: number): Failure {
  const problem = LlmProblems.unavailable.error('The language model is unavailable, retry later', { retryAfter: Math.max(1, retryAfterSeconds) });
  return failed(problem, 'warn', { hint: 'the provider\'s circuit is open after consecutive failures: no request was sent' }, true);
}

