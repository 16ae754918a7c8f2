// Text from the codebase (names, signatures, doc comments, the README, API descriptions) put into
// Markdown so it reads as the text it is: never as HTML, a link, a heading or a list a page did
// not mean to have. Every writer reads the same Markdown, so what is escaped here is escaped in
// the ZIP, the static site (which sanitizes again) and the PDF.

/** ASCII punctuation CommonMark lets a backslash escape and that can start markup inline. */
const INLINE_SPECIAL = /[\\`*_{}[\]()<>#+!|~&"=-]/g;

/** Control characters (but tab and line feed) as spaces: they mean nothing on a page. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: these are the characters replaced
export const controlFree = (s: string) => s.replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, ' ');

/** One line of plain text as inline Markdown: every special character backslash-escaped, no bare URL, line breaks as spaces. */
export function escapeInline(text: string): string {
  return (
    controlFree(text)
      .replace(/\s*\n\s*/g, ' ')
      .replace(INLINE_SPECIAL, '\\$&')
      // GFM turns bare URLs into links, swallowing the escapes after them: text stays text.
      .replace(/\b(https?|ftp|mailto|www)([:.])/gi, '$1\\$2')
  );
}

/**
 * Plain text over several lines (a doc comment, a description) as Markdown paragraphs: blank
 * lines stay paragraph breaks, a JSDoc tag line (`@param`) starts on its own line, indentation
 * goes (it would make a code block), and everything inline is escaped.
 */
export function escapeText(text: string): string {
  const paragraphs = controlFree(text.replace(/\r\n?/g, '\n').replace(/\t/g, ' ')).trim().split(/\n\s*\n/);
  return paragraphs
    .map((p) =>
      p
        .split('\n')
        .map((line) => escapeInline(line.trim()).replace(/^(\d+)([.)])/, '$1\\$2'))
        .filter((line) => line !== '')
        // A backslash at the end of a line is a hard line break.
        .reduce((acc, line) => (acc === '' ? line : `${acc}${line.startsWith('@') ? '\\\n' : '\n'}${line}`), ''),
    )
    .filter((p) => p !== '')
    .join('\n\n');
}

/** Text as a code span: literal whatever it holds (its backtick fence is longer than any run inside). */
export function codeSpan(text: string): string {
  const flat = controlFree(text).replace(/\s*\n\s*/g, ' ');
  const longest = Math.max(0, ...Array.from(flat.matchAll(/`+/g), (m) => m[0].length));
  const fence = '`'.repeat(longest + 1);
  const pad = flat.startsWith('`') || flat.endsWith('`') || flat.startsWith(' ') ? ' ' : '';
  return `${fence}${pad}${flat}${pad}${fence}`;
}

/** Text as a fenced code block in a language (the hint keeps only safe characters). */
export function codeBlock(text: string, language = ''): string {
  const body = controlFree(text.replace(/\r\n?/g, '\n')).replace(/\n+$/, '');
  const longest = Math.max(0, ...Array.from(body.matchAll(/^ {0,3}(`{3,})/gm), (m) => m[1].length));
  const fence = '`'.repeat(Math.max(3, longest + 1));
  return `${fence}${language.toLowerCase().replace(/[^a-z0-9+#-]/g, '')}\n${body}\n${fence}`;
}

/** A table cell: inline-escaped, pipes included, one line. */
export const cell = (text: string) => escapeInline(text) || ' ';

/** A link to a page of the documentation: its text escaped, its target one of ours. */
export const pageLink = (text: string, href: string) => `[${escapeInline(text)}](${href})`;
