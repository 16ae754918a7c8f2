// A file page: its header comment, imports and re-exports as links to the files' pages, then
// every symbol shown (exported ones, private ones when asked) with members and doc comments.
import { posix } from 'node:path';
import type { FileDoc } from '../../model.ts';
import { codeSpan, escapeInline, escapeText } from '../markdown-escape.ts';
import type { SiteMap } from './site.ts';
import { type SymbolOptions, shown, symbolMarkdown } from './symbols.ts';
import { linkOrCode } from './values.ts';

const EXTENSIONS = ['', '.ts', '.tsx', '.d.ts', '.js', '.jsx', '.mjs', '.cjs', '.mts', '.cts', '/index.ts', '/index.tsx', '/index.js', '/index.mjs'];

/** The file a relative specifier (`./b`, `../c.js`) names, if the model has it; bare package names have none. */
export function resolveSpecifier(from: string, specifier: string, has: (path: string) => boolean): string | null {
  if (!specifier.startsWith('.')) return null;
  const base = posix.normalize(posix.join(posix.dirname(from), specifier));
  if (base.startsWith('..')) return null;
  // TypeScript's ESM style imports `./b.js` for `./b.ts`.
  const stems = [base, base.replace(/\.(m|c)?js$/, '')];
  for (const stem of stems) for (const ext of EXTENSIONS) if (has(stem + ext)) return stem + ext;
  return null;
}

export function filePageMarkdown(slug: string, file: FileDoc, site: SiteMap, has: (path: string) => boolean, intro: string, o: SymbolOptions & { includeImports: boolean }): string {
  const parts = [`# ${codeSpan(file.path)}`];
  if (intro.trim()) parts.push(intro);
  const module = site.moduleOf(file.path);
  const where = module !== null && site.module(module) ? ` In module ${linkOrCode(slug, module || '/', site.module(module))}.` : '';
  parts.push(`${escapeInline(file.language)}, ${file.lines} line${file.lines === 1 ? '' : 's'}.${where}`);
  if (file.summary?.trim()) parts.push(escapeText(file.summary));
  if (o.includeImports && file.imports.length) {
    parts.push('## Imports', file.imports.map((p) => `- ${linkOrCode(slug, p, site.file(p))}`).join('\n'));
  }
  if (o.includeImports && file.reExports.length) {
    const lines = file.reExports.map((r) => {
      const target = resolveSpecifier(file.path, r.from, has);
      const names = r.names === '*' ? 'everything' : r.names.map(codeSpan).join(', ');
      return `- ${names} from ${target ? linkOrCode(slug, target, site.file(target)) : codeSpan(r.from)}`;
    });
    parts.push('## Re-exports', lines.join('\n'));
  }
  const symbols = shown(file.symbols, o);
  parts.push('## Symbols');
  if (!symbols.length) parts.push(o.includePrivate ? '_No symbols._' : '_No exported symbols._');
  for (const s of symbols) parts.push(symbolMarkdown(s, file.language, 3, o));
  return parts.join('\n\n');
}
