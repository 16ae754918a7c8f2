// Markdown written by people (the README, a template's bodies) kept as Markdown, but with nothing
// live that a reader of the documentation did not ask for: raw HTML is shown as text (`<` becomes
// `&lt;` outside code), and a link survives only when it leads to the web (http, https, mailto)
// or to a page of the documentation; a link to a file of the codebase is pointed at that file's
// page, any other (`javascript:`, `data:`, a path with no page) keeps its text and loses its
// target. Code blocks and code spans are left as written: Markdown shows them literally.
import { posix } from 'node:path';
import { marked, type TokensList } from 'marked';
import { codeBlock } from './markdown-escape.ts';

/** Where a path of the codebase (or a page's slug) is documented, as a link from the page being written; null when nowhere. */
export type PageHref = (path: string) => string | null;

const WEB = /^(https?:\/\/|mailto:)/i;
const FENCE = /^ {0,3}(`{3,}|~{3,})/;
const INLINE_LINK = /(!?)\[((?:[^[\]\\]|\\.|\[(?:[^[\]\\]|\\.)*\])*)\]\(\s*(<[^<>\n]*>|[^\s()]*(?:\([^\s()]*\)[^\s()]*)*)(?:\s+(?:"[^"\n]*"|'[^'\n]*'|\([^)\n]*\)))?\s*\)/g;
const DEFINITION = /^ {0,3}\[((?:[^\]\\]|\\.)+)\]:[ \t]*(<[^<>\n]*>|\S+)[^\n]*$/gm;
const AUTOLINK = /^<(?:https?:\/\/[^\s<>]*|mailto:[^\s<>]*|[A-Za-z0-9.!#$%&'*+/=?^_{|}~-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*)>/i;

/** The target a link may keep, or null: web links as they are (spaces and quotes encoded), codebase paths mapped to their pages. */
export function safeHref(raw: string, pageHref: PageHref): string | null {
  const href = raw.trim().replace(/^<|>$/g, '').trim();
  if (WEB.test(href)) return href.replace(/[\s<>"'`]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
  // A scheme (`javascript:`), a protocol-relative `//host`, entities or escapes that could spell
  // one, or a fragment of a page that may not exist: no target.
  if (/^[A-Za-z][A-Za-z0-9+.-]*:/.test(href) || href.startsWith('//') || /[&\\]/.test(href) || href === '' || href.startsWith('#')) return null;
  let path = href.replace(/[?#].*$/, '');
  try {
    path = decodeURIComponent(path);
  } catch {
    return null;
  }
  const normal = posix.normalize(`/${path}`).slice(1);
  return normal === '' || normal.startsWith('..') ? null : pageHref(normal);
}

function defangText(text: string, pageHref: PageHref): string {
  const linked = text
    .replace(INLINE_LINK, (_, bang: string, label: string, dest: string) => {
      // Images are not shipped with the documentation: their description stays.
      if (bang) return label;
      const href = safeHref(dest, pageHref);
      return href === null ? label : `[${label}](${href.includes(' ') || href.includes(')') ? `<${href}>` : href})`;
    })
    .replace(DEFINITION, (_, label: string, dest: string) => {
      const href = safeHref(dest, pageHref);
      return href === null ? '' : `[${label}]: <${href}>`;
    });
  let out = '';
  let i = 0;
  while (i < linked.length) {
    const lt = linked.indexOf('<', i);
    if (lt === -1) break;
    const auto = AUTOLINK.exec(linked.slice(lt, lt + 1_000));
    if (auto) {
      out += linked.slice(i, lt + auto[0].length);
      i = lt + auto[0].length;
    } else {
      out += `${linked.slice(i, lt)}&lt;`;
      i = lt + 1;
    }
  }
  return out + linked.slice(i);
}

/** Text outside fences, with its code spans (a backtick run not escaped, up to the next run of the same length) kept as written. */
function defangOutsideFences(text: string, pageHref: PageHref): string {
  let out = '';
  let from = 0;
  const runs = /`+/g;
  let m = runs.exec(text);
  while (m) {
    let backslashes = 0;
    for (let k = m.index - 1; k >= 0 && text[k] === '\\'; k--) backslashes++;
    if (backslashes % 2 === 1) {
      m = runs.exec(text);
      continue;
    }
    const open = m[0];
    let close = runs.exec(text);
    while (close && close[0].length !== open.length) close = runs.exec(text);
    if (!close) break;
    const end = close.index + close[0].length;
    out += defangText(text.slice(from, m.index), pageHref) + text.slice(m.index, end);
    from = end;
    m = runs.exec(text);
  }
  return out + defangText(text.slice(from), pageHref);
}

function defangLines(markdown: string, pageHref: PageHref, shift: number): string {
  const lines = markdown.replace(/\r\n?/g, '\n').split('\n');
  const out: string[] = [];
  let prose: string[] = [];
  let fence: string | null = null;
  const flush = () => {
    if (prose.length) out.push(defangOutsideFences(prose.join('\n'), pageHref));
    prose = [];
  };
  for (const line of lines) {
    const m = FENCE.exec(line);
    if (fence === null && m) {
      flush();
      fence = m[1];
      out.push(line);
    } else if (fence !== null) {
      out.push(line);
      if (m && m[1][0] === fence[0] && m[1].length >= fence.length && line.trim() === m[1]) fence = null;
    } else prose.push(shift ? line.replace(/^ {0,3}(#{1,6})(?=\s|$)/, (h) => `${h.trim()}${'#'.repeat(shift)}`.slice(0, 6)) : line);
  }
  flush();
  return out.join('\n');
}

/** Our page links: relative paths of slugs, nothing that could be a scheme. */
const PAGE_HREF = /^(\.\.\/)*[a-z0-9][a-z0-9._-]*(\/[a-z0-9][a-z0-9._-]*)*\.md$/;

function tokensSafe(tokens: TokensList): boolean {
  let safe = true;
  marked.walkTokens(tokens, (t) => {
    if (t.type === 'html') safe = false;
    else if ((t.type === 'link' || t.type === 'image') && !WEB.test(t.href) && !PAGE_HREF.test(t.href)) safe = false;
  });
  return safe;
}

/** Whether marked, which every writer parses with, finds no HTML and no link but to the web or a page. */
export const isDefanged = (markdown: string) => tokensSafe(marked.lexer(markdown, { gfm: true }));

/**
 * A page's Markdown as the writers read it, parsed once: the last guard, after whatever a page
 * builder put together. A page in which marked finds HTML or a foreign link is written as a
 * code block of its text instead.
 */
export function checkedPage(markdown: string): { markdown: string; tokens: TokensList } {
  const tokens = marked.lexer(markdown, { gfm: true });
  if (tokensSafe(tokens)) return { markdown, tokens };
  const literal = codeBlock(markdown, 'markdown');
  return { markdown: literal, tokens: marked.lexer(literal, { gfm: true }) };
}

/**
 * The Markdown with raw HTML shown as text and only safe links kept (see the file's comment).
 * `shiftHeadings` moves ATX headings down that many levels (a README under the overview's own).
 * The result is checked with the parser the writers use; Markdown built to slip past the
 * rewriting is shown as a code block instead, literally.
 */
export function defangMarkdown(markdown: string, pageHref: PageHref, opts: { shiftHeadings?: number } = {}): string {
  const out = defangLines(markdown, pageHref, opts.shiftHeadings ?? 0);
  return isDefanged(out) ? out : codeBlock(markdown, 'markdown');
}
