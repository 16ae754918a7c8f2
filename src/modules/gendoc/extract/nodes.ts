// What the tree-sitter walkers (python.ts, go.ts, java.ts, rust.ts) share: a declaration's text
// without its body, the comments right above a node, and the symbol shape.
import type { Node } from 'web-tree-sitter';
import type { CodeSymbol } from '../model.ts';
import { capSignature, commentText } from './comments.ts';

/** An initializer this short stays in a constant's signature (`const MAX: u32 = 5`). */
const SHORT_VALUE = 80;

/** What a walker returns for one file. */
export interface WalkResult {
  summary: string | null;
  symbols: CodeSymbol[];
  /** Relative imports as paths from the file's folder (`./sub`, `../pkg/mod`), for assembly to resolve. */
  imports: string[];
}

export type Walker = (root: Node) => WalkResult;

/** A node's declaration text up to its body (or whole), trimmed of the `{`, `;` or `:` that opens or ends it. */
export function headingOf(node: Node, body: Node | null | undefined, from: Node = node): string {
  const source = node.tree.rootNode.text;
  const end = body ? body.startIndex : node.endIndex;
  return capSignature(source.slice(from.startIndex, end).trim().replace(/\s*[{;:]$/, ''));
}

/** A constant's or field's text with its value when the value is short, without it otherwise. */
export function valueHeading(node: Node, value: Node | null | undefined): string {
  if (!value || (value.text.length <= SHORT_VALUE && !value.text.includes('\n'))) return headingOf(node, null);
  return headingOf(node, value).replace(/\s*=$/, '');
}

export function symbolOf(node: Node, kind: string, name: string, signature: string, doc: string | null, exported: boolean): CodeSymbol {
  return { kind, name, signature, doc, line: node.startPosition.row + 1, exported, members: [] };
}

/**
 * The comments right above `node`, nearest last: siblings accepted by `isDoc`, each on the line
 * just above the next (a blank line ends the run), passing over siblings `skip` accepts
 * (attributes, annotations). Joined and stripped of markers, or null.
 */
export function commentsAbove(node: Node, isDoc: (comment: Node) => boolean, skip: (sibling: Node) => boolean = () => false): string | null {
  const found: string[] = [];
  let next = node;
  let sibling = node.previousSibling;
  while (sibling) {
    if (next.startPosition.row - endRow(sibling) > 1) break;
    if (isDoc(sibling)) found.unshift(sibling.text);
    else if (!skip(sibling)) break;
    next = sibling;
    sibling = sibling.previousSibling;
  }
  return found.length ? commentText(found.join('\n')) : null;
}

/** The leading comment groups of a file (before `stop`, or all top-level comments up to the first other node). */
export function leadingGroups(root: Node, isComment: (n: Node) => boolean): { nodes: Node[]; next: Node | null }[] {
  const groups: { nodes: Node[]; next: Node | null }[] = [];
  let run: Node[] = [];
  for (const child of root.children) {
    if (!isComment(child)) {
      if (run.length) groups.push({ nodes: run, next: child });
      return groups;
    }
    const prev = run.at(-1);
    if (prev && child.startPosition.row - endRow(prev) > 1) {
      groups.push({ nodes: run, next: child });
      run = [];
    }
    run.push(child);
  }
  if (run.length) groups.push({ nodes: run, next: null });
  return groups;
}

/** The last line a node covers: a line comment's node may end at column 0 of the next line. */
export function endRow(node: Node): number {
  return node.endPosition.column === 0 && node.endPosition.row > node.startPosition.row ? node.endPosition.row - 1 : node.endPosition.row;
}

/** Whether `group` ends on the line right above `next` (it then documents `next`). */
export function touches(group: Node[], next: Node | null): boolean {
  return next !== null && next.startPosition.row - endRow(group.at(-1)!) <= 1;
}
