// The language-model settings, part of core's slice (config.ts spreads them in). LLM_PROVIDER and
// its variables declare the provider named `default`; LLM_PROVIDERS declares more, each with its
// models. With neither, every LLM feature answers 503 LLM.NOT_CONFIGURED and the rest of the app
// runs as before. The checks across variables name each variable (and JSON field) to fix, so an
// operator who half-configured a provider learns at start-up what is missing, not at the first
// question.
import { type ConfigIssue, type Decoded, integer, list, millis, oneOf, optional, SettingError, setting, text, url } from '../settings.ts';
import { LLM_PROVIDER_KINDS, type LlmModelConfig, type LlmProviderConfig, type LlmProviderName, modelRef, parseProviderList } from './provider-list.ts';

export { LLM_PROVIDER_KINDS, type LlmModelConfig, type LlmPrice, type LlmProviderConfig, type LlmProviderName } from './provider-list.ts';

const azureResource = (raw: string) => {
  if (!/^[a-z0-9][a-z0-9-]{1,62}$/i.test(raw)) throw new SettingError('must be the resource name only (letters, digits and hyphens), not its URL: use LLM_BASE_URL for a URL');
  return raw;
};

let currencies: Set<string> | undefined;
const currency = (raw: string) => {
  currencies ??= new Set(Intl.supportedValuesOf('currency'));
  if (!currencies.has(raw)) throw new SettingError(`must be an ISO 4217 currency code such as USD or EUR, got "${raw}"`);
  return raw;
};

