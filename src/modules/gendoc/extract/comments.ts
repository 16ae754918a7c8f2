// Comments as documentation: their markers removed, the same way for every language, and the
// choice of a file's summary among its leading comments.

/** Longer doc comments are cut: a page shows a description, not a chapter pasted into code. */
export const MAX_DOC_CHARS = 8_000;

/** A license header says who owns the file, not what it is for. */
const LICENSE = /\b(copyright|spdx-license-identifier|licensed under|all rights reserved|permission is hereby granted)\b/i;

/** Removes the indentation the non-blank lines share. */
function dedent(lines: string[]): string[] {
  const indents = lines.filter((l) => l.trim() !== '').map((l) => /^[ \t]*/.exec(l)![0].length);
  const cut = indents.length ? Math.min(...indents) : 0;
  return lines.map((l) => l.slice(cut).trimEnd());
}

/** Dedented, without the blank lines around, capped; null when nothing is left. */
function tidy(lines: string[]): string | null {
  const text = dedent(lines).join('\n').replace(/^\n+|\n+$/g, '');
  if (!text) return null;
  return text.length > MAX_DOC_CHARS ? `${text.slice(0, MAX_DOC_CHARS)}…` : text;
}

/**
 * The text of a comment without its markers: a block (`/** … *\/`, `/* … *\/`, each line's
 * leading `*`) or a run of line comments (`///`, `//!`, `//`, `#`). Tags such as `@param` stay
 * as written, one per line.
 */
export function commentText(raw: string): string | null {
  const text = raw.trim();
  if (text.startsWith('/*')) {
    const inner = text.replace(/^\/\*[*!]?/, '').replace(/\*+\/$/, '');
    return firstAndRest(inner.split(/\r?\n/).map((l) => (/^\s*\*/.test(l) ? l.replace(/^\s*\* ?/, '') : l)));
  }
  // Blank lines between line comments of one run are not part of any comment.
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  return tidy(lines.map((l) => l.replace(/^\s*(\/\/[/!]?|#+)\s?/, '')));
}

/** The first line (which follows the opening marker) trimmed, the others dedented together. */
function firstAndRest([first, ...rest]: string[]): string | null {
  return tidy([first.trim(), ...dedent(rest)]);
}

/** A Python docstring's text: the quotes and prefix removed, dedented as `inspect.cleandoc` does. */
export function docstringText(literal: string): string | null {
  const body = literal.replace(/^[rRuUbBfF]{0,2}("""|'''|"|')/, '').replace(/("""|'''|"|')$/, '');
  return firstAndRest(body.split(/\r?\n/));
}

/** A comment group at the top of a file: its text, and whether it documents the declaration right after it. */
export interface LeadingComment {
  text: string | null;
  ofDeclaration: boolean;
}

/** The file's summary: the first leading comment that is neither a license header nor a declaration's own doc. */
export function summaryOf(groups: LeadingComment[]): string | null {
  for (const g of groups) {
    if (!g.text || g.ofDeclaration || LICENSE.test(g.text)) continue;
    return g.text;
  }
  return null;
}

/** Cuts a declaration's text: a signature is a line or a few, a type written as a 300-line literal is not. */
export const MAX_SIGNATURE_CHARS = 2_000;

export function capSignature(text: string): string {
  return text.length > MAX_SIGNATURE_CHARS ? `${text.slice(0, MAX_SIGNATURE_CHARS)}…` : text;
}
