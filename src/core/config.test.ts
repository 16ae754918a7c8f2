import { spawnSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, loadTracingConfig } from './config.ts';

const SECRET = 'a'.repeat(32);
const ROOT = resolve(import.meta.dirname, '../..');

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'trellis-config-'));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** The ConfigError thrown by loadConfig(env); fails the test if none is thrown. */
function configError(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error(`loadConfig accepted ${JSON.stringify(env)}`);
}

describe('loadConfig', () => {
  it('applies the documented defaults', () => {
    const c = loadConfig({ JWT_SECRET: SECRET });
    expect(c).toMatchObject({
      nodeEnv: 'development',
      production: false,
      port: 3000,
      host: '127.0.0.1',
      dataDir: resolve('./data'),
      embedded: true,
      databaseUrl: undefined,
      redisUrl: undefined,
      databasePoolSize: 10,
      accessTokenTtl: 900,
      rateLimit: 1000,
      bodyLimit: 1048576,
      logLevel: 'info',
      corsOrigins: [],
      trustProxy: false,
      shutdownTimeout: 10,
      dispatcherEnabled: true,
      eventMaxAttempts: 8,
      jwtIssuer: 'trellis',
      jwtAudience: 'trellis-api',
      migrateOnStart: undefined,
      jwt: { algorithm: 'HS256', secret: SECRET },
    });
    expect(Object.isFrozen(c)).toBe(true);
    // The raw key settings are folded into `jwt` and not kept under their own names.
    expect(c).not.toHaveProperty('jwtSecret');
    // Given no module's slice, there is no module's settings.
    expect(c.moduleSettings).toEqual({});
  });

  it('parses given values', () => {
    const c = loadConfig({
      JWT_SECRET: SECRET,
      PORT: '8080',
      ACCESS_TOKEN_TTL: '1h',
      DATABASE_URL: 'postgres://u@db:5432/x',
      CORS_ORIGINS: 'https://a.example, https://b.example',
      DISPATCHER_ENABLED: 'false',
    });
    expect(c).toMatchObject({
      port: 8080,
      accessTokenTtl: 3600,
      embedded: false,
      databaseUrl: 'postgres://u@db:5432/x',
      corsOrigins: ['https://a.example', 'https://b.example'],
      dispatcherEnabled: false,
    });
  });

  it('takes a connection string over a Unix socket, which names no host', () => {
    const socket = 'postgresql://trellis:p%40ss@/trellis?host=%2Fsrv%2Fdata%2Fpostgres.run&port=5432';
    expect(loadConfig({ JWT_SECRET: SECRET, DATABASE_URL: socket }).databaseUrl).toBe(socket);
    expect(configError({ JWT_SECRET: SECRET, DATABASE_URL: 'mysql://u@/db?host=%2Ftmp' }).variable).toBe('DATABASE_URL');
  });

  it.each([
    ['PORT', 'abc'],
    ['PORT', '70000'],
    ['PORT', '-1'],
    ['ACCESS_TOKEN_TTL', 'soon'],
    ['ACCESS_TOKEN_TTL', '0'],
    ['LOG_LEVEL', 'loud'],
    ['DATABASE_URL', 'mysql://x'],
    ['DATABASE_URL', 'not a url'],
    ['REDIS_URL', 'http://cache'],
    ['NODE_ENV', 'staging'],
    ['DISPATCHER_ENABLED', 'maybe'],
    ['ADMIN_EMAIL', 'not-an-email'],
  ])('%s=%s throws a ConfigError naming the variable', (name, value) => {
    const err = configError({ JWT_SECRET: SECRET, [name]: value });
    expect(err.variable).toBe(name);
    expect(err.message.startsWith(`${name}: `)).toBe(true);
  });

  it('names every bad variable at once, one line each, in the order they are declared', () => {
    const err = configError({ JWT_SECRET: SECRET, LOG_LEVEL: 'loud', PORT: 'abc', REDIS_URL: 'http://cache' });
    expect(err.issues.map((i) => i.variable)).toEqual(['PORT', 'REDIS_URL', 'LOG_LEVEL']);
    expect(err.message.split('\n')).toEqual(['PORT: expected an integer, got "abc"', 'REDIS_URL: must use redis: or rediss:, got http:', 'LOG_LEVEL: must be one of fatal, error, warn, info, debug, trace, silent, got "loud"']);
    // Checks across variables too.
    expect(configError({ JWT_SECRET: SECRET, METRICS_PORT: '3000', ADMIN_EMAIL: 'root@example.test' }).issues.map((i) => i.variable)).toEqual(['METRICS_PORT', 'ADMIN_PASSWORD']);
  });

  it('refuses a JWT_SECRET shorter than 32 characters', () => {
    const err = configError({ JWT_SECRET: 'x'.repeat(31) });
    expect(err.variable).toBe('JWT_SECRET');
    expect(err.message).toMatch(/at least 32/);
    expect(loadConfig({ JWT_SECRET: 'x'.repeat(32) }).jwt.secret).toBe('x'.repeat(32));
  });

  it('refuses ADMIN_EMAIL without ADMIN_PASSWORD', () => {
    expect(configError({ JWT_SECRET: SECRET, ADMIN_EMAIL: 'root@example.test' }).variable).toBe('ADMIN_PASSWORD');
  });

  it('refuses to start in production without a signing key', () => {
    const dataDir = tempDir();
    const err = configError({ NODE_ENV: 'production', DATA_DIR: dataDir });
    expect(err.variable).toBe('JWT_SECRET');
    expect(err.message).toMatch(/production/);
    // Nothing was generated as a fallback.
    expect(existsSync(join(dataDir, 'jwt-secret'))).toBe(false);
    expect(loadConfig({ NODE_ENV: 'production', JWT_SECRET: SECRET }).production).toBe(true);
  });

  it('generates a development secret into DATA_DIR and reuses it on the next load', () => {
    const dataDir = join(tempDir(), 'nested');
    const first = loadConfig({ DATA_DIR: dataDir });
    const file = join(dataDir, 'jwt-secret');
    expect(first.dataDir).toBe(dataDir);
    expect(first.jwt.algorithm).toBe('HS256');
    expect(first.jwt.secret!.length).toBeGreaterThanOrEqual(32);
    expect(readFileSync(file, 'utf8')).toBe(first.jwt.secret);
    expect(statSync(file).mode & 0o777).toBe(0o600);

    const second = loadConfig({ DATA_DIR: dataDir });
    expect(second.jwt.secret).toBe(first.jwt.secret);
    // Another data dir gets another secret.
    expect(loadConfig({ DATA_DIR: tempDir() }).jwt.secret).not.toBe(first.jwt.secret);
  });

  it('accepts an EdDSA key pair (also with escaped newlines) and refuses half a pair', () => {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519', {
      privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
      publicKeyEncoding: { type: 'spki', format: 'pem' },
    });
    const c = loadConfig({ JWT_PRIVATE_KEY: privateKey, JWT_PUBLIC_KEY: publicKey, NODE_ENV: 'production' });
    expect(c.jwt).toEqual({ algorithm: 'EdDSA', privateKey, publicKey });

    const oneLine = loadConfig({ JWT_PRIVATE_KEY: privateKey.replace(/\n/g, '\\n'), JWT_PUBLIC_KEY: publicKey.replace(/\n/g, '\\n') });
    expect(oneLine.jwt).toEqual({ algorithm: 'EdDSA', privateKey, publicKey });

    expect(configError({ JWT_PRIVATE_KEY: privateKey }).variable).toBe('JWT_PUBLIC_KEY');
    expect(configError({ JWT_PUBLIC_KEY: publicKey }).variable).toBe('JWT_PRIVATE_KEY');
    expect(configError({ JWT_PRIVATE_KEY: publicKey, JWT_PUBLIC_KEY: publicKey }).variable).toBe('JWT_PRIVATE_KEY');
    expect(configError({ JWT_PRIVATE_KEY: privateKey, JWT_PUBLIC_KEY: privateKey }).variable).toBe('JWT_PUBLIC_KEY');
  });
});

