// A symbol as Markdown, the same on a module page and a file page: its name and kind as a
// heading, its signature in a fenced block in the file's language, its doc comment as escaped
// text, its members one heading level down.
import type { CodeSymbol } from '../../model.ts';
import { codeBlock, codeSpan, escapeInline, escapeText } from '../markdown-escape.ts';

export interface SymbolOptions {
  includePrivate: boolean;
  includeMembers: boolean;
}

/** The symbols a page shows: exported ones, and the others when the template asks. */
export const shown = (symbols: readonly CodeSymbol[], o: SymbolOptions) => (o.includePrivate ? symbols : symbols.filter((s) => s.exported));

export function symbolMarkdown(s: CodeSymbol, language: string, depth: number, o: SymbolOptions): string {
  const hashes = '#'.repeat(Math.min(6, depth));
  const parts = [`${hashes} ${codeSpan(s.name)} ${escapeInline(s.kind)}${s.exported ? '' : ' (private)'}`, `Line ${s.line}.`];
  if (s.signature.trim()) parts.push(codeBlock(s.signature, language));
  if (s.doc?.trim()) parts.push(escapeText(s.doc));
  if (o.includeMembers) {
    // Members of a private class are shown with it; a member's own visibility applies inside.
    for (const m of shown(s.members, o)) parts.push(symbolMarkdown(m, language, depth + 1, o));
  }
  return parts.join('\n\n');
}
