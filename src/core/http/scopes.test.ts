// The scope registry (decision 0034): declarations gathered once, malformed or doubled ones
// refused; a server given the registry refuses a route that checks an undeclared scope.
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config.ts';
import { createLogger } from '../log/logger.ts';
import { createMetrics } from '../metrics/metrics.ts';
import { createScopeRegistry } from './scopes.ts';
import { createHttpServer } from './server.ts';

const things = { owner: 'things', scopes: [{ name: 'things:write', description: 'Change things.' }, { name: 'things:read', description: 'Read things.' }] };

describe('createScopeRegistry', () => {
  it('knows every declared scope and lists them sorted, each with who declared it', () => {
    const registry = createScopeRegistry([{ owner: 'core', scopes: [{ name: 'jobs:admin', description: 'Jobs.' }] }, things]);
    expect(registry.has('things:read')).toBe(true);
    expect(registry.has('things:delete')).toBe(false);
    expect(registry.list()).toEqual([
      { name: 'jobs:admin', description: 'Jobs.', module: 'core' },
      { name: 'things:read', description: 'Read things.', module: 'things' },
      { name: 'things:write', description: 'Change things.', module: 'things' },
    ]);
  });

  it('refuses a malformed name and a scope declared twice', () => {
    expect(() => createScopeRegistry([{ owner: 'things', scopes: [{ name: 'Things:Read', description: 'x' }] }])).toThrow(/things declares the API key scope "Things:Read"/);
    expect(() => createScopeRegistry([things, { owner: 'other', scopes: [{ name: 'things:read', description: 'x' }] }])).toThrow(
      'the API key scope "things:read" is declared by both things and other',
    );
  });
});

describe('a server given the registry', () => {
  const config = loadConfig({ JWT_SECRET: 'x'.repeat(32), LOG_LEVEL: 'silent' });
  const serve = async (scope: string) => {
    const { app } = await createHttpServer({ config, log: createLogger('silent'), metrics: createMetrics(), scopes: createScopeRegistry([things]) });
    try {
      await app.register(async (api) => {
        api.get('/things', { config: { auth: { scope } } }, async () => ({ ok: true }));
      });
      await app.ready();
      return (await app.inject({ method: 'GET', url: '/things' })).statusCode;
    } finally {
      await app.close();
    }
  };

  it('accepts a route that checks a declared scope', async () => {
    expect(await serve('things:read')).toBe(401);
  });

  it('refuses, at start-up, a route that checks a scope nothing declares', async () => {
    await expect(serve('things:delete')).rejects.toThrow('GET /things checks the API key scope "things:delete", which nothing declares');
  });
});
