// The architecture rules of .dependency-cruiser.cjs (design §1), run through
// dependency-cruiser's API: src/ must be clean, and a fixture tree that breaks the
// rules must produce exactly its violations, so a broken rule cannot pass silently. Beside
// them, a check no import graph can make: the platform modules name no other module's event
// types (decision 0035).
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { type ICruiseOptions, type ICruiseResult, cruise } from 'dependency-cruiser';
import extractDepcruiseOptions from 'dependency-cruiser/config-utl/extract-depcruise-options';
import extractTSConfig from 'dependency-cruiser/config-utl/extract-ts-config';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '..');
const CONFIG = resolve(ROOT, '.dependency-cruiser.cjs');
const TSCONFIG = resolve(ROOT, 'tsconfig.json');
const FIXTURE = resolve(ROOT, 'test/fixtures/architecture');

/** Cruises `src` under `baseDir` with the project's rules; paths in results are relative to baseDir. */
async function cruiseSrc(baseDir: string): Promise<ICruiseResult> {
  const options: ICruiseOptions = await extractDepcruiseOptions(CONFIG);
  const result = await cruise(
    ['src'],
    { ...options, baseDir, tsConfig: { fileName: TSCONFIG } },
    {},
    { tsConfig: extractTSConfig(TSCONFIG) },
  );
  if (typeof result.output === 'string') throw new Error('expected a cruise result object');
  return result.output;
}

const describeViolations = (r: ICruiseResult) => r.summary.violations.map((v) => `${v.rule.name}: ${v.from} -> ${v.to}`);

describe('architecture rules', () => {
  it('the rule set has the rules the design asks for', async () => {
    const options = await extractDepcruiseOptions(CONFIG);
    expect(options.ruleSet?.forbidden?.map((r) => r.name).sort()).toEqual(
      [
        'core-imports-no-module',
        'module-through-index-only',
        'no-circular-modules',
        'not-to-unresolvable',
        'platform-modules-know-only-identity-and-tenancy',
        'src-imports-no-tests',
      ].sort(),
    );
    expect(options.tsPreCompilationDeps).toBe(true);
  });

  it('src/ has no violations', { timeout: 60_000 }, async () => {
    const result = await cruiseSrc(ROOT);
    expect(describeViolations(result)).toEqual([]);
    // Guard against a vacuous pass: the cruise saw the modules and resolved their imports,
    // including type-only ones.
    const sources = result.modules.map((m) => m.source);
    expect(sources).toContain('src/app.ts');
    expect(sources.some((s) => /^src\/modules\/[^/]+\/index\.ts$/.test(s))).toBe(true);
    const deps = result.modules.flatMap((m) => m.dependencies);
    expect(deps.some((d) => d.dependencyTypes.includes('type-only'))).toBe(true);
    expect(deps.filter((d) => d.couldNotResolve)).toEqual([]);
  });

  it('catches a module reaching into another module, core importing a module, a platform module importing a producer', { timeout: 60_000 }, async () => {
    const result = await cruiseSrc(FIXTURE);
    expect(result.summary.violations.map((v) => ({ rule: v.rule.name, from: v.from, to: v.to })).sort((a, b) => a.rule.localeCompare(b.rule))).toEqual([
      { rule: 'core-imports-no-module', from: 'src/core/x.ts', to: 'src/modules/alpha/index.ts' },
      { rule: 'module-through-index-only', from: 'src/modules/beta/service.ts', to: 'src/modules/alpha/repository.ts' },
      { rule: 'platform-modules-know-only-identity-and-tenancy', from: 'src/modules/notifications/index.ts', to: 'src/modules/alpha/index.ts' },
    ]);
    expect(result.summary.error).toBe(3);
  });
});

/** The platform modules and the modules they may know, as the dependency rule lists them. */
async function platformRule(): Promise<{ platform: string[]; known: string[] }> {
  const options = await extractDepcruiseOptions(CONFIG);
  const rule = options.ruleSet?.forbidden?.find((r) => r.name === 'platform-modules-know-only-identity-and-tenancy') as
    | { from: { path: string }; to: { pathNot: string[] } }
    | undefined;
  const names = (pattern: unknown) => /\(([a-z_|]+)\)/.exec(String(pattern))![1].split('|');
  return { platform: names(rule?.from.path), known: names(rule?.to.pathNot[1]) };
}

/** Every event type, by the module whose events.ts declares it. */
function eventTypesByModule(modulesDir: string): Map<string, string> {
  const owners = new Map<string, string>();
  for (const module of readdirSync(modulesDir)) {
    let text: string;
    try {
      text = readFileSync(join(modulesDir, module, 'events.ts'), 'utf8');
    } catch {
      continue;
    }
    for (const [, type] of text.matchAll(/^\s*'([a-z_]+\.[a-z_]+)'\s*:/gm)) owners.set(type, module);
  }
  return owners;
}

/** The quoted event types of modules other than `module` and `known` in a source text. */
function foreignEventTypes(source: string, module: string, known: string[], owners: Map<string, string>): string[] {
  const found = [...source.matchAll(/['"]([a-z_]+\.[a-z_]+)['"]/g)].map((m) => m[1]);
  return found.filter((type) => {
    const owner = owners.get(type);
    return owner !== undefined && owner !== module && !known.includes(owner);
  });
}

const sourcesOf = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sourcesOf(join(dir, e.name)) : e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') ? [join(dir, e.name)] : [],
  );

describe('platform modules', () => {
  const modulesDir = resolve(ROOT, 'src/modules');

  it("name no other module's event types (but identity's and tenancy's)", async () => {
    const { platform, known } = await platformRule();
    expect(platform).toEqual(['audit', 'webhooks', 'notifications']);
    expect(known).toEqual(['auth', 'organizations']);
    const owners = eventTypesByModule(modulesDir);
    // Guard against a vacuous pass: the event declarations were read.
    expect(owners.get('time.timesheet_submitted')).toBe('time');
    expect(owners.get('auth.logged_in')).toBe('auth');
    const named = platform.flatMap((module) =>
      sourcesOf(join(modulesDir, module)).flatMap((file) => foreignEventTypes(readFileSync(file, 'utf8'), module, known, owners).map((type) => `${file.slice(ROOT.length + 1)}: ${type}`)),
    );
    expect(named).toEqual([]);
  });

  it('the check finds a producer event named in a platform module, and lets its own and identity’s pass', () => {
    const owners = new Map([
      ['time.timesheet_submitted', 'time'],
      ['auth.session_revoked', 'auth'],
      ['notifications.preferences_updated', 'notifications'],
    ]);
    const source = `subscriber('notifications.x', 'time.timesheet_submitted', h); subscriber("notifications.y", "auth.session_revoked", h); publish('notifications.preferences_updated'); 'core.outbox';`;
    expect(foreignEventTypes(source, 'notifications', ['auth', 'organizations'], owners)).toEqual(['time.timesheet_submitted']);
  });
});
