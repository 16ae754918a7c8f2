// The documentation's pages and where each lives: safe relative paths (`modules/src-core.md`,
// `files/src-core-app.ts.md`), unique even on a case-insensitive disk, in three flat folders, so
// a link between two pages is at most one `../` and works unchanged in the Markdown ZIP, the
// static site (`.md` → `.html`) and the PDF (a jump to the page).
import { posix } from 'node:path';
import type { CodeModel } from '../../model.ts';
import type { DocTemplate } from '../template.ts';

export interface DocPage {
  /** A relative path with `/` separators, ending in `.md`. */
  slug: string;
  title: string;
  markdown: string;
  /** The page it sits under in the navigation tree; null for the overview (`index.md`). */
  parent: string | null;
}

export const INDEX = 'index.md';
export const MODULES_INDEX = 'modules/index.md';
export const FILES_INDEX = 'files/index.md';

const MAX_SLUG = 100;

/** A path as one safe file name: lower-case letters, digits, `.`, `_`, `-`; never empty or starting with a dot. */
export function slugOf(path: string): string {
  const flat = path
    .normalize('NFKD')
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/-{2,}/g, '-')
    .replace(/^[-.]+|-+$/g, '')
    .slice(0, MAX_SLUG);
  return flat || 'page';
}

/** The link from one page to another, relative to the first one's folder. */
export function hrefBetween(from: string, to: string): string {
  return posix.relative(posix.dirname(from), to) || posix.basename(to);
}

/** Where each module, file and API document of the model is documented, under the template's choice of pages. */
export interface SiteMap {
  module(path: string): string | null;
  file(path: string): string | null;
  api(index: number): string | null;
  /** The module (folder) a file belongs to, when the model has one for it. */
  moduleOf(filePath: string): string | null;
}

export function siteMapOf(model: CodeModel, template: DocTemplate): SiteMap {
  const taken = new Set<string>([INDEX, MODULES_INDEX, FILES_INDEX]);
  const claim = (folder: string, name: string) => {
    let slug = `${folder}/${name}.md`;
    for (let n = 2; taken.has(slug); n++) slug = `${folder}/${name}-${n}.md`;
    taken.add(slug);
    return slug;
  };
  const modules = new Map<string, string>();
  const moduleOfFile = new Map<string, string>();
  for (const m of model.modules) {
    for (const f of m.files) moduleOfFile.set(f, m.path);
    if (template.pages.modules && !modules.has(m.path)) modules.set(m.path, claim('modules', slugOf(m.path || 'root')));
  }
  const files = new Map<string, string>();
  if (template.pages.files) for (const f of model.files) if (!files.has(f.path)) files.set(f.path, claim('files', slugOf(f.path)));
  const apis = template.pages.api ? model.apis.map((a) => claim('api', slugOf(a.title || a.path))) : [];
  return {
    module: (path) => modules.get(path) ?? null,
    file: (path) => files.get(path) ?? null,
    api: (i) => apis[i] ?? null,
    moduleOf: (path) => moduleOfFile.get(path) ?? null,
  };
}
