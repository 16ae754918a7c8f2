// The production build: the server's ~300 TypeScript files in one ESM bundle (`dist/`), so a
// start resolves, reads and type-strips one file instead of hundreds (decision 0019).
// Packages stay external: they load from node_modules as they do in development.
//
// `npm start` runs this first (prestart), and the web console's build (scripts/build-console.ts),
// which does nothing when web/ did not change. Without the bundler (an install without dev
// dependencies) it writes a `dist/main.js` that imports the sources, which Node runs directly.
//
//   node scripts/build.ts [outDir]     (default: dist)
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildConsole } from './build-console.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const SRC = resolve(ROOT, 'src');

/**
 * Builds src/main.ts into `outDir` (inside the project, so packages resolve from its
 * node_modules). Returns the entry file and whether it is a bundle or the source fallback.
 */
export async function buildServer(outDir = resolve(ROOT, 'dist')): Promise<{ entry: string; bundled: boolean }> {
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  const entry = resolve(outDir, 'main.js');
  let rolldown: typeof import('rolldown').rolldown;
  try {
    ({ rolldown } = await import('rolldown'));
  } catch {
    writeFileSync(entry, `// rolldown is not installed: run the sources.\nawait import(${JSON.stringify(relativeUrl(outDir, resolve(SRC, 'main.ts')))});\n`);
    return { entry, bundled: false };
  }
  const bundle = await rolldown({
    input: { main: resolve(SRC, 'main.ts') },
    platform: 'node',
    // Every bare specifier (packages, node: built-ins) stays an import.
    external: (id) => !id.startsWith('.') && !isAbsolute(id) && !id.startsWith('\0'),
    plugins: [sourceRelativeImportMeta(outDir)],
    logLevel: 'warn',
  });
  try {
    await bundle.write({ dir: outDir, format: 'esm', entryFileNames: '[name].js', chunkFileNames: '[name]-[hash].js', sourcemap: true });
  } finally {
    await bundle.close();
  }
  return { entry, bundled: true };
}

/**
 * Modules find their files next to their source (`new URL('./migrations', import.meta.url)`,
 * the password list). In the bundle `import.meta.url` would be dist/main.js, so each source
 * file's own URL is rebuilt from the bundle's location: the project can still be moved.
 */
function sourceRelativeImportMeta(outDir: string) {
  return {
    name: 'source-relative-import-meta',
    transform(code: string, id: string) {
      if (!id.startsWith(SRC) || !code.includes('import.meta.url')) return null;
      // Every output file sits directly in outDir, so one relative path serves any chunk.
      // `map: null`: no line moves (only a few columns do), so the source map stays usable.
      return { code: code.replaceAll('import.meta.url', `new URL(${JSON.stringify(relativeUrl(outDir, id))}, import.meta.url).href`), map: null };
    },
  };
}

/** A URL path from a file directly in `outDir` (the entry and every chunk are) to `file`. */
function relativeUrl(outDir: string, file: string): string {
  const rel = relative(outDir, file).split('\\').join('/');
  return rel.startsWith('.') ? rel : `./${rel}`;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const started = performance.now();
  const out = process.argv[2] ? resolve(process.argv[2]) : undefined;
  const { entry, bundled } = await buildServer(out);
  process.stderr.write(`build: ${relative(ROOT, entry)} ${bundled ? 'bundled' : '(sources; rolldown not installed)'} in ${Math.round(performance.now() - started)} ms\n`);
  const consoleStarted = performance.now();
  const web = await buildConsole();
  const what = web.built ? 'built' : web.reason === 'unchanged' ? 'unchanged' : 'not built (vite is not installed)';
  process.stderr.write(`build: web console ${what} in ${Math.round(performance.now() - consoleStarted)} ms\n`);
}
