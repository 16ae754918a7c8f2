// What a failed call becomes: a problem for the client (never the provider's own words) and a
// log line for the operator (the provider's status and message, without the key). The SDK has
// already retried what was worth retrying (408, 409, 429, 5xx, unreachable) when an error gets here.
import { AISDKError, APICallError, InvalidArgumentError, InvalidPromptError, JSONParseError, NoContentGeneratedError, NoObjectGeneratedError, NoOutputGeneratedError, RetryError, TypeValidationError } from 'ai';
import { UrlNotAllowedError } from '../net/ssrf-guard.ts';
import { type Failure, failed } from './failure.ts';
import { LlmProblems } from './problems.ts';

export type { Failure };

export interface CallSignals {
  /** Fired by LLM_TIMEOUT. */
  deadline: AbortSignal;
  /** The caller's own. */
  caller: AbortSignal | undefined;
  timeoutMs: number;
}

/** Seconds a client waits before asking again, unless the provider said. */
const RETRY_AFTER = { unavailable: 10, timeout: 5, invalidOutput: 1, rateLimited: 30 };

/** `provider` names the provider in the operator's hints (`default` is LLM_PROVIDER's, whose key is LLM_API_KEY). */
export function classify(err: unknown, signals: CallSignals, secrets: readonly string[], provider = 'default'): Failure {
  if (signals.deadline.aborted) {
    const problem = LlmProblems.timeout.error(`The language model did not answer within ${seconds(signals.timeoutMs)}`, { retryAfter: RETRY_AFTER.timeout });
    return failed(problem, 'warn', { timeoutMs: signals.timeoutMs }, true);
  }
  if (signals.caller?.aborted) return { error: signals.caller.reason, outcome: 'cancelled', code: undefined, log: undefined, providerDown: false };
  // A mistake of the calling code (a malformed conversation, a bad option) is a bug, not the provider's failure.
  if (InvalidPromptError.isInstance(err) || InvalidArgumentError.isInstance(err)) throw err;

  // A provider whose address users gave, checked at each request (an organization's): no longer allowed.
  if (err instanceof UrlNotAllowedError) {
    return failed(unavailable(), 'error', { hint: `the base URL of provider "${provider}" may not be reached from this server: it ${err.message}`, detail: err.detail }, true);
  }
  const attempts = RetryError.isInstance(err) ? err.errors.length : 1;
  const last = RetryError.isInstance(err) ? err.lastError : err;
  if (APICallError.isInstance(last)) {
    const status = last.statusCode;
    const fields = { status, attempts, providerError: redact(last.responseBody ?? last.message, secrets) };
    if (status === 429) {
      const wait = retryAfterOf(last.responseHeaders) ?? RETRY_AFTER.rateLimited;
      return failed(LlmProblems.rateLimited.error('The language model provider is rate-limiting this server, retry later', { retryAfter: wait }), 'warn', fields, true);
    }
    const own = provider === 'default';
    if (status === 401 || status === 403) {
      return failed(unavailable(), 'error', { ...fields, hint: `the provider refused the credentials: check ${own ? 'LLM_API_KEY' : `the key of provider "${provider}"`}` }, true);
    }
    if (status === 404) {
      const check = own ? 'LLM_MODEL, LLM_BASE_URL and the Azure deployment' : `the model, base URL and deployment of provider "${provider}"`;
      return failed(unavailable(), 'error', { ...fields, hint: `no such model or endpoint: check ${check}` }, true);
    }
    if (status === 400 || status === 413 || status === 422) {
      return failed(LlmProblems.refused.error('The language model refused the request (too long for its context, blocked by its content filter, or not valid for this model)'), 'warn', fields);
    }
    return failed(unavailable(), 'warn', { ...fields, hint: status === undefined ? 'the provider could not be reached' : undefined }, true);
  }
  if (NoObjectGeneratedError.isInstance(last) || JSONParseError.isInstance(last) || TypeValidationError.isInstance(last) || NoContentGeneratedError.isInstance(last) || NoOutputGeneratedError.isInstance(last)) {
    const problem = LlmProblems.invalidOutput.error('The language model\'s answer was not of the expected shape, try again', { retryAfter: RETRY_AFTER.invalidOutput });
    return failed(problem, 'warn', { attempts, providerError: redact(describe(last), secrets) });
  }
  // The SDK's other errors (a broken stream, an answer it cannot read) and a connection that
  // drops mid-stream: the client sees 503, the log says what it was. Anything else is a bug, and
  // goes on as one (500).
  if (AISDKError.isInstance(last) || isConnectionError(last)) {
    return failed(unavailable(), 'error', { attempts, error: redact(describe(last), secrets), kind: (last as Error).name }, true);
  }
  throw err;
}

/** undici's errors when a response breaks off: `terminated`, with the socket's error as its cause. */
function isConnectionError(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const code = (err.cause as { code?: unknown } | undefined)?.code ?? (err as { code?: unknown }).code;
  return (err.name === 'TypeError' && (err.message === 'terminated' || err.message === 'fetch failed')) || (typeof code === 'string' && /^(E[A-Z]+|UND_ERR_\w+)$/.test(code));
}

const unavailable = () => LlmProblems.unavailable.error('The language model is unavailable, retry later', { retryAfter: RETRY_AFTER.unavailable });


const seconds = (ms: number) => (ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`);

function describe(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const cause = err.cause instanceof Error ? `: ${err.cause.message}` : '';
  return `${err.message}${cause}`;
}

/** The provider's Retry-After (seconds, or retry-after-ms), when it gave a sensible one. */
function retryAfterOf(headers: Record<string, string> | undefined): number | undefined {
  const ms = Number(headers?.['retry-after-ms']);
  if (Number.isFinite(ms) && ms >= 0) return Math.min(3600, Math.max(1, Math.ceil(ms / 1000)));
  const raw = headers?.['retry-after'];
  if (!raw) return undefined;
  const secs = /^\d+(\.\d+)?$/.test(raw.trim()) ? Number(raw) : (Date.parse(raw) - Date.now()) / 1000;
  return Number.isFinite(secs) && secs >= 0 ? Math.min(3600, Math.max(1, Math.ceil(secs))) : undefined;
}

const KEY_PATTERNS = [/\bsk-[A-Za-z0-9_-]{8,}/g, /\bBearer\s+[A-Za-z0-9._~+/=-]+/gi];

/**
 * The provider's error as the log may hold it: cut to 500 characters, without the API key (nor
 * anything shaped like one: a provider may echo a key it was given, as OpenAI does in part).
 */
export function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) if (secret.length >= 4) out = out.split(secret).join('[redacted]');
  for (const pattern of KEY_PATTERNS) out = out.replace(pattern, '[redacted]');
  return out.length > 500 ? `${out.slice(0, 500)}…` : out;
}
