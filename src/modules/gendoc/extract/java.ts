// Java: classes, interfaces, enums, records and annotation types with their constructors,
// methods, fields and nested types, each with the Javadoc (`/** … *\/`) right above it.
// Exported means `public`; an interface's members are public unless marked otherwise.
import type { Node } from 'web-tree-sitter';
import type { CodeSymbol } from '../model.ts';
import { commentText, summaryOf } from './comments.ts';
import { MAX_MEMBERS } from './limits.ts';
import { headingOf, leadingGroups, symbolOf, touches, valueHeading, type WalkResult } from './nodes.ts';

const TYPES: Record<string, string> = {
  class_declaration: 'class',
  interface_declaration: 'interface',
  enum_declaration: 'enum',
  record_declaration: 'record',
  annotation_type_declaration: 'annotation',
};
const isComment = (n: Node) => n.type === 'block_comment' || n.type === 'line_comment';

export function walkJava(root: Node): WalkResult {
  const symbols = root.namedChildren.filter((n) => TYPES[n.type]).map((n) => typeSymbol(n, false));
  const groups = leadingGroups(root, isComment).map((g) => ({
    text: commentText(g.nodes.map((n) => n.text).join('\n')),
    // A Javadoc right above the first type is that type's doc; above `package` it is the file's.
    ofDeclaration: g.nodes[0].text.startsWith('/**') && touches(g.nodes, g.next) && g.next !== null && TYPES[g.next.type] !== undefined,
  }));
  return { summary: summaryOf(groups), symbols, imports: [] };
}

/** The Javadoc right above a declaration (annotations are inside the declaration, so nothing sits between). */
function javadoc(node: Node): string | null {
  const prev = node.previousNamedSibling;
  return prev?.type === 'block_comment' && prev.text.startsWith('/**') && !prev.text.startsWith('/**/') ? commentText(prev.text) : null;
}

function modifiersOf(node: Node): string[] {
  const modifiers = node.namedChildren.find((n) => n.type === 'modifiers');
  return modifiers ? modifiers.children.map((n) => n.text) : [];
}

/** `public`, or no `private`/`protected` inside an interface or annotation type. */
function isPublic(node: Node, inInterface: boolean): boolean {
  const m = modifiersOf(node);
  return m.includes('public') || (inInterface && !m.includes('private') && !m.includes('protected'));
}

function typeSymbol(node: Node, inInterface: boolean): CodeSymbol {
  const kind = TYPES[node.type];
  const body = node.childForFieldName('body');
  const s = symbolOf(node, kind, node.childForFieldName('name')?.text ?? '', headingOf(node, body), javadoc(node), isPublic(node, inInterface));
  const interfaceLike = kind === 'interface' || kind === 'annotation';
  const members: CodeSymbol[] = [];
  const visit = (container: Node | null) => {
    for (const m of container?.namedChildren ?? []) {
      if (members.length >= MAX_MEMBERS) return;
      if (m.type === 'enum_body_declarations') visit(m);
      else members.push(...memberSymbols(m, interfaceLike));
    }
  };
  visit(body);
  s.members = members;
  return s;
}

function memberSymbols(m: Node, inInterface: boolean): CodeSymbol[] {
  if (TYPES[m.type]) return [typeSymbol(m, inInterface)];
  const name = m.childForFieldName('name')?.text ?? '';
  switch (m.type) {
    case 'method_declaration':
    case 'constructor_declaration':
    case 'compact_constructor_declaration':
      return [symbolOf(m, m.type === 'method_declaration' ? 'method' : 'constructor', name, headingOf(m, m.childForFieldName('body')), javadoc(m), isPublic(m, inInterface))];
    case 'annotation_type_element_declaration':
      return [symbolOf(m, 'method', name, headingOf(m, null), javadoc(m), true)];
    case 'enum_constant':
      return [symbolOf(m, 'constant', name, headingOf(m, m.childForFieldName('body')), javadoc(m), true)];
    case 'field_declaration':
    case 'constant_declaration': {
      // `private int a, b = 2;`: each name with the modifiers and type written before the first.
      const declarators = m.childrenForFieldName('declarator');
      const prefix = declarators.length ? headingOf(m, declarators[0]) : '';
      return declarators.map((d) => {
        const signature = `${prefix} ${valueHeading(d, d.childForFieldName('value'))}`;
        return symbolOf(m, 'field', d.childForFieldName('name')?.text ?? '', signature, javadoc(m), isPublic(m, inInterface));
      });
    }
    default:
      return [];
  }
}
