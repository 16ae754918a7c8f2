// LLM_PROVIDERS: the instance's named providers beyond the one of LLM_PROVIDER, as JSON, each
// with its models and what the catalog knows of them. Checked at start-up by hand (TypeBox's
// value checker would load on every start, decision 0019) with a message that names the entry
// and the field: `[1].models[0].inputPrice: must be a number from 0 to 1000000`.
import type { NodeRequest } from '../net/guarded-fetch.ts';
import { SettingError } from '../settings.ts';

export const LLM_PROVIDER_KINDS = ['openai', 'azure', 'anthropic', 'openai-compatible'] as const;
export type LlmProviderName = (typeof LLM_PROVIDER_KINDS)[number];

/** A provider name: what usage rows, fallbacks (`name/model`) and the catalog call it. */
export const PROVIDER_NAME = /^[a-z][a-z0-9_-]{0,39}$/;

/** A provider as declared (instance) or given by a caller (an organization's own). */
export interface LlmProviderConfig {
  /** `default` (LLM_PROVIDER), a name of LLM_PROVIDERS, or an organization's provider. */
  name: string;
  kind: LlmProviderName;
  apiKey: string | undefined;
  baseUrl: string | undefined;
  /** Azure only. */
  azure?: { resource: string | undefined; apiVersion: string | undefined };
  /**
   * Identifies the provider across calls (its client and its circuit breaker); default
   * `instance:<name>`. A caller gives a new one when the key or the address changes.
   */
  id?: string;
  /** The fetch its requests go through (a caller's guarded one for addresses users gave). */
  fetch?: typeof globalThis.fetch;
  /**
   * The same as a node:http request, for the streamed answers Trellis reads itself
   * (chat-completions.ts); given with `fetch`, or those answers go through `fetch` and the SDK.
   */
  request?: NodeRequest;
}

/** Minor units of LLM_CURRENCY per million tokens (decimals allowed: 7.5 is $0.075 per million). */
export interface LlmPrice {
  input: number;
  output: number;
}

/** A model of an instance provider, with what the catalog knows of it. */
export interface LlmModelConfig {
  provider: string;
  model: string;
  /** Azure: the deployment serving the model (default: the model's name). */
  deployment: string | undefined;
  contextWindow: number | null;
  price: LlmPrice | null;
  /** Whether the model can be offered tools (default true). */
  tools: boolean;
  /** Tried in order when this model's provider is down: `provider/model` of instance models. */
  fallback: string[];
}

export const MAX_PRICE = 1_000_000;
export const MAX_CONTEXT = 100_000_000;

const bad = (path: string, message: string): never => {
  throw new SettingError(path ? `${path}: ${message}` : message);
};

type Json = Record<string, unknown>;

function fields(value: unknown, path: string, allowed: readonly string[]): Json {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return bad(path, 'must be an object');
  const unknown = Object.keys(value).filter((k) => !allowed.includes(k));
  if (unknown.length) bad(`${path}.${unknown[0]}`, `is not a field of this entry (fields: ${allowed.join(', ')})`);
  return value as Json;
}

function str(o: Json, key: string, path: string, required: boolean): string | undefined {
  const v = o[key];
  if (v === undefined || v === null || v === '') return required ? bad(`${path}.${key}`, 'is required') : undefined;
  if (typeof v !== 'string') return bad(`${path}.${key}`, 'must be a string');
  return v;
}

function num(o: Json, key: string, path: string, max: number, integer = false): number | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || v > max || (integer && !Number.isInteger(v))) bad(`${path}.${key}`, `must be ${integer ? 'an integer' : 'a number'} from 0 to ${max}`);
  return v as number;
}

/** The checks a provider's fields need whichever way it is declared; `at` names a field. */
export function providerIssues(p: { kind: LlmProviderName; apiKey?: string; baseUrl?: string; azureResource?: string; azureApiVersion?: string }): { field: 'apiKey' | 'baseUrl' | 'azureResource' | 'azureApiVersion'; message: string }[] {
  const issues: { field: 'apiKey' | 'baseUrl' | 'azureResource' | 'azureApiVersion'; message: string }[] = [];
  if (p.kind === 'openai-compatible' && !p.baseUrl) issues.push({ field: 'baseUrl', message: 'is required for openai-compatible: the server\'s OpenAI API, e.g. http://localhost:11434/v1 (Ollama)' });
  if (p.kind !== 'openai-compatible' && !p.apiKey) issues.push({ field: 'apiKey', message: `is required for ${p.kind}` });
  if (p.kind === 'azure' && !p.azureResource && !p.baseUrl) issues.push({ field: 'azureResource', message: 'is required for azure (or baseUrl, e.g. https://<resource>.openai.azure.com/openai)' });
  if (p.kind !== 'azure') {
    if (p.azureResource) issues.push({ field: 'azureResource', message: `applies only to azure (this provider is ${p.kind})` });
    if (p.azureApiVersion) issues.push({ field: 'azureApiVersion', message: `applies only to azure (this provider is ${p.kind})` });
  }
  if (p.azureResource && !/^[a-z0-9][a-z0-9-]{1,62}$/i.test(p.azureResource)) issues.push({ field: 'azureResource', message: 'must be the resource name only (letters, digits and hyphens), not its URL' });
  return issues;
}

