// The web console's build as `npm start` runs it (scripts/build-console.ts): built when web/
// changed, skipped (in milliseconds) when the hash stored beside the output says it is current.
// Built into a folder of its own, so web/dist (the end-to-end tests') is left alone.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildConsole, consoleSourceHash } from '../scripts/build-console.ts';

const outDir = mkdtempSync(join(tmpdir(), 'trellis-console-build-'));
afterAll(() => rmSync(outDir, { recursive: true, force: true }));

describe('the console build', () => {
  it('builds index.html and hashed assets, stamps the source hash, then skips an unchanged start', { timeout: 120_000 }, async () => {
    expect(await buildConsole({ outDir })).toEqual({ built: true, reason: 'changed' });
    const html = readFileSync(join(outDir, 'index.html'), 'utf8');
    const entry = /<script type="module" crossorigin src="\/assets\/(index-[\w-]+\.js)">/.exec(html)?.[1];
    expect(entry, html).toBeDefined();
    expect(existsSync(join(outDir, 'assets', entry!))).toBe(true);
    // The entry area's chunk is fetched beside the main bundle (web/vite.config.ts).
    const preloaded = /<link rel="modulepreload" crossorigin="" href="\/assets\/(pages-[\w-]+\.js)">/.exec(html)?.[1];
    expect(readFileSync(join(outDir, 'assets', preloaded!), 'utf8')).toContain('Create an account');
    // Every script and style has a content hash in its name (they are cached for a year).
    const assets = readdirSync(join(outDir, 'assets')).filter((f) => /\.(js|css)$/.test(f));
    expect(assets.length).toBeGreaterThan(2);
    for (const file of assets) expect(file).toMatch(/-[\w-]{8}\.(js|css)$/);
    expect(readFileSync(join(outDir, '.source-hash'), 'utf8')).toBe(consoleSourceHash());
    // React's production build, though this runs with NODE_ENV=test: no development warnings.
    const main = readFileSync(join(outDir, 'assets', entry!), 'utf8');
    expect(process.env.NODE_ENV).toBe('test');
    expect(main).not.toContain('Cannot update a component');
    expect(main.length).toBeLessThan(400_000);

    const started = performance.now();
    expect(await buildConsole({ outDir })).toEqual({ built: false, reason: 'unchanged' });
    expect(performance.now() - started).toBeLessThan(500);
  });

  it('builds again when the sources differ from the stamp', { timeout: 120_000 }, async () => {
    writeFileSync(join(outDir, '.source-hash'), 'an older hash');
    expect(await buildConsole({ outDir })).toEqual({ built: true, reason: 'changed' });
  });
});