export const LLM_SETTINGS = {
  llmProvider: setting(
    'LLM_PROVIDER',
    '',
    optional(oneOf(...LLM_PROVIDER_KINDS)),
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
  llmFallback: setting('LLM_FALLBACK', '', list, 'Models tried in turn when the provider of `LLM_MODEL` is down or its circuit is open, as `provider/model` of `LLM_PROVIDERS` (e.g. `backup/claude-haiku-4-5`).'),
  llmProviders: setting(
    'LLM_PROVIDERS',
    '',
    optional(parseProviderList),
    'More named providers, as JSON: `[{"name":"backup","provider":"anthropic","apiKey":"…","models":["claude-haiku-4-5"]}]`, each with `name`, `provider`, `apiKey`, `baseUrl`, `azureResource`, `azureApiVersion` and `models` (names, or `{"name","deployment","contextWindow","inputPrice","outputPrice","tools","fallback"}`). See docs/llm.md.',
  ),
  llmCurrency: setting('LLM_CURRENCY', 'USD', currency, 'Currency of model prices (in its minor units per million tokens) and of money budgets, ISO 4217.'),
  llmBreakerFailures: setting('LLM_BREAKER_FAILURES', '5', integer(1, 1000), 'Consecutive failed calls (unreachable, 5xx, 429, timeout, refused key) after which a provider\'s circuit opens: calls go to its fallback, or fail at once.'),
  llmBreakerCooldown: setting('LLM_BREAKER_COOLDOWN', '30s', millis(100, 3_600_000), 'How long an open circuit stays open before one trial call may test the provider again.'),
};

export type LlmSettingValues = Decoded<typeof LLM_SETTINGS>;

/** The instance's providers and models: what core/llm calls. */
export interface LlmConfig {
  /** `default` first when LLM_PROVIDER is set, then those of LLM_PROVIDERS. */
  providers: LlmProviderConfig[];
  /** Every model of those providers; the first is the default (LLM_MODEL, else LLM_PROVIDERS' first). */
  models: LlmModelConfig[];
  currency: string;
  timeoutMs: number;
  maxRetries: number;
  breaker: { failures: number; cooldownMs: number };
}

const AZURE_ONLY = ['llmAzureResource', 'llmAzureDeployment', 'llmAzureApiVersion'] as const;
const VARIABLE: Record<keyof LlmSettingValues, string> = Object.fromEntries(
  Object.entries(LLM_SETTINGS).map(([key, s]) => [key, (s as unknown as { env: string }).env]),
) as Record<keyof LlmSettingValues, string>;

/**
 * The LLM settings out of core's decoded values: the providers' configuration (undefined when
 * none is declared), the issues across variables, and the other values without the LLM ones.
 */
export function splitLlmSettings<T extends LlmSettingValues>(values: T): { llm: LlmConfig | undefined; issues: ConfigIssue[]; rest: Omit<T, keyof LlmSettingValues> } {
  const rest: Record<string, unknown> = { ...values };
  for (const key of Object.keys(LLM_SETTINGS)) delete rest[key];
  const v = values;
  const issues = llmIssues(v);
  const providers: LlmProviderConfig[] = [];
  const models: LlmModelConfig[] = [];
  if (v.llmProvider) {
    providers.push({
      name: 'default',
      kind: v.llmProvider,
      apiKey: v.llmApiKey,
      baseUrl: v.llmBaseUrl,
      ...(v.llmProvider === 'azure' ? { azure: { resource: v.llmAzureResource, apiVersion: v.llmAzureApiVersion } } : {}),
    });
    models.push({
      provider: 'default',
      model: v.llmModel!,
      deployment: v.llmProvider === 'azure' ? (v.llmAzureDeployment ?? v.llmModel!) : undefined,
      contextWindow: null,
      price: null,
      tools: true,
      fallback: v.llmFallback,
    });
  }
  if (v.llmProviders) {
    providers.push(...v.llmProviders.providers);
    models.push(...v.llmProviders.models);
  }
  issues.push(...fallbackIssues(models));
  const llm: LlmConfig | undefined =
    providers.length && !issues.length
      ? { providers, models, currency: v.llmCurrency, timeoutMs: v.llmTimeout, maxRetries: v.llmMaxRetries, breaker: { failures: v.llmBreakerFailures, cooldownMs: v.llmBreakerCooldown } }
      : undefined;
  return { llm, issues, rest: rest as Omit<T, keyof LlmSettingValues> };
}

function llmIssues(v: LlmSettingValues): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const issue = (key: keyof LlmSettingValues, message: string) => issues.push({ variable: VARIABLE[key], message });
  if (!v.llmProvider) {
    // Anything else set without a provider is a configuration half done (or a misspelt provider variable).
    const set = (['llmModel', 'llmApiKey', 'llmBaseUrl', ...AZURE_ONLY] as const).filter((key) => v[key] !== undefined);
    if (set.length) issue('llmProvider', `is required when ${set.map((key) => VARIABLE[key]).join(', ')} ${set.length > 1 ? 'are' : 'is'} set: one of ${LLM_PROVIDER_KINDS.join(', ')}`);
    if (v.llmFallback.length) issue('llmFallback', 'is the fallback of LLM_MODEL: set LLM_PROVIDER and LLM_MODEL, or give the fallback in LLM_PROVIDERS');
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

/** Every fallback names an instance model other than its own. */
function fallbackIssues(models: readonly LlmModelConfig[]): ConfigIssue[] {
  const known = new Set(models.map(modelRef));
  const issues: ConfigIssue[] = [];
  models.forEach((m) => {
    for (const ref of m.fallback) {
      const variable = m.provider === 'default' ? VARIABLE.llmFallback : VARIABLE.llmProviders;
      const where = m.provider === 'default' ? '' : `${modelRef(m)}: fallback `;
      if (ref === modelRef(m)) issues.push({ variable, message: `${where}"${ref}" is the model itself` });
      else if (!known.has(ref)) issues.push({ variable, message: `${where}"${ref}" is not a model of LLM_PROVIDERS or LLM_MODEL (write provider/model, e.g. backup/claude-haiku-4-5)` });
    }
  });
  return issues;
}

const EXAMPLE_MODEL: Record<LlmProviderName, string> = {
  openai: 'gpt-4o-mini',
  azure: 'gpt-4o-mini, the model of the deployment',
  anthropic: 'claude-sonnet-4-5',
  'openai-compatible': 'llama3.1',
};