function parseBaseUrl(raw: string | undefined, path: string): string | undefined {
  if (raw === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return bad(path, 'is not a valid URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') bad(path, `must use http: or https:, got ${url.protocol}`);
  return raw;
}

function parseModel(value: unknown, path: string, provider: string): LlmModelConfig {
  if (typeof value === 'string') {
    if (!value.trim()) bad(path, 'must not be empty');
    return { provider, model: value, deployment: undefined, contextWindow: null, price: null, tools: true, fallback: [] };
  }
  const o = fields(value, path, ['name', 'deployment', 'contextWindow', 'inputPrice', 'outputPrice', 'tools', 'fallback']);
  const input = num(o, 'inputPrice', path, MAX_PRICE);
  const output = num(o, 'outputPrice', path, MAX_PRICE);
  if ((input === undefined) !== (output === undefined)) bad(`${path}.${input === undefined ? 'inputPrice' : 'outputPrice'}`, 'is required with the other price');
  if (o.tools !== undefined && typeof o.tools !== 'boolean') bad(`${path}.tools`, 'must be true or false');
  const fallback = o.fallback ?? [];
  if (!Array.isArray(fallback) || fallback.some((f) => typeof f !== 'string')) bad(`${path}.fallback`, 'must be a list of "provider/model"');
  return {
    provider,
    model: str(o, 'name', path, true)!,
    deployment: str(o, 'deployment', path, false),
    contextWindow: num(o, 'contextWindow', path, MAX_CONTEXT, true) ?? null,
    price: input === undefined ? null : { input, output: output! },
    tools: (o.tools as boolean | undefined) ?? true,
    fallback: fallback as string[],
  };
}

/** Parses LLM_PROVIDERS: the providers and their models; throws SettingError naming the field. */
export function parseProviderList(raw: string): { providers: LlmProviderConfig[]; models: LlmModelConfig[] } {
  let list: unknown;
  try {
    list = JSON.parse(raw);
  } catch (err) {
    return bad('', `is not JSON (${(err as Error).message}): a list like [{"name":"backup","provider":"anthropic","apiKey":"…","models":["claude-haiku-4-5"]}]`);
  }
  if (!Array.isArray(list)) return bad('', 'must be a JSON list of providers');
  const providers: LlmProviderConfig[] = [];
  const models: LlmModelConfig[] = [];
  list.forEach((entry, i) => {
    const path = `[${i}]`;
    const o = fields(entry, path, ['name', 'provider', 'apiKey', 'baseUrl', 'azureResource', 'azureApiVersion', 'models']);
    const name = str(o, 'name', path, true)!;
    if (!PROVIDER_NAME.test(name)) bad(`${path}.name`, 'must be 1 to 40 lower-case letters, digits, _ or -, a letter first');
    if (name === 'default') bad(`${path}.name`, '"default" is the provider of LLM_PROVIDER: choose another name');
    if (providers.some((p) => p.name === name)) bad(`${path}.name`, `"${name}" is declared twice`);
    const kind = str(o, 'provider', path, true) as LlmProviderName;
    if (!LLM_PROVIDER_KINDS.includes(kind)) bad(`${path}.provider`, `must be one of ${LLM_PROVIDER_KINDS.join(', ')}, got "${kind}"`);
    const declared = {
      kind,
      apiKey: str(o, 'apiKey', path, false),
      baseUrl: parseBaseUrl(str(o, 'baseUrl', path, false), `${path}.baseUrl`),
      azureResource: str(o, 'azureResource', path, false),
      azureApiVersion: str(o, 'azureApiVersion', path, false),
    };
    const [issue] = providerIssues(declared);
    if (issue) bad(`${path}.${issue.field}`, issue.message);
    if (!Array.isArray(o.models) || !o.models.length) bad(`${path}.models`, 'must list at least one model (a name, or {"name", "contextWindow", "inputPrice", "outputPrice", "tools", "fallback"})');
    const own = (o.models as unknown[]).map((m, j) => parseModel(m, `${path}.models[${j}]`, name));
    for (const [j, m] of own.entries()) if (own.findIndex((x) => x.model === m.model) !== j) bad(`${path}.models[${j}]`, `"${m.model}" is listed twice`);
    providers.push({
      name,
      kind,
      apiKey: declared.apiKey,
      baseUrl: declared.baseUrl,
      ...(kind === 'azure' ? { azure: { resource: declared.azureResource, apiVersion: declared.azureApiVersion } } : {}),
    });
    models.push(...own);
  });
  return { providers, models };
}

/** `provider/model`: how fallbacks and usage reports name a model (provider names hold no `/`). */
export const modelRef = (m: { provider: string; model: string }) => `${m.provider}/${m.model}`;

export function splitModelRef(ref: string): { provider: string; model: string } | null {
  const at = ref.indexOf('/');
  return at > 0 && at < ref.length - 1 ? { provider: ref.slice(0, at), model: ref.slice(at + 1) } : null;
}
