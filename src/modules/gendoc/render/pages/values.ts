// The built-in placeholder values of a run (template.ts BUILT_IN_PLACEHOLDERS) as Markdown, each
// made from the model with everything that came from the codebase escaped (markdown-escape.ts)
// or defanged (the README). Computed once per run; a page adds its own (`module.path`…).
import type { CodeModel } from '../../model.ts';
import { defangMarkdown, type PageHref } from '../defang.ts';
import { cell, codeSpan, escapeInline, escapeText, pageLink } from '../markdown-escape.ts';
import { hrefBetween, INDEX, type SiteMap } from './site.ts';
import { longDateTimeIn } from '../../../../core/time/zones.ts';

/** Entries a list value shows at most (a codebase may skip thousands of files). */
const MAX_LIST = 200;

/** A date as the pages show it, in the org's zone (core/time). */
export const formatDate = longDateTimeIn;

const count = new Intl.NumberFormat('en-US');

export function formatSize(bytes: number): string {
  const units = ['bytes', 'KB', 'MB', 'GB', 'TB'];
  let n = bytes;
  let u = 0;
  while (n >= 1024 && u < units.length - 1) {
    n /= 1024;
    u++;
  }
  return u === 0 ? `${count.format(bytes)} bytes` : `${n.toFixed(1)} ${units[u]}`;
}

const capped = (lines: string[], more: string) => (lines.length > MAX_LIST ? [...lines.slice(0, MAX_LIST), `- …and ${count.format(lines.length - MAX_LIST)} more ${more}`] : lines).join('\n');

/** A link to a page from `from`, or the name as code when there is no page. */
export const linkOrCode = (from: string, text: string, slug: string | null) => (slug ? `[${codeSpan(text)}](${hrefBetween(from, slug)})` : codeSpan(text));

/** Links written by people (README, templates) resolved from page `from`: page slugs, codebase files, folders. */
export function pageHrefFrom(from: string, site: SiteMap, slugs: ReadonlySet<string>): PageHref {
  return (path) => {
    const target = slugs.has(path) ? path : (site.file(path) ?? site.module(path.replace(/\/$/, '')));
    return target ? hrefBetween(from, target) : null;
  };
}

export interface RunInfo {
  generatedAt: Date;
  timeZone: string;
}

/** The built-in values for a page at `from` (the links in lists are relative to it). */
export function builtInValues(model: CodeModel, site: SiteMap, slugs: ReadonlySet<string>, run: RunInfo, from = INDEX): Map<string, string> {
  const v = new Map<string, string>();
  v.set('project.name', escapeInline(model.project.name));
  v.set('project.description', model.project.description ? escapeText(model.project.description) : '');
  v.set('snapshot.version', String(model.snapshot.version));
  v.set('snapshot.name', escapeInline(model.snapshot.name));
  const created = new Date(model.snapshot.createdAt);
  v.set('snapshot.createdAt', Number.isNaN(created.getTime()) ? escapeInline(model.snapshot.createdAt) : formatDate(created, run.timeZone));
  v.set('generatedAt', formatDate(run.generatedAt, run.timeZone));
  v.set('totals.files', count.format(model.totals.files));
  v.set('totals.lines', count.format(model.totals.lines));
  v.set('totals.size', formatSize(model.totals.bytes));
  v.set(
    'languages',
    model.languages.length
      ? ['| Language | Files | Lines |', '| --- | ---: | ---: |', ...model.languages.map((l) => `| ${cell(l.language)} | ${count.format(l.files)} | ${count.format(l.lines)} |`)].join('\n')
      : '_No source files._',
  );
  v.set('layout', model.layout.length ? capped(model.layout.map((l) => `- ${linkOrCode(from, l.path || '/', site.module(l.path))}: ${count.format(l.files)} file${l.files === 1 ? '' : 's'}`), 'folders') : '_No folders._');
  const modules = model.modules.filter((m) => site.module(m.path));
  v.set('modules', modules.length ? capped(modules.map((m) => `- ${linkOrCode(from, m.path || '/', site.module(m.path))} (${count.format(m.files.length)} file${m.files.length === 1 ? '' : 's'})`), 'modules') : '_No module pages._');
  const apis = model.apis.map((a, i) => ({ a, slug: site.api(i) })).filter((x) => x.slug);
  v.set('apis', apis.length ? apis.map(({ a, slug }) => `- ${pageLink(a.title || a.path, hrefBetween(from, slug as string))}${a.version ? ` (${escapeInline(a.version)})` : ''}`).join('\n') : '_No API documents found._');
  v.set('readme', model.readme ? defangMarkdown(model.readme, pageHrefFrom(from, site, slugs), { shiftHeadings: 2 }) : '_The codebase has no README._');
  v.set('skipped', model.skipped.length ? capped(model.skipped.map((s) => `- ${codeSpan(s.path)}: ${escapeInline(s.reason)}`), 'files') : '_Every file was read._');
  return v;
}
