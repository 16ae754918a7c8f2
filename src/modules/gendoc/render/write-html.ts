// The static site: one HTML page per documentation page, each with the navigation tree and a
// search box, the search page, a style sheet and our one script. Markdown becomes HTML with
// marked and then passes sanitize-html's allow-list (formatting tags, links to the web or to
// pages), so nothing the codebase wrote runs: no script, event handler, frame, style or
// `javascript:` URL survives, and each page's Content-Security-Policy allows only the site's own
// script files besides (decision 0047).
import { posix } from 'node:path';
import { marked } from 'marked';
import sanitizeHtml from 'sanitize-html';
import { checkedPage } from './defang.ts';
import { type DocPage, hrefBetween, INDEX } from './pages/site.ts';
import { SEARCH_JS, STYLE_CSS } from './site-assets.ts';
import { zipOf } from './zip.ts';

/** Characters of a page's text the search index keeps. */
const INDEX_TEXT = 2_000;
const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; form-action 'self'; base-uri 'none'";

const SANITIZE: sanitizeHtml.IOptions = {
  allowedTags: ['h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'p', 'br', 'hr', 'blockquote', 'pre', 'code', 'em', 'strong', 'del', 's', 'ul', 'ol', 'li', 'a', 'table', 'thead', 'tbody', 'tr', 'th', 'td'],
  allowedAttributes: { a: ['href', 'title', 'rel'], th: ['align'], td: ['align'], code: ['class'], ol: ['start'] },
  allowedClasses: { code: ['language-*'] },
  allowedSchemes: ['http', 'https', 'mailto'],
  allowProtocolRelative: false,
  disallowedTagsMode: 'discard',
  transformTags: {
    a: (tagName, attribs) => {
      const href = attribs.href ?? '';
      // A link between pages points at the page's HTML; one to the web leaves without a referrer.
      if (/^[^:/?#]+(\/[^:/?#]+)*\.md$/.test(href) || /^(\.\.\/)+[^:?#]+\.md$/.test(href)) return { tagName, attribs: { ...attribs, href: href.replace(/\.md$/, '.html') } };
      return { tagName, attribs: { ...attribs, rel: 'noopener noreferrer nofollow' } };
    },
  },
};

export const htmlOf = (slug: string) => slug.replace(/\.md$/, '.html');
const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const unesc = (s: string) => s.replace(/&(lt|gt|amp|quot|#39|#(\d+));/g, (_, name: string, n?: string) => (n ? String.fromCharCode(Number(n)) : ({ lt: '<', gt: '>', amp: '&', quot: '"', '#39': "'" } as Record<string, string>)[name]));

/** The page's Markdown as HTML that may be put in the page as is. */
export function pageBody(markdown: string): string {
  const { tokens } = checkedPage(markdown);
  return sanitizeHtml(marked.parser(tokens, { gfm: true }), SANITIZE);
}

interface Tree {
  children: Map<string | null, DocPage[]>;
  parent: Map<string, string | null>;
}

/** The tree from the root down, opened along the way to `current`: its ancestors' children and its own are listed, the rest folded. */
function navOf(tree: Tree, current: string): string {
  const open = new Set<string>();
  for (let s: string | null = current; s !== null && !open.has(s); s = tree.parent.get(s) ?? null) open.add(s);
  const list = (parent: string | null): string => {
    const items = (tree.children.get(parent) ?? []).map((p) => {
      const href = esc(htmlOf(hrefBetween(current, p.slug)));
      const mark = p.slug === current ? ' aria-current="page"' : '';
      const sub = open.has(p.slug) && tree.children.has(p.slug) ? list(p.slug) : '';
      return `<li><a href="${href}"${mark}>${esc(p.title)}</a>${sub}</li>`;
    });
    return `<ul>${items.join('')}</ul>`;
  };
  return `<nav aria-label="Pages">${list(null)}</nav>`;
}

function shell(slug: string, title: string, project: string, generated: string, nav: string, main: string, scripts: string[] = []): string {
  const root = posix.dirname(slug) === '.' ? '' : '../'.repeat(slug.split('/').length - 1);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="${CSP}">
<meta name="referrer" content="no-referrer">
<title>${esc(title)} - ${esc(project)}</title>
<link rel="stylesheet" href="${root}assets/style.css">
</head>
<body>
<header><a class="home" href="${root}index.html">${esc(project)}</a><form action="${root}search.html" method="get" role="search"><input type="search" name="q" placeholder="Search" aria-label="Search the documentation"></form></header>
<div class="layout">${nav}<main>
${main}
</main></div>
<footer>${esc(generated)}</footer>
${scripts.map((s) => `<script src="${root}${s}"></script>`).join('\n')}
</body>
</html>
`;
}

export async function writeHtmlZip(pages: readonly DocPage[], info: { project: string; generated: string; generatedAt: Date }, onPage: () => Promise<void>): Promise<Buffer> {
  const tree: Tree = { children: new Map(), parent: new Map() };
  for (const p of pages) {
    tree.parent.set(p.slug, p.parent);
    const siblings = tree.children.get(p.parent);
    if (siblings) siblings.push(p);
    else tree.children.set(p.parent, [p]);
  }
  const entries: { name: string; data: string }[] = [];
  const search: { t: string; u: string; x: string }[] = [];
  for (const page of pages) {
    const body = pageBody(page.markdown);
    entries.push({ name: htmlOf(page.slug), data: shell(page.slug, page.title, info.project, info.generated, navOf(tree, page.slug), body) });
    const text = unesc(sanitizeHtml(body, { allowedTags: [], allowedAttributes: {} })).replace(/\s+/g, ' ').trim();
    search.push({ t: page.title, u: htmlOf(page.slug), x: text.slice(0, INDEX_TEXT) });
    await onPage();
  }
  const searchMain = '<h1>Search</h1>\n<p id="status">Searching needs JavaScript.</p>\n<ol id="results"></ol>';
  entries.push({ name: 'search.html', data: shell('search.html', 'Search', info.project, info.generated, navOf(tree, INDEX).replace(' aria-current="page"', ''), searchMain, ['assets/search-index.js', 'assets/search.js']) });
  // A data file: `<` and the line separators escaped, so the JSON stays one inert value whatever the pages hold.
  const json = JSON.stringify(search).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
  entries.push({ name: 'assets/search-index.js', data: `self.DOCS_SEARCH_INDEX = ${json};\n` });
  entries.push({ name: 'assets/search.js', data: SEARCH_JS });
  entries.push({ name: 'assets/style.css', data: STYLE_CSS });
  return zipOf(entries, info.generatedAt);
}
