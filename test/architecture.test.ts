// The architecture rules of .dependency-cruiser.cjs (design §1), run through
// dependency-cruiser's API: src/ must be clean, and a fixture tree that breaks the
// rules must produce exactly its two violations, so a broken rule cannot pass silently.
import { resolve } from 'node:path';
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
      ['core-imports-no-module', 'module-through-index-only', 'no-circular-modules', 'not-to-unresolvable', 'src-imports-no-tests'].sort(),
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

  it('catches a module reaching into another module and core importing a module', { timeout: 60_000 }, async () => {
    const result = await cruiseSrc(FIXTURE);
    expect(result.summary.violations.map((v) => ({ rule: v.rule.name, from: v.from, to: v.to })).sort((a, b) => a.rule.localeCompare(b.rule))).toEqual([
      { rule: 'core-imports-no-module', from: 'src/core/x.ts', to: 'src/modules/alpha/index.ts' },
      { rule: 'module-through-index-only', from: 'src/modules/beta/service.ts', to: 'src/modules/alpha/repository.ts' },
    ]);
    expect(result.summary.error).toBe(2);
  });
});
