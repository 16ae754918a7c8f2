// What can be checked of the deployment files without a container engine (decision 0023): the
// compose file sets only real settings and runs migrations as `npm run migrate` does, and the
// image runs as `npm start` does, as a non-root user, with a health check on /health/live.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { allSettings } from '../src/app.ts';
import { ROOT } from './processes.ts';

const read = (file: string) => readFileSync(join(ROOT, file), 'utf8');
const pkg = JSON.parse(read('package.json')) as { scripts: Record<string, string>; devDependencies: Record<string, string> };
/** Variables a Trellis container may be given that are not Trellis settings. None so far. */
const NOT_SETTINGS: string[] = [];

interface Service {
  build?: unknown;
  image?: string;
  command?: string[] | string;
  environment?: Record<string, string | number | boolean | null> | string[];
  depends_on?: Record<string, { condition: string }> | string[];
}
const compose = parse(read('compose.yaml'), { merge: true }) as { services: Record<string, Service> };
const services = compose.services;
/** The services that run the Trellis image: they are built from this repository. */
const trellis = Object.entries(services).filter(([, s]) => s.build !== undefined);
const apps = trellis.filter(([name]) => name !== 'migrate');

function environment(service: Service): Record<string, string> {
  const env = service.environment ?? {};
  if (Array.isArray(env)) return Object.fromEntries(env.map((line) => [line.split('=')[0], line.slice(line.indexOf('=') + 1)]));
  return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, String(v ?? '')]));
}

/** Splits a shell-free command line (npm scripts here have no quoting) into words. */
const words = (line: string) => line.trim().split(/\s+/);

/** The instructions of the Dockerfile's last stage, continuation lines joined. */
function finalStage(): { instruction: string; args: string }[] {
  const lines = read('Dockerfile')
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  const parsed = lines.map((l) => {
    const [instruction, ...rest] = l.split(/\s+/);
    return { instruction: instruction.toUpperCase(), args: rest.join(' ') };
  });
  const lastFrom = parsed.map((p) => p.instruction).lastIndexOf('FROM');
  return parsed.slice(lastFrom);
}

describe('compose.yaml', () => {
  it('has a one-shot migrate service and at least two app instances behind a proxy, with PostgreSQL and Redis', () => {
    expect(services.migrate).toBeDefined();
    expect(apps.length).toBeGreaterThanOrEqual(2);
    expect(Object.keys(services)).toEqual(expect.arrayContaining(['proxy', 'postgres', 'redis']));
  });

  it('sets only variables that are Trellis settings for the migrate and app services', () => {
    const known = new Set([...allSettings().flatMap(({ slice }) => Object.values(slice.schema.properties).map((s) => (s as { env: string }).env)), ...NOT_SETTINGS]);
    for (const [name, service] of trellis) {
      const unknown = Object.keys(environment(service)).filter((key) => !known.has(key));
      expect(unknown, `${name} sets variables that neither core nor a module declares`).toEqual([]);
    }
  });

  it('runs migrations with the same entry as `npm run migrate`, and the apps wait for it to succeed', () => {
    expect(services.migrate.command).toEqual(words(pkg.scripts.migrate));
    for (const [name, app] of apps) {
      expect((app.depends_on as Record<string, { condition: string }>)?.migrate, name).toEqual({ condition: 'service_completed_successfully' });
      expect(environment(app).MIGRATE_ON_START, name).toBe('false');
    }
  });

  it('requires its secrets instead of defaulting them, and runs the apps in production behind the proxy', () => {
    for (const [name, service] of trellis) {
      const env = environment(service);
      expect(env.NODE_ENV, name).toBe('production');
      expect(env.JWT_SECRET, name).toMatch(/^\$\{JWT_SECRET:\?/);
      expect(env.DATABASE_URL, name).toMatch(/\$\{POSTGRES_PASSWORD:\?/);
    }
    for (const [name, app] of apps) expect(environment(app).TRUST_PROXY, name).toBeTruthy();
    expect(environment(services.postgres).POSTGRES_PASSWORD).toMatch(/^\$\{POSTGRES_PASSWORD:\?/);
  });

  it('sends traffic through the proxy to every app instance', () => {
    const caddyfile = read('deploy/Caddyfile');
    for (const [name] of apps) expect(caddyfile, name).toMatch(new RegExp(`\\b${name}:3000\\b`));
    expect(caddyfile).toContain('health_uri /health/ready');
  });
});

describe('Dockerfile', () => {
  const stage = finalStage();
  const last = (instruction: string) => stage.filter((s) => s.instruction === instruction).at(-1);

  it('starts the server with the same Node flags and entry as `npm start`', () => {
    expect(last('ENTRYPOINT')).toBeUndefined();
    expect(JSON.parse(last('CMD')!.args)).toEqual(words(pkg.scripts.start));
  });

  it('runs as a non-root user, in production, listening on every interface', () => {
    const user = last('USER')?.args;
    expect(user).toBeDefined();
    expect(user).not.toMatch(/^(root|0)(:|$)/);
    const env = stage.filter((s) => s.instruction === 'ENV').map((s) => s.args).join(' ');
    expect(env).toMatch(/\bNODE_ENV=production\b/);
    expect(env).toMatch(/\bHOST=0\.0\.0\.0\b/);
  });

  it('builds the web console and copies only its built files into the image (decision 0050)', () => {
    expect(read('Dockerfile')).toMatch(/^COPY web \.\/web$/m);
    const copies = stage.filter((s) => s.instruction === 'COPY').map((s) => s.args);
    expect(copies).toContain('--from=build /app/web/dist ./web/dist');
    expect(copies.some((c) => /\bweb\/src\b|^web\b|\/app\/web \./.test(c))).toBe(false);
    // The build context has the sources, not a local build (the image builds its own).
    const ignored = read('.dockerignore').split('\n').map((l) => l.trim());
    expect(ignored).not.toContain('web');
    expect(ignored).toContain('web/dist');
  });

  it('checks its health on /health/live', () => {
    expect(last('HEALTHCHECK')?.args).toMatch(/\/health\/live/);
  });

  it('runs on the Node major that npm scripts are pinned to, with production dependencies only', () => {
    const nodeMajor = pkg.devDependencies.node.split('.')[0];
    expect(read('Dockerfile')).toMatch(new RegExp(`^ARG NODE_VERSION=${nodeMajor}\\b`, 'm'));
    expect(stage[0].args).toMatch(/^node:\$\{NODE_VERSION\}-slim\b/);
    expect(read('Dockerfile')).toMatch(/npm ci --omit=dev/);
  });
});
