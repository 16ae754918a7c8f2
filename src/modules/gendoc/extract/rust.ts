// Rust: functions, structs with their fields, enums with their variants, traits, impl blocks with
// their methods, modules, constants, statics, type aliases and macros, each with its `///` or
// `/** … *\/` doc. Exported means `pub` (not `pub(crate)`); a trait impl's methods are as public
// as the trait. The crate's or module's `//!` comments are the file's summary.
import type { Node } from 'web-tree-sitter';
import type { CodeSymbol } from '../model.ts';
import { commentText, summaryOf } from './comments.ts';
import { MAX_MEMBERS } from './limits.ts';
import { commentsAbove, headingOf, leadingGroups, symbolOf, valueHeading, type WalkResult } from './nodes.ts';

const KINDS: Record<string, string> = {
  function_item: 'function',
  function_signature_item: 'function',
  struct_item: 'struct',
  union_item: 'union',
  enum_item: 'enum',
  trait_item: 'trait',
  impl_item: 'impl',
  mod_item: 'module',
  const_item: 'const',
  static_item: 'static',
  type_item: 'type',
  macro_definition: 'macro',
  associated_type: 'type',
};

const isComment = (n: Node) => n.type === 'line_comment' || n.type === 'block_comment';
const isOuterDoc = (n: Node) => (n.type === 'line_comment' && /^\/\/\/(?!\/)/.test(n.text)) || (n.type === 'block_comment' && /^\/\*\*(?![*/])/.test(n.text));
const isInnerDoc = (n: Node) => /^(\/\/!|\/\*!)/.test(n.text);
const docOf = (n: Node) => commentsAbove(n, isOuterDoc, (s) => s.type === 'attribute_item');
const isPub = (n: Node) => n.namedChildren.some((c) => c.type === 'visibility_modifier' && c.text === 'pub');

export function walkRust(root: Node): WalkResult {
  return { summary: fileSummary(root), symbols: items(root, false), imports: [] };
}

/** `//!` / `/*! *\/` comments anywhere at the top level come first; else a plain leading comment. */
function fileSummary(root: Node): string | null {
  const inner = root.namedChildren.filter((n) => isComment(n) && isInnerDoc(n));
  if (inner.length) return commentText(inner.map((n) => n.text).join('\n'));
  const groups = leadingGroups(root, isComment).map((g) => ({ text: commentText(g.nodes.map((n) => n.text).join('\n')), ofDeclaration: g.nodes.some(isOuterDoc) }));
  return summaryOf(groups);
}

/** The items of a file, a `mod { … }` or a trait/impl body; in a trait impl everything is public. */
function items(container: Node, allPublic: boolean): CodeSymbol[] {
  const out: CodeSymbol[] = [];
  for (const node of container.namedChildren) {
    if (out.length >= MAX_MEMBERS * 2) break;
    const kind = KINDS[node.type];
    if (kind) out.push(item(node, kind, allPublic));
  }
  return out;
}

function item(node: Node, kind: string, allPublic: boolean): CodeSymbol {
  const body = node.childForFieldName('body');
  const name = kind === 'impl' ? implName(node) : (node.childForFieldName('name')?.text ?? '');
  const signature = kind === 'const' || kind === 'static' ? valueHeading(node, node.childForFieldName('value')) : headingOf(node, body);
  const s = symbolOf(node, kind, name, signature, docOf(node), allPublic || isPub(node));
  if (!body) return s;
  if (kind === 'struct' || kind === 'union') s.members = fields(body);
  else if (kind === 'enum') s.members = body.namedChildren.filter((v) => v.type === 'enum_variant').slice(0, MAX_MEMBERS).map((v) => symbolOf(v, 'variant', v.childForFieldName('name')?.text ?? '', headingOf(v, null), docOf(v), s.exported));
  else if (kind === 'trait') s.members = items(body, s.exported).slice(0, MAX_MEMBERS);
  else if (kind === 'impl') {
    s.members = items(body, node.childForFieldName('trait') !== null).slice(0, MAX_MEMBERS);
    s.exported = s.members.some((m) => m.exported);
  } else if (kind === 'module') s.members = items(body, false).slice(0, MAX_MEMBERS);
  return s;
}

/** `impl Point` → `Point`; `impl fmt::Display for Point` → `fmt::Display for Point`. */
function implName(node: Node): string {
  const type = node.childForFieldName('type')?.text ?? '';
  const trait = node.childForFieldName('trait')?.text;
  return trait ? `${trait} for ${type}` : type;
}

function fields(list: Node): CodeSymbol[] {
  return list.namedChildren
    .filter((f) => f.type === 'field_declaration')
    .slice(0, MAX_MEMBERS)
    .map((f) => symbolOf(f, 'field', f.childForFieldName('name')?.text ?? '', headingOf(f, null), docOf(f), isPub(f)));
}
