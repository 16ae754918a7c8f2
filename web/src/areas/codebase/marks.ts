// A search hit's snippet is plain text with the matches as offsets: cut it into pieces, marked
// or not, to render as text (never as HTML: the snippet is code, `<script>` included).
export interface Piece {
  text: string;
  marked: boolean;
}

export function markPieces(snippet: string, highlights: { start: number; end: number }[]): Piece[] {
  const pieces: Piece[] = [];
  let at = 0;
  for (const { start, end } of [...highlights].sort((a, b) => a.start - b.start)) {
    const from = Math.max(start, at);
    const to = Math.min(end, snippet.length);
    if (to <= from) continue;
    if (from > at) pieces.push({ text: snippet.slice(at, from), marked: false });
    pieces.push({ text: snippet.slice(from, to), marked: true });
    at = to;
  }
  if (at < snippet.length) pieces.push({ text: snippet.slice(at), marked: false });
  return pieces;
}

/** `path:line` citations in an answer's text: `src/x.ts:3`, `web/App.tsx:12`. */
const CITATION = /(?<![\w/.-])((?:[\w.-]+\/)*[\w.-]+\.[A-Za-z0-9]+):(\d+)\b/g;

export type AnswerPiece = { text: string } | { path: string; line: number; text: string };

export function citationPieces(text: string): AnswerPiece[] {
  const pieces: AnswerPiece[] = [];
  let at = 0;
  for (const match of text.matchAll(CITATION)) {
    const start = match.index ?? 0;
    if (start > at) pieces.push({ text: text.slice(at, start) });
    pieces.push({ path: match[1], line: Number(match[2]), text: match[0] });
    at = start + match[0].length;
  }
  if (at < text.length) pieces.push({ text: text.slice(at) });
  return pieces;
}
