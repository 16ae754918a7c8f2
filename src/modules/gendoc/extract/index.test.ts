import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { SourceFile } from '../model.ts';
import { extractModel } from './index.ts';
import { MAX_SKIPPED_LISTED, MAX_SYMBOLS } from './limits.ts';

const SRC = fileURLToPath(new URL('../../../', import.meta.url));
const ROOT = join(SRC, '..');
const PROJECT = { name: 'Trellis', description: null };
const SNAPSHOT = { version: 1, name: 'v1', createdAt: '2026-01-01T00:00:00.000Z' };
// biome-ignore format: a table reads best packed
const LANGUAGES: Record<string, string> = { ts: 'typescript', js: 'javascript', md: 'markdown', sql: 'sql', txt: 'text', json: 'json', yaml: 'yaml', yml: 'yaml', py: 'python', go: 'go' };

async function* filesOf(dir: string): AsyncIterable<SourceFile> {
  for (const name of readdirSync(dir).sort()) {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) yield* filesOf(full);
    else {
      const text = readFileSync(full, 'utf8');
      yield { path: relative(ROOT, full).split('\\').join('/'), language: LANGUAGES[name.split('.').pop()!] ?? null, size: Buffer.byteLength(text), text };
    }
  }
}

async function* listed(files: SourceFile[]): AsyncIterable<SourceFile> {
  yield* files;
}

const file = (path: string, text: string | null, language: string | null = null): SourceFile => ({ path, language, size: text === null ? 12_345 : Buffer.byteLength(text), text });

describe('extractModel', () => {
  it("reads the project's own src/ (printing the time it takes)", async () => {
    let progress = 0;
    const started = performance.now();
    const model = await extractModel({ project: PROJECT, snapshot: SNAPSHOT, files: filesOf(SRC), onProgress: (n) => (progress = n) });
    const ms = performance.now() - started;
    console.log(`extractModel: ${model.totals.files} files (${model.files.length} parsed, ${model.totals.lines} lines) in ${Math.round(ms)} ms`);

    expect(progress).toBe(model.totals.files);
    expect(model.languages[0]).toMatchObject({ language: 'typescript' });
    expect(model.layout).toEqual([{ path: 'src', files: model.totals.files }]);
    const moduleFile = model.files.find((f) => f.path === 'src/core/module.ts')!;
    expect(moduleFile.summary).toMatch(/^The module contract\./);
    const define = moduleFile.symbols.find((s) => s.name === 'defineModule')!;
    expect(define).toMatchObject({ kind: 'function', exported: true });
    expect(define.doc).toMatch(/^Types a module from what it is/);
    expect(define.signature).toMatch(/^function defineModule</);
    // Relative imports resolve to files of the codebase; the `.ts` imports of app.ts name real files.
    const app = model.files.find((f) => f.path === 'src/app.ts')!;
    expect(app.imports).toContain('src/core/module.ts');
    expect(app.imports.every((p) => model.files.some((f) => f.path === p))).toBe(true);
    expect(model.modules.find((m) => m.path === 'src/core')?.files).toContain('src/core/module.ts');
    expect(model.skipped.some((s) => s.path.endsWith('.sql') && s.reason === 'unsupported language (sql)')).toBe(true);
    expect(model.files.filter((f) => f.syntaxErrors)).toEqual([]);
  });

  it('assembles languages, layout, README, modules, APIs and skipped files from a mixed codebase', async () => {
    const model = await extractModel({
      project: PROJECT,
      snapshot: SNAPSHOT,
      files: listed([
        file('Readme.MD', '# Shop\n'),
        file('README.txt', 'plain'),
        file('src/index.ts', "export * from './cart.js';\nimport { x } from '../outside.ts';\nimport { y } from './missing.ts';\n", 'typescript'),
        file('src/cart.ts', '/** A cart. */\nexport class Cart {}\n', 'typescript'),
        file('src/util/index.ts', 'export const a = 1;\n', 'typescript'),
        file('src/main.ts', "import './util';\nimport { Cart } from './cart';\n", 'typescript'),
        file('tools/gen.py', '"""Generates."""\nfrom .helpers import run\ndef main():\n    pass\n', 'python'),
        file('tools/helpers/__init__.py', '', 'python'),
        file('api/openapi.yaml', 'openapi: 3.0.0\ninfo: { title: Shop, version: "1" }\npaths: { /cart: { get: { responses: { "200": { description: OK } } } } }\n', 'yaml'),
        file('config.yaml', 'port: 1\n', 'yaml'),
        file('logo.png', null),
        file('big.ts', `export const x = 1;\n${'//'.repeat(300_000)}\n`, 'typescript'),
        file('notes', 'hello'),
      ]),
    });
    expect(model.readme).toBe('# Shop\n');
    expect(model.totals).toMatchObject({ files: 13 });
    expect(model.languages.map((l) => l.language)).toEqual(['typescript', 'python', 'yaml']);
    expect(model.layout).toEqual([
      { path: 'api', files: 1 },
      { path: 'src', files: 4 },
      { path: 'tools', files: 2 },
    ]);
    expect(model.files.map((f) => f.path)).toEqual(['src/cart.ts', 'src/index.ts', 'src/main.ts', 'src/util/index.ts', 'tools/gen.py', 'tools/helpers/__init__.py']);
    expect(model.files.find((f) => f.path === 'src/index.ts')).toMatchObject({ lines: 3, imports: ['src/cart.ts'], reExports: [{ from: './cart.js', names: '*' }] });
    expect(model.files.find((f) => f.path === 'src/main.ts')!.imports).toEqual(['src/util/index.ts', 'src/cart.ts']);
    expect(model.files.find((f) => f.path === 'tools/gen.py')!.imports).toEqual(['tools/helpers/__init__.py']);
    expect(model.modules.map((m) => [m.path, m.files.length])).toEqual([
      ['src', 3],
      ['src/util', 1],
      ['tools', 1],
      ['tools/helpers', 1],
    ]);
    expect(model.apis).toMatchObject([{ path: 'api/openapi.yaml', title: 'Shop', operations: [{ method: 'GET', path: '/cart' }] }]);
    expect(model.skipped).toEqual([
      { path: 'README.txt', reason: 'unknown language' },
      { path: 'config.yaml', reason: 'unsupported language (yaml)' },
      { path: 'logo.png', reason: 'not text (binary or too large to read)' },
      { path: 'big.ts', reason: 'too large (586 KB; files over 512 KB are not parsed)' },
      { path: 'notes', reason: 'unknown language' },
    ]);
  });

  it('bounds what it keeps: skipped files past the cap are counted, symbols past the cap dropped', async () => {
    const many = Array.from({ length: MAX_SKIPPED_LISTED + 5 }, (_, i) => file(`data/${i}.bin`, null));
    const symbols = Array.from({ length: MAX_SYMBOLS + 10 }, (_, i) => `export const c${i} = ${i};`).join('\n');
    const model = await extractModel({ project: PROJECT, snapshot: SNAPSHOT, files: listed([...many, file('consts.ts', symbols, 'typescript')]) });
    expect(model.skipped).toHaveLength(MAX_SKIPPED_LISTED);
    expect(model.skippedOmitted).toBe(5);
    expect(model.totals.files).toBe(MAX_SKIPPED_LISTED + 6);
    expect(model.files[0].symbols).toHaveLength(MAX_SYMBOLS);
  });
});