describe('start-up with a bad setting', () => {
  it('exits with code 1 and one stderr line naming the variable, without a stack trace', () => {
    const dataDir = tempDir();
    const result = spawnSync(join(ROOT, 'node_modules/.bin/node'), ['src/main.ts'], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? dataDir, PORT: 'abc', DATA_DIR: dataDir },
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(result.error).toBeUndefined();
    expect(result.status).toBe(1);
    const lines = result.stderr.split('\n').filter((l) => l.trim() !== '');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/PORT/);
    expect(lines[0]).toMatch(/abc/);
    expect(result.stderr).not.toContain('    at ');
    // It stopped before building anything: no secret generated, no database created.
    expect(readdirSync(dataDir)).toEqual([]);
  });
});

describe('tracing settings', () => {
  it('are off by default, and refuse an endpoint that is no http(s) URL and the grpc protocol', () => {
    expect(loadTracingConfig({})).toEqual({ endpoint: undefined, protocol: 'http/protobuf', serviceName: 'trellis' });
    expect(loadTracingConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'https://otel.example:4318', OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json', OTEL_SERVICE_NAME: 'api' })).toEqual({
      endpoint: 'https://otel.example:4318',
      protocol: 'http/json',
      serviceName: 'api',
    });
    expect(() => loadTracingConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318' })).toThrow(/OTEL_EXPORTER_OTLP_ENDPOINT/);
    expect(configError({ JWT_SECRET: SECRET, OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' }).variable).toBe('OTEL_EXPORTER_OTLP_PROTOCOL');
  });

  it('stop start-up with one line when bad, before the app is loaded', () => {
    const dataDir = tempDir();
    const result = spawnSync(join(ROOT, 'node_modules/.bin/node'), ['src/main.ts'], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? dataDir, DATA_DIR: dataDir, OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9', OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' },
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(result.status).toBe(1);
    expect(result.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^trellis: invalid configuration: OTEL_EXPORTER_OTLP_PROTOCOL: .*"grpc"$/)]);
    expect(readdirSync(dataDir)).toEqual([]);
  });
});
