// The problems an LLM call can answer (decision 0028). A route whose service calls the model
// lists LLM_CALL_PROBLEMS in its `config.problems`, so /openapi.json declares them. None of them
// carries the provider's own words: its error body may quote the prompt, the key's prefix or its
// internals, so it goes to the server's log (without the key), never to the client. The last
// four are refusals before any call, by an organization's catalog, role rules and budgets
// (the llm_admin module answers them for every call made in an organization).
import { Type } from 'typebox';
import { defineProblem, type ProblemType } from '../errors.ts';

export const LlmProblems = {
  notConfigured: defineProblem(
    'unavailable',
    'LLM.NOT_CONFIGURED',
    'No language model is configured on this server: the operator sets `LLM_PROVIDER`, `LLM_MODEL` and `LLM_API_KEY` (or `LLM_BASE_URL` for an OpenAI-compatible server such as Ollama). Nothing else is affected.',
  ),
  unavailable: defineProblem(
    'unavailable',
    'LLM.UNAVAILABLE',
    'The language model could not be reached or failed (after the configured retries), or refused the server\'s credentials: retry after `Retry-After` seconds.',
    { retryAfter: true },
  ),
  timeout: defineProblem('unavailable', 'LLM.TIMEOUT', 'The language model did not answer within `LLM_TIMEOUT`: retry after `Retry-After` seconds, or ask for less.', { retryAfter: true }),
  rateLimited: defineProblem(
    'unavailable',
    'LLM.RATE_LIMITED',
    'The language model provider is rate-limiting this server (still after the configured retries): retry after `Retry-After` seconds.',
    { retryAfter: true },
  ),
  refused: defineProblem(
    'unprocessable',
    'LLM.REQUEST_REFUSED',
    'The language model refused the request as it is (too long for its context, blocked by its content filter, or not valid for this model): the same request will fail again.',
  ),
  invalidOutput: defineProblem(
    'unavailable',
    'LLM.INVALID_OUTPUT',
    'The language model answered something that is not of the expected shape (not JSON, or not matching the schema): retry after `Retry-After` seconds, or rephrase.',
    { retryAfter: true },
  ),
  modelNotFound: defineProblem('not_found', 'LLM.MODEL_NOT_FOUND', 'No such model in the catalog of this organization (its own and the instance\'s models).'),
  modelNotAllowed: defineProblem(
    'forbidden',
    'LLM.MODEL_NOT_ALLOWED',
    'The model is disabled in this organization, or the caller\'s role is below the model\'s minimum role (its `minimumRole` in the catalog): pick another model.',
  ),
  toolsUnsupported: defineProblem('unprocessable', 'LLM.TOOLS_UNSUPPORTED', 'The request offers tools and the model does not support tools (its `supportsTools` in the catalog): pick a model that does.'),
  budgetExceeded: defineProblem(
    'rate_limited',
    'LLM.BUDGET_EXCEEDED',
    'The request could cost more than what is left of a monthly budget of the organization or of the user, in tokens or money (`budget`, `unit`): ask for less (fewer tokens out), wait for `Retry-After` seconds (the next month), or ask an admin to raise it.',
    {
      retryAfter: true,
      extensions: {
        budget: Type.Union([Type.Literal('organization'), Type.Literal('user')]),
        unit: Type.Union([Type.Literal('tokens'), Type.Literal('money')], { description: 'money: minor units of the currency (LLM_CURRENCY)' }),
        limit: Type.Number({ description: 'The monthly limit' }),
        remaining: Type.Number({ description: 'What is left of it this month, calls in flight counted' }),
        requested: Type.Number({ description: 'The worst case of the request: its prompt (estimated) and all the output it may write' }),
        resetsAt: Type.String({ format: 'date-time', description: 'When the month ends, in the organization\'s time zone' }),
      },
    },
  ),
} as const;

/** Every problem a call to the model may answer: what a route that makes one lists. */
export const LLM_CALL_PROBLEMS: readonly ProblemType[] = Object.values(LlmProblems);

/** The detail of LLM.NOT_CONFIGURED: exactly what an operator sets. */
export const NOT_CONFIGURED_MESSAGE =
  'No language model is configured on this server. The operator sets LLM_PROVIDER (openai, azure, anthropic or openai-compatible), LLM_MODEL, and LLM_API_KEY (or LLM_BASE_URL for an OpenAI-compatible server such as Ollama, vLLM or LM Studio); see docs/llm.md.';
