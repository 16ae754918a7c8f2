// `npm run cli -- new-module <name>` makes a module that passes the checks as generated (issue
// #11): on a copy of the repository it generates `widgets`, then the type check, the lint of the
// new files, the architecture rules, the module's own tests (unit and HTTP, with the drift check
// of every answer), the document tests (its operation ids pinned) and the typed client's
// currency test all pass, untouched.
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { NODE, ROOT } from './processes.ts';

const copy = mkdtempSync(join(tmpdir(), 'trellis-generator-'));
afterAll(() => rmSync(copy, { recursive: true, force: true }));

const bin = (name: string) => join(ROOT, 'node_modules/.bin', name);
/** Runs a tool in the copy; returns its output, failing the test with it when it fails. */
function run(file: string, args: string[], env: NodeJS.ProcessEnv = process.env): string {
  const result = spawnSync(file, args, { cwd: copy, env, encoding: 'utf8', timeout: 240_000 });
  const output = `${result.stdout ?? ''}${result.stderr ?? ''}`;
  expect(result.status, `${file} ${args.join(' ')}\n${output.slice(-4000)}`).toBe(0);
  return output;
}

describe('the module generator', () => {
  it('makes a module that type-checks, lints, keeps the architecture and passes its tests as generated', { timeout: 300_000 }, () => {
    for (const entry of ['src', 'test', 'templates', 'scripts', 'bench', 'clients', 'web', 'package.json', 'tsconfig.json', 'vitest.config.ts', 'biome.json', '.dependency-cruiser.cjs']) {
      cpSync(join(ROOT, entry), join(copy, entry), { recursive: true });
    }
    symlinkSync(join(ROOT, 'node_modules'), join(copy, 'node_modules'));

    const made = execFileSync(NODE, ['src/cli.ts', 'new-module', 'widgets'], { cwd: copy, encoding: 'utf8' });
    expect(made).toContain('module widgets:');
    for (const file of ['index.ts', 'routes.ts', 'service.ts', 'repository.ts', 'schemas.ts', 'problems.ts', 'events.ts', 'rules.ts', 'rules.test.ts', 'migrations/0001_widgets.sql']) {
      expect(existsSync(join(copy, 'src/modules/widgets', file)), file).toBe(true);
    }
    expect(readFileSync(join(copy, 'src/app.ts'), 'utf8')).toMatch(/widgetsModule\] as const;/);
    // Twice is refused: the folder exists.
    expect(spawnSync(NODE, ['src/cli.ts', 'new-module', 'widgets'], { cwd: copy, encoding: 'utf8' }).status).toBe(1);

    run(bin('tsc'), ['--noEmit', '-p', '.']);
    run(bin('biome'), ['check', 'src/modules/widgets', 'test/widgets.test.ts', 'src/app.ts']);
    run(bin('depcruise'), ['src', '--config', '.dependency-cruiser.cjs']);
    // A vitest of its own in the copy: the same database settings as this run, none of its state.
    const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('VITEST') && key !== 'NODE_ENV'));
    const out = run(NODE, [join(ROOT, 'node_modules/vitest/vitest.mjs'), 'run', 'test/widgets.test.ts', 'src/modules/widgets', 'test/openapi-document.test.ts', 'test/typed-client.test.ts'], env);
    expect(out).toMatch(/Test Files\s+.*4 passed/);
  });

  it('refuses a name that is not one', () => {
    const result = spawnSync(NODE, ['src/cli.ts', 'new-module', 'Bad-Name'], { cwd: ROOT, encoding: 'utf8' });
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/is not a module name/);
    expect(existsSync(join(ROOT, 'src/modules/Bad-Name'))).toBe(false);
  });
});
