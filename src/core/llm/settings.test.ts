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

  it('configure each provider, with its defaults', () => {
    expect(loadConfig({ ...BASE, LLM_PROVIDER: 'openai', LLM_MODEL: 'gpt-4o-mini', LLM_API_KEY: 'sk-1' }).llm).toEqual({
      provider: 'openai',
      model: 'gpt-4o-mini',
      apiKey: 'sk-1',
      baseUrl: undefined,
      azure: undefined,
      timeoutMs: 60_000,
      maxRetries: 2,
    });
    expect(loadConfig({ ...BASE, LLM_PROVIDER: 'openai-compatible', LLM_MODEL: 'llama3.1', LLM_BASE_URL: 'http://localhost:11434/v1', LLM_TIMEOUT: '500ms', LLM_MAX_RETRIES: '0' }).llm).toMatchObject({
      provider: 'openai-compatible',
      apiKey: undefined,
      baseUrl: 'http://localhost:11434/v1',
      timeoutMs: 500,
      maxRetries: 0,
    });
    // The deployment defaults to the model's name.
    expect(loadConfig({ ...BASE, LLM_PROVIDER: 'azure', LLM_MODEL: 'gpt-4o', LLM_API_KEY: 'k', LLM_AZURE_RESOURCE: 'my-res' }).llm?.azure).toEqual({ resource: 'my-res', deployment: 'gpt-4o', apiVersion: undefined });
    expect(
      loadConfig({ ...BASE, LLM_PROVIDER: 'azure', LLM_MODEL: 'gpt-4o', LLM_API_KEY: 'k', LLM_BASE_URL: 'https://gw.example/openai', LLM_AZURE_DEPLOYMENT: 'prod', LLM_AZURE_API_VERSION: '2024-10-21' }).llm?.azure,
    ).toEqual({ resource: undefined, deployment: 'prod', apiVersion: '2024-10-21' });
    expect(loadConfig({ ...BASE, LLM_PROVIDER: 'anthropic', LLM_MODEL: 'claude-sonnet-4-5', LLM_API_KEY: 'k' }).llm?.provider).toBe('anthropic');
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
