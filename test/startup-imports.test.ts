// The libraries a server seldom needs load with their first use, not with the server (decision
// 0065): each costs every process megabytes of heap and a longer pause at every full garbage
// collection, whether or not it ever writes a workbook or reads a DuckDB file. This imports the
// composition root (every module, as `npm start` does) in a process of its own and lists the
// packages it loaded.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const LOADED_ON_USE = ['exceljs', 'pdfkit', 'svg-to-pdfkit', 'linkedom', '@mozilla/readability', '@duckdb/node-api', 'mysql2', 'isomorphic-git', 'vega', 'vega-lite', '@resvg/resvg-js', 'pdfjs-dist', 'ai', '@ai-sdk/openai', '@aws-sdk/client-s3'];

const dir = mkdtempSync(join(tmpdir(), 'trellis-imports-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The packages (node_modules/<name>) that importing `entry` loads, by a resolve hook that notes every URL. */
async function packagesLoadedBy(entry: string): Promise<Set<string>> {
  const log = join(dir, 'resolved.txt');
  const hooks = `import { appendFileSync } from 'node:fs';
export async function resolve(specifier, context, next) {
  const found = await next(specifier, context);
  appendFileSync(${JSON.stringify(log)}, found.url + '\\n');
  return found;
}`;
  const main = `import { register } from 'node:module';
import Module from 'node:module';
import { appendFileSync, writeFileSync } from 'node:fs';
writeFileSync(${JSON.stringify(log)}, '');
register('data:text/javascript,' + encodeURIComponent(${JSON.stringify(hooks)}));
// CommonJS requires do not pass the ESM hook.
const load = Module._load;
Module._load = function (request, parent, isMain) {
  try { appendFileSync(${JSON.stringify(log)}, Module._resolveFilename(request, parent, isMain) + '\\n'); } catch {}
  return load.apply(this, arguments);
};
await import(${JSON.stringify(entry)});`;
  await promisify(execFile)(process.execPath, ['--input-type=module', '-e', main], { cwd: process.cwd(), timeout: 120_000 });
  const names = new Set<string>();
  for (const line of readFileSync(log, 'utf8').split('\n')) {
    const m = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(line);
    if (m) names.add(m[1]);
  }
  return names;
}

describe('what the server loads at start', () => {
  it('leaves the seldom-used libraries until their first use', async () => {
    const loaded = await packagesLoadedBy(new URL('../src/app.ts', import.meta.url).href);
    // The hook sees the server's own libraries: the check below cannot pass on an empty list.
    expect(loaded).toContain('fastify');
    expect(loaded).toContain('kysely');
    expect(LOADED_ON_USE.filter((name) => loaded.has(name))).toEqual([]);
  }, 150_000);
});
