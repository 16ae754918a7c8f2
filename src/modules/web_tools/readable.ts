// A fetched page as the text a reader would read: for HTML, the article as Readability finds it
// (Firefox's reader view, on linkedom's DOM: no browser, no script run), else the visible body;
// in both, paragraphs, headings, list items and table rows stay on lines of their own, and what
// a reader never sees (scripts, styles, hidden elements) is left out. Plain text and Markdown
// are kept as they are, JSON is indented. Pure: no I/O.
import { Readability } from '@mozilla/readability';
import { parseHTML } from 'linkedom';

export interface ReadableText {
  title: string | null;
  text: string;
}

const BLOCKS = new Set([
  'ADDRESS', 'ARTICLE', 'ASIDE', 'BLOCKQUOTE', 'DD', 'DETAILS', 'DIV', 'DL', 'DT', 'FIELDSET', 'FIGCAPTION', 'FIGURE', 'FOOTER', 'FORM',
  'H1', 'H2', 'H3', 'H4', 'H5', 'H6', 'HEADER', 'HR', 'LI', 'MAIN', 'NAV', 'OL', 'P', 'PRE', 'SECTION', 'SUMMARY', 'TABLE', 'TR', 'UL',
]);
/** Never read: code, styles, embedded objects, and what is not part of the page's text. */
const SKIPPED = new Set(['SCRIPT', 'STYLE', 'NOSCRIPT', 'TEMPLATE', 'SVG', 'IFRAME', 'OBJECT', 'EMBED', 'CANVAS', 'HEAD', 'SELECT', 'BUTTON', 'INPUT', 'TEXTAREA']);

interface DomNode {
  nodeType: number;
  nodeName: string;
  textContent: string | null;
  childNodes: ArrayLike<DomNode>;
  getAttribute?(name: string): string | null;
}

/** Hidden from a reader: the `hidden` attribute, `aria-hidden`, or an inline `display:none` / `visibility:hidden`. */
function hidden(el: DomNode): boolean {
  if (!el.getAttribute) return false;
  if (el.getAttribute('hidden') !== null || el.getAttribute('aria-hidden') === 'true') return true;
  const style = (el.getAttribute('style') ?? '').toLowerCase().replace(/\s+/g, '');
  return style.includes('display:none') || style.includes('visibility:hidden');
}

// Preformatted text keeps its spaces and line breaks through tidy(): they travel as two
// private-use characters, which tidy leaves alone, and are put back after it.
const PRE_SPACE = '\uE000';
const PRE_BREAK = '\uE001';
const keep = (text: string) => text.replace(/\r\n?/g, '\n').replace(/ /g, PRE_SPACE).replace(/\n/g, PRE_BREAK);
const restore = (text: string) => text.replaceAll(PRE_SPACE, ' ').replaceAll(PRE_BREAK, '\n');

/** The text of a DOM tree, with line breaks where the layout has them. */
function textOf(root: DomNode): string {
  const out: string[] = [];
  const walk = (node: DomNode, pre: boolean) => {
    for (const child of Array.from(node.childNodes)) {
      if (child.nodeType === 3) {
        out.push(pre ? keep(child.textContent ?? '') : (child.textContent ?? '').replace(/\s+/g, ' '));
        continue;
      }
      if (child.nodeType !== 1) continue;
      const tag = child.nodeName.toUpperCase();
      if (SKIPPED.has(tag) || hidden(child)) continue;
      if (tag === 'BR') {
        out.push('\n');
        continue;
      }
      const block = BLOCKS.has(tag);
      if (block) out.push('\n\n');
      if (/^H[1-6]$/.test(tag)) out.push(`${'#'.repeat(Number(tag[1]))} `);
      else if (tag === 'LI') out.push('- ');
      else if (tag === 'TD' || tag === 'TH') out.push(' | ');
      walk(child, pre || tag === 'PRE');
      if (block) out.push('\n\n');
    }
  };
  walk(root, false);
  return out.join('');
}

/** Control characters but tab and line feed (carriage returns are made line feeds first). */
const CONTROLS = /[^\P{Cc}\t\n]/gu;

/** One space between words, no space at a line's ends, at most one blank line, no control characters. */
export function tidy(text: string): string {
  return text
    .replace(/\r\n?/g, '\n')
    .replace(CONTROLS, '')
    .replace(/[ \t\u00a0]+/g, ' ')
    .replace(/ *\n */g, '\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

function fromHtml(html: string): ReadableText {
  const { document } = parseHTML(html);
  const title = tidy(document.title ?? '') || null;
  // Readability changes the document it reads: the fallback parses the page again.
  let article: { title?: string | null; content?: string | null } | null = null;
  try {
    article = new Readability(document as unknown as ConstructorParameters<typeof Readability>[0], { keepClasses: false }).parse();
  } catch {
    article = null;
  }
  const articleText = article?.content ? restore(tidy(textOf(parseHTML(`<!doctype html><html><body>${article.content}</body></html>`).document.body as unknown as DomNode))) : '';
  if (articleText) return { title: tidy(article?.title ?? '') || title, text: articleText };
  const body = parseHTML(html).document.body as unknown as DomNode | null;
  return { title, text: body ? restore(tidy(textOf(body))) : '' };
}

/** The readable text of a page of `mediaType` (one of the types fetch_page reads). */
export function readableText(body: string, mediaType: string): ReadableText {
  if (mediaType === 'text/html' || mediaType === 'application/xhtml+xml') return fromHtml(body);
  if (mediaType === 'application/json' || mediaType.endsWith('+json')) {
    try {
      return { title: null, text: JSON.stringify(JSON.parse(body), null, 2) };
    } catch {
      return { title: null, text: tidy(body) };
    }
  }
  return { title: null, text: body.replace(/\r\n?/g, '\n').replace(CONTROLS, '').trim() };
}
