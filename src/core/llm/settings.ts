// The language-model settings, part of core's slice (config.ts spreads them in). Unset
// LLM_PROVIDER means no model: every LLM feature then answers 503 LLM.NOT_CONFIGURED and the
// rest of the app runs as before. The checks across variables name each variable to fix, so an
// operator who half-configured a provider learns at start-up what is missing, not at the
// first question.
import { type ConfigIssue, type Decoded, integer, millis, oneOf, optional, SettingError, setting, text, url } from '../settings.ts';

export const LLM_PROVIDERS = ['openai', 'azure', 'anthropic', 'openai-compatible'] as const;
export type LlmProviderName = (typeof LLM_PROVIDERS)[number];

const azureResource = (raw: string) => {
  if (!/^[a-z0-9][a-z0-9-]{1,62}$/i.test(raw)) throw new SettingError('must be the resource name only (letters, digits and hyphens), not its URL: use LLM_BASE_URL for a URL');
  return raw;
};

export const LLM_SETTINGS = {
  llmProvider: setting(
    'LLM_PROVIDER',
    '',
    optional(oneOf(...LLM_PROVIDERS)),
    'Language model provider: `openai`, `azure` (Azure OpenAI), `anthropic`, or `openai-compatible` (Ollama, vLLM, LM Studio… at `LLM_BASE_URL`). Unset: LLM features answer 503 `LLM.NOT_CONFIGURED` (docs/llm.md).',
  ),
  llmModel: setting('LLM_MODEL', '', optional(text), 'The model (`gpt-4o-mini`, `claude-sonnet-4-5`, `llama3.1`…); for Azure the model behind the deployment. Required with `LLM_PROVIDER`.'),
  llmApiKey: setting('LLM_API_KEY', '', optional(text), 'The provider\'s API key (required for `openai`, `azure` and `anthropic`; optional for `openai-compatible`). Never logged.'),
  llmBaseUrl: setting(
    'LLM_BASE_URL',
    '',
    optional(url('http:', 'https:')),
    'The API\'s base URL: required for `openai-compatible` (e.g. `http://localhost:11434/v1` for Ollama); for the others, a proxy or gateway in front of the provider.',
  ),
  llmAzureResource: setting('LLM_AZURE_RESOURCE', '', optional(azureResource), 'Azure OpenAI resource name (`https://<resource>.openai.azure.com`); or set `LLM_BASE_URL`.'),
  llmAzureDeployment: setting('LLM_AZURE_DEPLOYMENT', '', optional(text), 'Azure OpenAI deployment name (default: `LLM_MODEL`).'),
  llmAzureApiVersion: setting(
    'LLM_AZURE_API_VERSION',
    '',
    optional(text),
    'Azure OpenAI API version. Unset: the v1 API (`/openai/v1/chat/completions`); a dated version (`2024-10-21`) calls `/openai/deployments/<deployment>/chat/completions?api-version=…`.',
  ),
  llmTimeout: setting('LLM_TIMEOUT', '60s', millis(100, 3_600_000), 'Longest wait for a model: a whole answer (retries included), or in a stream for the first chunk and between two chunks. Past it: 503 `LLM.TIMEOUT`.'),
  llmMaxRetries: setting('LLM_MAX_RETRIES', '2', integer(0, 10), 'Retries of a call the provider refused with 408, 409, 429 or 5xx, or could not be reached for: backoff from 2 s doubling, or the provider\'s `Retry-After` when under 60 s.'),
};

export type LlmSettingValues = Decoded<typeof LLM_SETTINGS>;

/** A configured provider: what core/llm builds its client from. */
export interface LlmConfig {
  provider: LlmProviderName;
  model: string;
  apiKey: string | undefined;
  baseUrl: string | undefined;
  /** Azure only. */
  azure: { resource: string | undefined; deployment: string; apiVersion: string | undefined } | undefined;
  timeoutMs: number;
  maxRetries: number;
}

const AZURE_ONLY = ['llmAzureResource', 'llmAzureDeployment', 'llmAzureApiVersion'] as const;
const VARIABLE: Record<keyof LlmSettingValues, string> = Object.fromEntries(
  Object.entries(LLM_SETTINGS).map(([key, s]) => [key, (s as unknown as { env: string }).env]),
) as Record<keyof LlmSettingValues, string>;

/**
 * The LLM settings out of core's decoded values: the provider's configuration (undefined when
 * none is set), the issues across variables, and the other values without the LLM ones.
 */
export function splitLlmSettings<T extends LlmSettingValues>(values: T): { llm: LlmConfig | undefined; issues: ConfigIssue[]; rest: Omit<T, keyof LlmSettingValues> } {
  const rest: Record<string, unknown> = { ...values };
  for (const key of Object.keys(LLM_SETTINGS)) delete rest[key];
  const issues = llmIssues(values);
  const v = values;
  const llm: LlmConfig | undefined =
    v.llmProvider && !issues.length
      ? {
          provider: v.llmProvider,
          model: v.llmModel!,
          apiKey: v.llmApiKey,
          baseUrl: v.llmBaseUrl,
          azure: v.llmProvider === 'azure' ? { resource: v.llmAzureResource, deployment: v.llmAzureDeployment ?? v.llmModel!, apiVersion: v.llmAzureApiVersion } : undefined,
          timeoutMs: v.llmTimeout,
          maxRetries: v.llmMaxRetries,
        }
      : undefined;
  return { llm, issues, rest: rest as Omit<T, keyof LlmSettingValues> };
}

function llmIssues(v: LlmSettingValues): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const issue = (key: keyof LlmSettingValues, message: string) => issues.push({ variable: VARIABLE[key], message });
  if (!v.llmProvider) {
    // Anything else set without a provider is a configuration half done (or a misspelt provider variable).
    const set = (['llmModel', 'llmApiKey', 'llmBaseUrl', ...AZURE_ONLY] as const).filter((key) => v[key] !== undefined);
    if (set.length) issue('llmProvider', `is required when ${set.map((key) => VARIABLE[key]).join(', ')} ${set.length > 1 ? 'are' : 'is'} set: one of ${LLM_PROVIDERS.join(', ')}`);
    return issues;
  }
  const p = v.llmProvider;
  if (!v.llmModel) issue('llmModel', `is required when LLM_PROVIDER is set (the model to call, e.g. ${EXAMPLE_MODEL[p]})`);
  if (p === 'openai-compatible' && !v.llmBaseUrl) issue('llmBaseUrl', 'is required for LLM_PROVIDER=openai-compatible: the server\'s OpenAI API, e.g. http://localhost:11434/v1 (Ollama), http://localhost:8000/v1 (vLLM) or http://localhost:1234/v1 (LM Studio)');
  if (p !== 'openai-compatible' && !v.llmApiKey) issue('llmApiKey', `is required for LLM_PROVIDER=${p}`);
  if (p === 'azure' && !v.llmAzureResource && !v.llmBaseUrl) issue('llmAzureResource', 'is required for LLM_PROVIDER=azure (or LLM_BASE_URL, e.g. https://<resource>.openai.azure.com/openai)');
  if (p !== 'azure') for (const key of AZURE_ONLY) if (v[key] !== undefined) issue(key, `applies only to LLM_PROVIDER=azure (LLM_PROVIDER is ${p})`);
  return issues;
}

const EXAMPLE_MODEL: Record<LlmProviderName, string> = {
  openai: 'gpt-4o-mini',
  azure: 'gpt-4o-mini, the model of the deployment',
  anthropic: 'claude-sonnet-4-5',
  'openai-compatible': 'llama3.1',
};
