import { posix } from 'node:path';
import vm from 'node:vm';
import { describe, expect, it } from 'vitest';
import { HOSTILE, hostileModel, largeModel, smallModel, unzipText } from '../../../../test/gendoc-models.ts';
import { renderPdfPages } from '../../../../test/pdf-pages.ts';
import { AppError } from '../../../core/errors.ts';
import type { CodeModel } from '../model.ts';
import { renderDocs } from './index.ts';
import { SEARCH_JS } from './site-assets.ts';
import { DEFAULT_TEMPLATE } from './template.ts';

const opts = { generatedAt: new Date('2026-12-07T09:30:00Z'), timeZone: 'UTC' };
const resolve = (from: string, href: string) => posix.normalize(posix.join(posix.dirname(from), decodeURIComponent(href.replace(/[?#].*$/, ''))));

/** Every `href`/`src`/`action` of the tags of an HTML file that is not a web link. */
const localRefs = (html: string) =>
  Array.from(html.matchAll(/<[a-z][^>]*>/gi), (tag) => Array.from(tag[0].matchAll(/\s(?:href|src|action)="([^"]*)"/g), (m) => m[1]))
    .flat()
    .filter((u) => !/^(https?:|mailto:)/.test(u));

describe('renderDocs: Markdown', () => {
  it('writes the pages to a ZIP, index.md first, every relative link resolving inside it', async () => {
    const progress: [number, number][] = [];
    const out = await renderDocs(smallModel(), DEFAULT_TEMPLATE, 'md', { ...opts, onProgress: (d, t) => progress.push([d, t]) });
    expect(out).toMatchObject({ format: 'md', fileName: 'demo-v3-docs-markdown.zip', contentType: 'application/zip', pages: 9 });
    expect(progress.at(-1)).toEqual([9, 9]);
    const files = await unzipText(out.bytes);
    expect([...files.keys()][0]).toBe('index.md');
    expect(files.size).toBe(9);
    let links = 0;
    for (const [name, text] of files) {
      for (const m of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        if (/^https?:/.test(m[1])) continue;
        links++;
        expect(files.has(resolve(name, m[1])), `${name} → ${m[1]}`).toBe(true);
      }
    }
    expect(links).toBeGreaterThan(15);
  });

  it('refuses a template with an unknown placeholder or values that do not fit, naming the fields', async () => {
    const bad = { ...DEFAULT_TEMPLATE, overview: '{{nope}}', variables: [{ name: 'team' }] };
    const err = await renderDocs(smallModel(), bad, 'md', { ...opts, values: { other: 'x' } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect(err).toMatchObject({ code: 'VALIDATION_FAILED' });
    expect((err as AppError).errors?.map((e) => e.field)).toEqual(['template.overview', 'values.other', 'values.team']);
  });
});

describe('renderDocs: static site', () => {
  it('writes a page per doc page with the navigation tree, a search page, our assets, and links that all resolve', async () => {
    const out = await renderDocs(smallModel(), DEFAULT_TEMPLATE, 'html', opts);
    expect(out).toMatchObject({ format: 'html', fileName: 'demo-v3-docs-site.zip', pages: 9 });
    const files = await unzipText(out.bytes);
    expect([...files.keys()]).toEqual([
      'index.html',
      'modules/index.html',
      'modules/src-core.html',
      'files/src-core-math.ts.html',
      'files/src-core-index.ts.html',
      'modules/app.html',
      'files/app-main.py.html',
      'modules/root.html',
      'api/demo-api.html',
      'search.html',
      'assets/search-index.js',
      'assets/search.js',
      'assets/style.css',
    ]);
    for (const [name, text] of files) {
      if (!name.endsWith('.html')) continue;
      expect(text).toContain(`<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'self';`);
      expect(text).toContain('<nav aria-label="Pages">');
      for (const ref of localRefs(text)) expect(files.has(resolve(name, ref)), `${name} → ${ref}`).toBe(true);
    }
    const math = files.get('files/src-core-math.ts.html') as string;
    // The tree is open down to the page: its module's files are listed, other modules' files not.
    expect(math).toContain('<a href="src-core-math.ts.html" aria-current="page">src/core/math.ts</a>');
    expect(math).toContain('<a href="../modules/app.html">app</a>');
    expect(math).not.toContain('app-main.py.html');
    expect(math).toContain('<pre><code class="language-typescript">export function add(a: number, b: number): number\n</code></pre>');
    expect(math).toContain('<a href="../modules/src-core.html"><code>src/core</code></a>');
  });

  it('searches the index with the one script it ships, writing results as text', async () => {
    const files = await unzipText((await renderDocs(smallModel(), DEFAULT_TEMPLATE, 'html', opts)).bytes);
    const sandbox: Record<string, unknown> = {};
    vm.runInNewContext(files.get('assets/search-index.js') as string, { self: sandbox });
    const index = sandbox.DOCS_SEARCH_INDEX as { t: string; u: string; x: string }[];
    expect(index).toHaveLength(9);
    expect(index.find((e) => e.u === 'files/src-core-math.ts.html')?.x).toContain('Adds two numbers.');

    const items: { href: string; text: string; snippet: string }[] = [];
    const el = () => ({ textContent: '', href: '', children: [] as unknown[], appendChild(c: unknown) { this.children.push(c); } });
    const status = el();
    const list = { appendChild: (li: ReturnType<typeof el>) => { const [a, p] = li.children as ReturnType<typeof el>[]; items.push({ href: a.href, text: a.textContent, snippet: p.textContent }); } };
    const input = { value: '' };
    const document = { querySelector: () => input, getElementById: (id: string) => (id === 'results' ? list : status), createElement: el };
    vm.runInNewContext(SEARCH_JS, { self: sandbox, location: { search: '?q=MATH+calculator' }, URLSearchParams, document });
    expect(input.value).toBe('MATH calculator');
    const both = index.filter((e) => `${e.t} ${e.x}`.toLowerCase().includes('math') && `${e.t} ${e.x}`.toLowerCase().includes('calculator'));
    expect(both.length).toBeGreaterThan(1);
    expect(status.textContent).toBe(`${both.length} pages found.`);
    // A word in the title counts more.
    expect(items[0]).toMatchObject({ href: 'files/src-core-math.ts.html', text: 'src/core/math.ts' });
    expect(items.map((i) => i.href).sort()).toEqual(both.map((e) => e.u).sort());
  });

  it('lets no script, handler, frame or javascript: URL from the codebase into any file', async () => {
    const files = await unzipText((await renderDocs(hostileModel(), DEFAULT_TEMPLATE, 'html', opts)).bytes);
    for (const [name, text] of files) {
      if (name === 'assets/search.js') continue;
      const scripts = Array.from(text.matchAll(/<script\b[^>]*>/gi), (m) => m[0]);
      expect(scripts, name).toEqual(name === 'search.html' ? ['<script src="assets/search-index.js">', '<script src="assets/search.js">'] : []);
      expect(text, name).not.toMatch(/<(iframe|svg|img|object|embed|style|form action="(?!(\.\.\/)?search\.html))/i);
      for (const tag of text.matchAll(/<[a-z][^>]*>/gi)) expect(tag[0], name).not.toMatch(/\son[a-z]+\s*=|javascript:/i);
      for (const ref of localRefs(text)) expect(files.has(resolve(name, ref)), `${name} → ${ref}`).toBe(true);
    }
    const index = files.get('index.html') as string;
    // Shown, as text.
    expect(index).toContain('<title>Evil &#60;script&#62;alert(1)&#60;/script&#62; - Evil &#60;script&#62;alert(1)&#60;/script&#62;</title>');
    expect(index).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(files.get('assets/search-index.js')).toContain('\\u003cscript>alert(1)\\u003c/script>');
  });
});

describe('renderDocs: PDF', () => {
  it('has a title page, contents with the right page numbers, page numbers in the footer and ink on page 1', async () => {
    const out = await renderDocs(smallModel(), DEFAULT_TEMPLATE, 'pdf', opts);
    expect(out).toMatchObject({ format: 'pdf', fileName: 'demo-v3-docs.pdf', contentType: 'application/pdf', pages: 9 });
    const pages = await renderPdfPages(out.bytes);
    expect(pages).toHaveLength(11);
    expect(pages[0].text).toContain('Demo');
    expect(pages[0].text).toContain('Snapshot 3: Release 3');
    expect(pages[0].inkedShare).toBeGreaterThan(0.001);
    const toc = pages[1].text;
    expect(toc).toContain('Contents');
    expect(toc).toContain('Page 2 of 11');
    const entries = [['Demo', 3], ['Modules', 4], ['src/core', 5], ['src/core/math.ts', 6], ['src/core/index.ts', 7], ['app', 8], ['app/main.py', 9], ['/', 10], ['Demo API', 11]] as const;
    expect(toc.replace(/\s+/g, ' ')).toContain(entries.map(([t, n]) => `${t} ${n}`).join(' '));
    for (const [title, n] of entries) {
      expect(pages[n - 1].text).toContain(`Page ${n} of 11`);
      expect(pages[n - 1].text).toContain(title);
    }
    expect(pages[5].text.replace(/\s+/g, ' ')).toContain('export function add(a: number, b: number): number');
    expect(pages[2].text).toContain('TypeScript');
  });

  it('wraps long code lines in monospace and prints hostile text as text, with no script or javascript: link', async () => {
    const model: CodeModel = hostileModel();
    const long = `export function long(${Array.from({ length: 40 }, (_, i) => `argument${i}: number`).join(', ')}): void`;
    model.files[0].symbols[0].signature = long;
    const out = await renderDocs(model, DEFAULT_TEMPLATE, 'pdf', opts);
    const raw = out.bytes.toString('latin1');
    expect(raw).not.toMatch(/\/JavaScript|\/JS\b|\/URI\s*\(\s*javascript/i);
    expect(raw).toMatch(/\/BaseFont \/[A-Z]+\+DejaVuSansMono\b/);
    const pages = await renderPdfPages(out.bytes);
    const all = pages.map((p) => p.text.replace(/\s+/g, ' ')).join('\n');
    expect(all).toContain(HOSTILE.script);
    expect(all).toContain('↪');
    expect(all.replace(/[\s↪]/g, '')).toContain(long.replace(/\s/g, ''));
  });
});

describe('renderDocs: a codebase of 1,000 files', () => {
  it('renders each format (timings printed, not asserted)', { timeout: 300_000 }, async () => {
    const model = largeModel(1_000);
    for (const format of ['md', 'html', 'pdf'] as const) {
      const started = performance.now();
      const out = await renderDocs(model, DEFAULT_TEMPLATE, format, opts);
      console.log(`gendoc ${format}: ${out.pages} pages, ${(out.bytes.length / 1e6).toFixed(1)} MB in ${((performance.now() - started) / 1000).toFixed(1)} s`);
      expect(out.pages).toBe(1 + 1 + 50 + 1_000);
    }
  });
});
