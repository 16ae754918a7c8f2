import { posix } from 'node:path';
import { marked } from 'marked';
import { describe, expect, it } from 'vitest';
import { hostileModel, smallModel } from '../../../../test/gendoc-models.ts';
import { buildPages, type DocPage } from './pages.ts';
import { GENERATED_MARK } from './pages/module-page.ts';
import { API_ONLY_TEMPLATE, DEFAULT_TEMPLATE, type DocTemplate } from './template.ts';

const run = { generatedAt: new Date('2026-12-07T09:30:00Z'), timeZone: 'Europe/Berlin' };
const build = (template: DocTemplate = DEFAULT_TEMPLATE, values = new Map<string, string>(), model = smallModel()) => buildPages(model, template, values, run);
const page = (pages: DocPage[], slug: string) => {
  const p = pages.find((x) => x.slug === slug);
  if (!p) throw new Error(`no page ${slug}`);
  return p.markdown;
};
const hrefsOf = (markdown: string) => {
  const hrefs: string[] = [];
  marked.walkTokens(marked.lexer(markdown), (t) => {
    if (t.type === 'link') hrefs.push(t.href);
  });
  return hrefs;
};

describe('buildPages', () => {
  it('makes the overview, the module list, each module followed by its files, and the API pages, as a tree', () => {
    expect(build().map((p) => [p.slug, p.parent])).toEqual([
      ['index.md', null],
      ['modules/index.md', 'index.md'],
      ['modules/src-core.md', 'modules/index.md'],
      ['files/src-core-math.ts.md', 'modules/src-core.md'],
      ['files/src-core-index.ts.md', 'modules/src-core.md'],
      ['modules/app.md', 'modules/index.md'],
      ['files/app-main.py.md', 'modules/app.md'],
      ['modules/root.md', 'modules/index.md'],
      ['api/demo-api.md', 'index.md'],
    ]);
  });

  it('fills the overview with the built-in values, dates in the time zone, the README linked to pages', () => {
    const overview = page(build(), 'index.md');
    expect(overview).toContain('# Demo\n\nA demo project.\n\nSnapshot 3 (Release 3), taken 1 December 2026 at 11:00 (Europe/Berlin). Documentation generated 7 December 2026 at 10:30 (Europe/Berlin).');
    expect(overview).toContain('4 files, 75 lines, 4.0 KB.');
    expect(overview).toContain('| TypeScript | 2 | 43 |');
    expect(overview).toContain('- [`app`](modules/app.md): 1 file');
    expect(overview).toContain('### Demo\n\nSee [the math](files/src-core-math.ts.md), [the web](https://example.com) and missing.');
    expect(overview).toContain('- `logo.png`: binary');
  });

  it('links every page only to pages that exist, relative to itself', () => {
    const pages = build();
    const slugs = new Set(pages.map((p) => p.slug));
    let links = 0;
    for (const p of pages) {
      for (const href of hrefsOf(p.markdown)) {
        if (/^https?:/.test(href)) continue;
        links++;
        expect(slugs, `${p.slug} → ${href}`).toContain(posix.normalize(posix.join(posix.dirname(p.slug), href)));
      }
    }
    expect(links).toBeGreaterThan(15);
  });

  it('shows exported symbols with signatures and docs; private ones and members as the template says', () => {
    const file = page(build(), 'files/src-core-math.ts.md');
    expect(file).toContain('### `add` function\n\nLine 3.\n\n```typescript\nexport function add(a: number, b: number): number\n```\n\nAdds two numbers.\\\n@param a the first');
    expect(file).toContain('#### `plus` method');
    expect(file).not.toContain('`helper`');
    expect(file).not.toContain('secret');
    const all = page(build({ ...DEFAULT_TEMPLATE, options: { ...DEFAULT_TEMPLATE.options, includePrivate: true } }), 'files/src-core-math.ts.md');
    expect(all).toContain('### `helper` function (private)');
    expect(all).toContain('#### `secret` method (private)');
    const bare = page(build({ ...DEFAULT_TEMPLATE, options: { ...DEFAULT_TEMPLATE.options, includeMembers: false } }), 'files/src-core-math.ts.md');
    expect(bare).not.toContain('plus');
  });

  it('links imports and re-exports to the files they name, packages as code', () => {
    const index = page(build(), 'files/src-core-index.ts.md');
    expect(index).toContain('## Imports\n\n- [`src/core/math.ts`](src-core-math.ts.md)');
    expect(index).toContain('- `add`, `Calculator` from [`src/core/math.ts`](src-core-math.ts.md)\n- everything from `node:path`');
    expect(page(build({ ...DEFAULT_TEMPLATE, options: { ...DEFAULT_TEMPLATE.options, includeImports: false } }), 'files/src-core-index.ts.md')).not.toContain('Imports');
  });

  it('marks the LLM summary as generated, and leaves it out when the template says so', () => {
    expect(page(build(), 'modules/src-core.md')).toContain(`> **${GENERATED_MARK}:**\n>\n> Core arithmetic for the app.`);
    expect(page(build({ ...DEFAULT_TEMPLATE, options: { ...DEFAULT_TEMPLATE.options, generatedSummaries: false } }), 'modules/src-core.md')).not.toContain('Core arithmetic');
  });

  it('groups API operations by tag with parameters and responses', () => {
    const api = page(build(), 'api/demo-api.md');
    expect(api.indexOf('## sums')).toBeLessThan(api.indexOf('## Other operations'));
    expect(api).toContain('### `GET /sums`\n\n**List sums**\n\nOperation `listSums`.');
    expect(api).toContain('| `limit` | query | integer | no | At most this many |');
  });

  it('without file pages, names files as code and lists no file page', () => {
    const pages = build(API_ONLY_TEMPLATE, new Map([['audience', 'the <b>ops</b> team']]));
    expect(pages.some((p) => p.slug.startsWith('files/'))).toBe(false);
    expect(page(pages, 'modules/src-core.md')).toContain('## `src/core/math.ts`');
    expect(page(pages, 'index.md')).toContain('For the \\<b\\>ops\\</b\\> team.');
  });

  it('without module pages, puts the files under a file list', () => {
    const pages = build({ ...DEFAULT_TEMPLATE, pages: { overview: true, modules: false, api: false, files: true } });
    expect(pages.map((p) => [p.slug, p.parent])).toEqual([
      ['index.md', null],
      ['files/index.md', 'index.md'],
      ['files/src-core-math.ts.md', 'files/index.md'],
      ['files/src-core-index.ts.md', 'files/index.md'],
      ['files/app-main.py.md', 'files/index.md'],
    ]);
  });

  it('lists a file once, under its first module, and files outside every module under a file list', () => {
    const model = smallModel();
    model.modules.push({ path: 'again', files: ['src/core/math.ts'], generatedSummary: null });
    model.files.push({ ...model.files[2], path: 'tools/run.py' });
    const pages = build(DEFAULT_TEMPLATE, new Map(), model);
    expect(pages.filter((p) => p.slug === 'files/src-core-math.ts.md').map((p) => p.parent)).toEqual(['modules/src-core.md']);
    expect(pages.slice(-2).map((p) => [p.slug, p.parent])).toEqual([
      ['files/index.md', 'index.md'],
      ['files/tools-run.py.md', 'files/index.md'],
    ]);
    expect(page(pages, 'files/index.md')).toBe('# Files\n\n- [`tools/run.py`](tools-run.py.md)');
  });

  it("fills the page intros with the page's values and the variables, escaped", () => {
    const template: DocTemplate = { ...DEFAULT_TEMPLATE, variables: [{ name: 'team', default: 'Core' }], filePage: '_{{file.path}}_ ({{file.language}}, {{file.lines}} lines) by {{team}}, see [the modules](../modules/index.md).', modulePage: 'Folder {{module.path}}: {{module.files}} files.', apiPage: 'API {{api.title}} {{api.version}}' };
    const pages = build(template, new Map([['team', '*Platform*']]));
    expect(page(pages, 'files/app-main.py.md')).toContain('_app/main.py_ (Python, 12 lines) by \\*Platform\\*, see [the modules](../modules/index.md).');
    expect(page(pages, 'modules/app.md')).toContain('Folder app: 1 files.');
    expect(page(pages, 'api/demo-api.md')).toContain('API Demo API 1\\.0');
  });

  it('gives every page a distinct, safe slug, even for names differing only in case or by punctuation', () => {
    const model = smallModel();
    for (const path of ['src/A.ts', 'src/a.ts', 'src/a-ts', '../../etc/passwd', 'src/ünï cödé?.ts', '.hidden']) model.files.push({ ...model.files[0], path });
    model.modules.push({ path: 'SRC/Core', files: [], generatedSummary: null });
    const slugs = build(DEFAULT_TEMPLATE, new Map(), model).map((p) => p.slug);
    expect(new Set(slugs.map((s) => s.toLowerCase())).size).toBe(slugs.length);
    for (const s of slugs) expect(s).toMatch(/^(index\.md|(modules|files|api)\/[a-z0-9][a-z0-9._-]*\.md)$/);
  });

  it('lets nothing from a hostile codebase become HTML or a link', () => {
    for (const p of build(DEFAULT_TEMPLATE, new Map(), hostileModel())) {
      const html = marked.parse(p.markdown, { async: false, gfm: true });
      expect(html, p.slug).not.toMatch(/<(script|img|iframe|svg|a href="(?!(\.\.\/)?[a-z]+\/[a-z0-9._-]+\.md"|[a-z0-9._-]+\.md"|https:\/\/))/i);
      expect(html, p.slug).not.toMatch(/href="javascript:/i);
    }
  });
});
