// The CodeModel assembled from the files as they stream past: totals, languages and layout count
// every file; the extracted files, API descriptions, README and skipped files are kept, bounded.
// Relative imports are resolved only at the end, when every path of the snapshot is known.
import { posix } from 'node:path';
import type { ApiDoc, CodeModel, ExtractInput, FileDoc, SourceFile } from '../model.ts';
import { MAX_README_CHARS, MAX_SKIPPED_LISTED } from './limits.ts';

/** README names at the root, in the order one is preferred over another. */
const README = ['readme.md', 'readme.markdown', 'readme', 'readme.txt', 'readme.rst'];

/** What one file gave: its structure, an API description, or why it was not read. */
export type FileOutcome = { file: FileDoc } | { api: ApiDoc } | { skipped: string };

export function lineCount(text: string): number {
  if (text === '') return 0;
  let n = 0;
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) n++;
  return text.endsWith('\n') ? n : n + 1;
}

export function createAssembly(project: ExtractInput['project'], snapshot: ExtractInput['snapshot']) {
  const totals = { files: 0, bytes: 0, lines: 0 };
  const languages = new Map<string, { files: number; lines: number }>();
  const layout = new Map<string, number>();
  const paths = new Set<string>();
  const files: FileDoc[] = [];
  const apis: ApiDoc[] = [];
  const skipped: CodeModel['skipped'] = [];
  let skippedOmitted = 0;
  let readme: { rank: number; text: string } | null = null;

  return {
    /** Counts a file and keeps what extraction made of it. */
    add(source: SourceFile, outcome: FileOutcome) {
      const lines = source.text === null ? 0 : lineCount(source.text);
      totals.files++;
      totals.bytes += source.size;
      totals.lines += lines;
      paths.add(source.path);
      if (source.language) {
        const l = languages.get(source.language) ?? { files: 0, lines: 0 };
        l.files++;
        l.lines += lines;
        languages.set(source.language, l);
      }
      const slash = source.path.indexOf('/');
      if (slash > 0) layout.set(source.path.slice(0, slash), (layout.get(source.path.slice(0, slash)) ?? 0) + 1);

      const rank = slash === -1 && source.text !== null ? README.indexOf(source.path.toLowerCase()) : -1;
      if (rank !== -1 && (!readme || rank < readme.rank)) {
        readme = { rank, text: source.text!.length > MAX_README_CHARS ? `${source.text!.slice(0, MAX_README_CHARS)}…` : source.text! };
        return;
      }
      if ('file' in outcome) files.push({ ...outcome.file, lines });
      else if ('api' in outcome) apis.push(outcome.api);
      else if (skipped.length < MAX_SKIPPED_LISTED) skipped.push({ path: source.path, reason: outcome.skipped });
      else skippedOmitted++;
    },

    /** The model, with each file's relative imports resolved against the snapshot's paths. */
    finish(): CodeModel {
      const byPath = (a: { path: string }, b: { path: string }) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0);
      for (const f of files) f.imports = resolveImports(f, paths);
      files.sort(byPath);
      const folders = new Map<string, string[]>();
      for (const f of files) {
        const dir = posix.dirname(f.path) === '.' ? '' : posix.dirname(f.path);
        folders.set(dir, [...(folders.get(dir) ?? []), f.path]);
      }
      const model: CodeModel = {
        project,
        snapshot,
        readme: (readme as { text: string } | null)?.text ?? null,
        languages: [...languages].map(([language, l]) => ({ language, ...l })).sort((a, b) => b.lines - a.lines || b.files - a.files || a.language.localeCompare(b.language)),
        totals,
        layout: [...layout].map(([path, n]) => ({ path, files: n })).sort(byPath),
        files,
        modules: [...folders].map(([path, list]) => ({ path, files: list, generatedSummary: null })).sort(byPath),
        apis: apis.sort(byPath),
        skipped,
      };
      if (skippedOmitted) model.skippedOmitted = skippedOmitted;
      return model;
    },
  };
}

const SCRIPT_EXTENSIONS = ['.ts', '.tsx', '.d.ts', '.mts', '.cts', '.js', '.jsx', '.mjs', '.cjs'];
/** TypeScript sources import each other as `.js` (NodeNext) or `.ts` (type stripping): both lead to the `.ts` file. */
const SWAPS: Record<string, string[]> = { '.js': ['.ts', '.tsx'], '.jsx': ['.tsx'], '.mjs': ['.mts'], '.cjs': ['.cts'] };

/** The codebase paths a relative specifier may name, most likely first. */
function candidates(target: string, language: string): string[] {
  if (language === 'python') return [`${target}.py`, `${target}/__init__.py`, `${target}.pyi`];
  const ext = posix.extname(target);
  const swapped = (SWAPS[ext] ?? []).map((e) => target.slice(0, -ext.length) + e);
  return [target, ...swapped, ...SCRIPT_EXTENSIONS.map((e) => target + e), ...SCRIPT_EXTENSIONS.map((e) => `${target}/index${e}`)];
}

/** Each relative import as the codebase path it names; those naming no file of the snapshot are left out. */
export function resolveImports(file: FileDoc, paths: Set<string>): string[] {
  const resolved = new Set<string>();
  for (const spec of file.imports) {
    if (!spec.startsWith('./') && !spec.startsWith('../') && spec !== '.' && spec !== '..') continue;
    const target = posix.normalize(posix.join(posix.dirname(file.path), spec.split(/[?#]/)[0]));
    if (target.startsWith('..')) continue;
    const found = candidates(target === '.' ? '' : target.replace(/\/$/, ''), file.language).find((c) => paths.has(c.replace(/^\//, '')));
    if (found) resolved.add(found.replace(/^\//, ''));
  }
  return [...resolved];
}
