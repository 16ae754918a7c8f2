// The pages a template makes of a model, in reading order (each page followed by the pages under
// it): the overview (`index.md`), the module list and a page per module with its files' pages
// under it, the API pages, and a file list when files have no module page to sit under. Pure:
// every writer renders these same pages, each through defang.ts `checkedPage`.
import { posix } from 'node:path';
import type { CodeModel } from '../model.ts';
import { defangMarkdown } from './defang.ts';
import { escapeText } from './markdown-escape.ts';
import { apiPageMarkdown } from './pages/api-page.ts';
import { filePageMarkdown } from './pages/file-page.ts';
import { modulePageMarkdown } from './pages/module-page.ts';
import { type DocPage, FILES_INDEX, INDEX, MODULES_INDEX, siteMapOf } from './pages/site.ts';
import { builtInValues, linkOrCode, pageHrefFrom, type RunInfo } from './pages/values.ts';
import { substitute } from './placeholders.ts';
import type { DocTemplate, TemplateField } from './template.ts';

export type { DocPage } from './pages/site.ts';

export function buildPages(model: CodeModel, template: DocTemplate, values: ReadonlyMap<string, string>, run: RunInfo): DocPage[] {
  const site = siteMapOf(model, template);
  const filesByPath = new Map(model.files.map((f) => [f.path, f]));
  const has = (path: string) => filesByPath.has(path);
  const moduleSlugs = model.modules.map((m) => site.module(m.path)).filter((s): s is string => s !== null);
  const fileSlugs = model.files.map((f) => site.file(f.path)).filter((s): s is string => s !== null);
  const apiSlugs = model.apis.map((_, i) => site.api(i)).filter((s): s is string => s !== null);
  // Files no module page holds (no module pages, or a file outside every module) go under a file list.
  const underModules = new Set(model.modules.flatMap((m) => (site.module(m.path) ? m.files : [])));
  const loose = model.files.filter((f) => site.file(f.path) !== null && !underModules.has(f.path));
  const slugs = new Set<string>([INDEX, ...moduleSlugs, ...fileSlugs, ...apiSlugs]);
  if (moduleSlugs.length) slugs.add(MODULES_INDEX);
  if (loose.length) slugs.add(FILES_INDEX);

  // The lists in the built-in values link relative to the page's folder: one set per folder.
  const byFolder = new Map<string, Map<string, string>>();
  const builtIns = (slug: string) => {
    const folder = posix.dirname(slug);
    const known = byFolder.get(folder);
    if (known) return known;
    const v = builtInValues(model, site, slugs, run, slug);
    byFolder.set(folder, v);
    return v;
  };
  // Variables are text given by whoever starts the run: escaped, never Markdown.
  const variables = new Map([...values].map(([k, v]) => [k, escapeText(v)]));
  // A body's links are relative to the page's folder too: defanged once per folder.
  const bodies = new Map<string, string>();
  const fill = (slug: string, field: TemplateField, own: Record<string, string> = {}) => {
    const key = `${field} ${posix.dirname(slug)}`;
    const body = bodies.get(key) ?? defangMarkdown(template[field], pageHrefFrom(slug, site, slugs));
    bodies.set(key, body);
    return body.trim() ? substitute(body, new Map([...builtIns(slug), ...variables, ...Object.entries(own)])) : '';
  };

  const pages: DocPage[] = [];
  const placed = new Set<string>();
  const add = (slug: string, title: string, markdown: string, parent: string | null) => {
    placed.add(slug);
    pages.push({ slug, title, markdown, parent });
  };

  const overview = template.pages.overview ? fill(INDEX, 'overview') : substitute('# {{project.name}}\n\n{{modules}}\n\n{{apis}}\n', builtIns(INDEX));
  add(INDEX, model.project.name, overview, null);

  if (moduleSlugs.length) {
    add(MODULES_INDEX, 'Modules', `# Modules\n\n${builtIns(MODULES_INDEX).get('modules')}`, INDEX);
    for (const m of model.modules) {
      const slug = site.module(m.path);
      if (!slug || placed.has(slug)) continue;
      const intro = fill(slug, 'modulePage', { 'module.path': escapeText(m.path || '/'), 'module.files': String(m.files.length) });
      add(slug, m.path || '/', modulePageMarkdown(slug, m, model, filesByPath, site, intro, template.options), MODULES_INDEX);
      for (const path of m.files) {
        const file = filesByPath.get(path);
        const fileSlug = site.file(path);
        if (file && fileSlug && !placed.has(fileSlug)) add(fileSlug, path, fileMarkdown(fileSlug, file), slug);
      }
    }
  }
  model.apis.forEach((api, i) => {
    const slug = site.api(i);
    if (!slug) return;
    const intro = fill(slug, 'apiPage', { 'api.title': escapeText(api.title), 'api.version': escapeText(api.version ?? ''), 'api.path': escapeText(api.path) });
    add(slug, api.title || api.path, apiPageMarkdown(slug, api, site, intro), INDEX);
  });
  if (loose.length) {
    add(FILES_INDEX, 'Files', `# Files\n\n${loose.map((f) => `- ${linkOrCode(FILES_INDEX, f.path, site.file(f.path))}`).join('\n')}`, INDEX);
    for (const f of loose) add(site.file(f.path) as string, f.path, fileMarkdown(site.file(f.path) as string, f), FILES_INDEX);
  }
  return pages;

  function fileMarkdown(slug: string, file: CodeModel['files'][number]): string {
    const intro = fill(slug, 'filePage', { 'file.path': escapeText(file.path), 'file.language': escapeText(file.language), 'file.lines': String(file.lines) });
    return filePageMarkdown(slug, file, site, has, intro, template.options);
  }
}
