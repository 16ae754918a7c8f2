// Syntax highlighting for the code view: highlight.js's core with a handful of languages (this
// area's chunk only), then its HTML cut into lines so each line can be a target (#L12) and be
// marked. highlight.js escapes the code it is given (`<`, `>`, `&`, quotes): its output holds no
// markup but its own <span class="hljs-…">, which is why it may go into the page as HTML. It adds
// no <style> element (the page's CSP refuses those): the theme is highlight.css, imported.
import hljs from 'highlight.js/lib/core';
import bash from 'highlight.js/lib/languages/bash';
import css from 'highlight.js/lib/languages/css';
import go from 'highlight.js/lib/languages/go';
import java from 'highlight.js/lib/languages/java';
import javascript from 'highlight.js/lib/languages/javascript';
import json from 'highlight.js/lib/languages/json';
import markdown from 'highlight.js/lib/languages/markdown';
import python from 'highlight.js/lib/languages/python';
import rust from 'highlight.js/lib/languages/rust';
import sql from 'highlight.js/lib/languages/sql';
import typescript from 'highlight.js/lib/languages/typescript';
import xml from 'highlight.js/lib/languages/xml';
import yaml from 'highlight.js/lib/languages/yaml';

for (const [name, language] of Object.entries({ bash, css, go, java, javascript, json, markdown, python, rust, sql, typescript, xml, yaml })) hljs.registerLanguage(name, language);

/** The codebase module's language names (src/modules/codebase/languages.ts) that highlight.js knows by another. */
const ALIASES: Record<string, string> = { shell: 'bash', html: 'xml', vue: 'xml', svelte: 'xml', scss: 'css', less: 'css' };
/** Past this size a file is shown as plain text: highlighting it would hold the page up. */
export const HIGHLIGHT_MAX_CHARS = 256 * 1024;

export function escapeHtml(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;').replaceAll("'", '&#x27;');
}

/** The file's lines as HTML: highlighted when the language is known and the file small enough, else escaped. */
export function highlightLines(text: string, language: string | null): string[] {
  const name = language ? (ALIASES[language] ?? language) : undefined;
  if (name && text.length <= HIGHLIGHT_MAX_CHARS && hljs.getLanguage(name)) {
    return splitHtmlLines(hljs.highlight(text, { language: name, ignoreIllegals: true }).value);
  }
  return text.split('\n').map(escapeHtml);
}

/**
 * Cuts highlighted HTML into lines. A span may run over several lines (a block comment, a
 * template string): each line closes the spans still open at its end, and the next one opens
 * them again, so every line is well-formed HTML on its own.
 */
export function splitHtmlLines(html: string): string[] {
  const lines: string[] = [];
  const open: string[] = [];
  let current = '';
  for (const token of html.match(/<span[^>]*>|<\/span>|[^<]+/g) ?? []) {
    if (token.startsWith('<span')) {
      open.push(token);
      current += token;
    } else if (token === '</span>') {
      open.pop();
      current += token;
    } else {
      const pieces = token.split('\n');
      current += pieces[0];
      for (const piece of pieces.slice(1)) {
        lines.push(current + '</span>'.repeat(open.length));
        current = open.join('') + piece;
      }
    }
  }
  lines.push(current);
  return lines;
}
