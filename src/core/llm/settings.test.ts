import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../config.ts';

const BASE = { JWT_SECRET: 'a'.repeat(32) };

function issues(env: Record<string, string>): { variable: string; message: string }[] {
  try {
    loadConfig({ ...BASE, ...env });
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return [...(err as ConfigError).issues];
  }
  throw new Error(`loadConfig accepted ${JSON.stringify(env)}`);
}

describe('LLM settings', () => {
  it('leave the model unconfigured by default, and keep the raw variables out of the config', () => {
    const config = loadConfig(BASE);
    expect(config.llm).toBeUndefined();
    expect(Object.keys(config).filter((key) => key.startsWith('llm'))).toEqual(['llm']);
  });

  it('configure each provider as `default`, with its defaults', () => {
    expect(loadConfig({ ...BASE, LLM_PROVIDER: 'openai', LLM_MODEL: 'gpt-4o-mini', LLM_API_KEY: 'sk-1' }).llm).toEqual({
      providers: [{ name: 'default', kind: 'openai', apiKey: 'sk-1', baseUrl: undefined }],
      models: [{ provider: 'default', model: 'gpt-4o-mini', deployment: undefined, contextWindow: null, price: null, tools: true, fallback: [] }],
      currency: 'USD',
      timeoutMs: 60_000,
      maxRetries: 2,
      breaker: { failures: 5, cooldownMs: 30_000 },
    });
    expect(loadConfig({ ...BASE, LLM_PROVIDER: 'openai-compatible', LLM_MODEL: 'llama3.1', LLM_BASE_URL: 'http://localhost:11434/v1', LLM_TIMEOUT: '500ms', LLM_MAX_RETRIES: '0' }).llm).toMatchObject({
      providers: [{ kind: 'openai-compatible', apiKey: undefined, baseUrl: 'http://localhost:11434/v1' }],
      timeoutMs: 500,
      maxRetries: 0,
    });
    // The deployment defaults to the model's name.
    const azure = loadConfig({ ...BASE, LLM_PROVIDER: 'azure', LLM_MODEL: 'gpt-4o', LLM_API_KEY: 'k', LLM_AZURE_RESOURCE: 'my-res' }).llm!;
    expect(azure.providers[0].azure).toEqual({ resource: 'my-res', apiVersion: undefined });
    expect(azure.models[0].deployment).toBe('gpt-4o');
    const dated = loadConfig({ ...BASE, LLM_PROVIDER: 'azure', LLM_MODEL: 'gpt-4o', LLM_API_KEY: 'k', LLM_BASE_URL: 'https://gw.example/openai', LLM_AZURE_DEPLOYMENT: 'prod', LLM_AZURE_API_VERSION: '2024-10-21' }).llm!;
    expect(dated.providers[0].azure).toEqual({ resource: undefined, apiVersion: '2024-10-21' });
    expect(dated.models[0].deployment).toBe('prod');
    expect(loadConfig({ ...BASE, LLM_PROVIDER: 'anthropic', LLM_MODEL: 'claude-sonnet-4-5', LLM_API_KEY: 'k' }).llm?.providers[0].kind).toBe('anthropic');
  });

  it('declare more named providers in LLM_PROVIDERS, with their catalog and fallbacks', () => {
    const providers = [
      { name: 'backup', provider: 'anthropic', apiKey: 'sk-ant', models: ['claude-haiku-4-5', { name: 'claude-sonnet-4-5', contextWindow: 200000, inputPrice: 300, outputPrice: 1500, tools: true, fallback: ['backup/claude-haiku-4-5'] }] },
      { name: 'local', provider: 'openai-compatible', baseUrl: 'http://localhost:11434/v1', models: [{ name: 'llama3.1:8b', inputPrice: 0, outputPrice: 0, tools: false }] },
    ];
    const llm = loadConfig({ ...BASE, LLM_PROVIDER: 'openai', LLM_MODEL: 'gpt-4o-mini', LLM_API_KEY: 'sk-1', LLM_FALLBACK: 'backup/claude-haiku-4-5,local/llama3.1:8b', LLM_PROVIDERS: JSON.stringify(providers), LLM_CURRENCY: 'EUR', LLM_BREAKER_FAILURES: '3', LLM_BREAKER_COOLDOWN: '2s' }).llm!;
    expect(llm.providers.map((p) => [p.name, p.kind])).toEqual([
      ['default', 'openai'],
      ['backup', 'anthropic'],
      ['local', 'openai-compatible'],
    ]);
    expect(llm.models.map((m) => `${m.provider}/${m.model}`)).toEqual(['default/gpt-4o-mini', 'backup/claude-haiku-4-5', 'backup/claude-sonnet-4-5', 'local/llama3.1:8b']);
    expect(llm.models[0].fallback).toEqual(['backup/claude-haiku-4-5', 'local/llama3.1:8b']);
    expect(llm.models[2]).toEqual({ provider: 'backup', model: 'claude-sonnet-4-5', deployment: undefined, contextWindow: 200000, price: { input: 300, output: 1500 }, tools: true, fallback: ['backup/claude-haiku-4-5'] });
    expect(llm.models[3]).toMatchObject({ price: { input: 0, output: 0 }, tools: false });
    expect(llm).toMatchObject({ currency: 'EUR', breaker: { failures: 3, cooldownMs: 2000 } });
    // Without LLM_PROVIDER, the first model of LLM_PROVIDERS is the default.
    expect(loadConfig({ ...BASE, LLM_PROVIDERS: JSON.stringify(providers) }).llm!.models[0].model).toBe('claude-haiku-4-5');
  });

  it('name the entry and the field of LLM_PROVIDERS to fix', () => {
    const one = (entry: unknown) => issues({ LLM_PROVIDERS: JSON.stringify([entry]) });
    expect(issues({ LLM_PROVIDERS: '[{"name":' })).toEqual([{ variable: 'LLM_PROVIDERS', message: expect.stringContaining('is not JSON') }]);
    expect(issues({ LLM_PROVIDERS: '{}' })).toEqual([{ variable: 'LLM_PROVIDERS', message: 'must be a JSON list of providers' }]);
    expect(one({ provider: 'openai', apiKey: 'k', models: ['m'] })).toEqual([{ variable: 'LLM_PROVIDERS', message: '[0].name: is required' }]);
    expect(one({ name: 'default', provider: 'openai', apiKey: 'k', models: ['m'] })[0].message).toContain('[0].name: "default" is the provider of LLM_PROVIDER');
    expect(one({ name: 'Big Name', provider: 'openai', apiKey: 'k', models: ['m'] })[0].message).toContain('[0].name: must be 1 to 40 lower-case letters');
    expect(one({ name: 'x', provider: 'gemini', models: ['m'] })[0].message).toBe('[0].provider: must be one of openai, azure, anthropic, openai-compatible, got "gemini"');
    expect(one({ name: 'x', provider: 'openai', models: ['m'] })[0].message).toBe('[0].apiKey: is required for openai');
    expect(one({ name: 'x', provider: 'openai-compatible', models: ['m'] })[0].message).toContain('[0].baseUrl: is required for openai-compatible');
    expect(one({ name: 'x', provider: 'openai-compatible', baseUrl: 'ftp://h/v1', models: ['m'] })[0].message).toBe('[0].baseUrl: must use http: or https:, got ftp:');
    expect(one({ name: 'x', provider: 'openai', apiKey: 'k', azureResource: 'r', models: ['m'] })[0].message).toBe('[0].azureResource: applies only to azure (this provider is openai)');
    expect(one({ name: 'x', provider: 'openai', apiKey: 'k', models: [] })[0].message).toContain('[0].models: must list at least one model');
    expect(one({ name: 'x', provider: 'openai', apiKey: 'k', modles: ['m'] })[0].message).toContain('[0].modles: is not a field of this entry');
    expect(one({ name: 'x', provider: 'openai', apiKey: 'k', models: [{ name: 'm', inputPrice: -1, outputPrice: 1 }] })[0].message).toBe('[0].models[0].inputPrice: must be a number from 0 to 1000000');
    expect(one({ name: 'x', provider: 'openai', apiKey: 'k', models: [{ name: 'm', inputPrice: 1 }] })[0].message).toBe('[0].models[0].outputPrice: is required with the other price');
    expect(one({ name: 'x', provider: 'openai', apiKey: 'k', models: [{ name: 'm', contextWindow: 1.5 }] })[0].message).toBe('[0].models[0].contextWindow: must be an integer from 0 to 100000000');
    expect(one({ name: 'x', provider: 'openai', apiKey: 'k', models: ['m', 'm'] })[0].message).toBe('[0].models[1]: "m" is listed twice');
    expect(one({ name: 'x', provider: 'openai', apiKey: 'k', models: [{ name: 'm', fallback: ['x/n'] }] })).toEqual([{ variable: 'LLM_PROVIDERS', message: expect.stringContaining('x/m: fallback "x/n" is not a model of LLM_PROVIDERS') }]);
    expect(issues({ LLM_PROVIDER: 'openai', LLM_MODEL: 'm', LLM_API_KEY: 'k', LLM_FALLBACK: 'default/m' })).toEqual([{ variable: 'LLM_FALLBACK', message: '"default/m" is the model itself' }]);
    expect(issues({ LLM_FALLBACK: 'backup/m' })).toEqual([{ variable: 'LLM_FALLBACK', message: expect.stringContaining('is the fallback of LLM_MODEL') }]);
    expect(issues({ LLM_CURRENCY: 'XYZ' })).toEqual([{ variable: 'LLM_CURRENCY', message: expect.stringContaining('must be an ISO 4217 currency code') }]);
  });

  it('name every variable a provider still needs', () => {
    expect(issues({ LLM_PROVIDER: 'openai' })).toEqual([
      { variable: 'LLM_MODEL', message: expect.stringContaining('is required when LLM_PROVIDER is set') },
      { variable: 'LLM_API_KEY', message: 'is required for LLM_PROVIDER=openai' },
    ]);
    expect(issues({ LLM_PROVIDER: 'openai-compatible', LLM_MODEL: 'llama3.1' })).toEqual([
      { variable: 'LLM_BASE_URL', message: expect.stringContaining('is required for LLM_PROVIDER=openai-compatible') },
    ]);
    expect(issues({ LLM_PROVIDER: 'azure', LLM_MODEL: 'gpt-4o', LLM_API_KEY: 'k' })).toEqual([
      { variable: 'LLM_AZURE_RESOURCE', message: expect.stringContaining('is required for LLM_PROVIDER=azure (or LLM_BASE_URL') },
    ]);
    expect(issues({ LLM_PROVIDER: 'anthropic', LLM_MODEL: 'claude-sonnet-4-5' })).toEqual([{ variable: 'LLM_API_KEY', message: 'is required for LLM_PROVIDER=anthropic' }]);
  });

  it('refuse settings that cannot take effect, and bad values', () => {
    // Without a provider, a model or key set is a configuration half done.
    expect(issues({ LLM_MODEL: 'gpt-4o', LLM_API_KEY: 'k' })).toEqual([{ variable: 'LLM_PROVIDER', message: expect.stringContaining('is required when LLM_MODEL, LLM_API_KEY are set') }]);
    expect(issues({ LLM_PROVIDER: 'openai', LLM_MODEL: 'm', LLM_API_KEY: 'k', LLM_AZURE_DEPLOYMENT: 'd' })).toEqual([
      { variable: 'LLM_AZURE_DEPLOYMENT', message: 'applies only to LLM_PROVIDER=azure (LLM_PROVIDER is openai)' },
    ]);
    expect(issues({ LLM_PROVIDER: 'gemini' })).toEqual([{ variable: 'LLM_PROVIDER', message: expect.stringContaining('must be one of openai, azure, anthropic, openai-compatible') }]);
    expect(issues({ LLM_PROVIDER: 'openai-compatible', LLM_MODEL: 'm', LLM_BASE_URL: 'localhost:11434' })).toEqual([{ variable: 'LLM_BASE_URL', message: 'must use http: or https:, got localhost:' }]);
    expect(issues({ LLM_AZURE_RESOURCE: 'https://x.openai.azure.com', LLM_PROVIDER: 'azure' })[0]).toEqual({ variable: 'LLM_AZURE_RESOURCE', message: expect.stringContaining('resource name only') });
    expect(issues({ LLM_TIMEOUT: '10ms' })).toEqual([{ variable: 'LLM_TIMEOUT', message: expect.stringContaining('must be between 100ms') }]);
    expect(issues({ LLM_MAX_RETRIES: '11' })).toEqual([{ variable: 'LLM_MAX_RETRIES', message: 'must be between 0 and 10, got 11' }]);
  });
});
