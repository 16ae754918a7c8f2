// Go: functions, types (structs with their fields, interfaces with their methods), constants and
// variables, each with the `//` comments right above it. Methods are listed under their receiver's
// type when the type is declared in the same file. Exported means a capital first letter.
import type { Node } from 'web-tree-sitter';
import type { CodeSymbol } from '../model.ts';
import { commentText, summaryOf } from './comments.ts';
import { MAX_MEMBERS } from './limits.ts';
import { commentsAbove, headingOf, leadingGroups, symbolOf, valueHeading, type WalkResult } from './nodes.ts';

const isExported = (name: string) => /^\p{Lu}/u.test(name);
const isComment = (n: Node) => n.type === 'comment';
/** `//go:build`, `// +build`, `//nolint`: directives for tools, not documentation. */
const isDirective = (n: Node) => /^\/\/(go:|\s*\+build|nolint|lint:)/.test(n.text);
const docAbove = (n: Node) => commentsAbove(n, (c) => isComment(c) && !isDirective(c));

export function walkGo(root: Node): WalkResult {
  const symbols: CodeSymbol[] = [];
  const methods: { receiver: string; symbol: CodeSymbol }[] = [];
  for (const node of root.namedChildren) {
    if (node.type === 'function_declaration') {
      const name = node.childForFieldName('name')?.text ?? '';
      symbols.push(symbolOf(node, 'function', name, headingOf(node, node.childForFieldName('body')), docAbove(node), isExported(name)));
    } else if (node.type === 'method_declaration') {
      const name = node.childForFieldName('name')?.text ?? '';
      const receiver = receiverType(node.childForFieldName('receiver'));
      methods.push({ receiver, symbol: symbolOf(node, 'method', name, headingOf(node, node.childForFieldName('body')), docAbove(node), isExported(name)) });
    } else if (node.type === 'type_declaration') {
      const specs = node.namedChildren.filter((n) => n.type === 'type_spec' || n.type === 'type_alias');
      for (const spec of specs) symbols.push(typeSymbol(spec, specs.length === 1 ? docAbove(node) : docAbove(spec)));
    } else if (node.type === 'const_declaration' || node.type === 'var_declaration') {
      symbols.push(...valueSymbols(node));
    }
  }
  for (const { receiver, symbol } of methods) {
    const owner = symbols.find((s) => s.name === receiver && s.kind !== 'function');
    if (owner && owner.members.length < MAX_MEMBERS) owner.members.push(symbol);
    else if (!owner) symbols.push({ ...symbol, name: `${receiver}.${symbol.name}` });
  }
  return { summary: packageDoc(root), symbols, imports: [] };
}

/** The package's doc: the comments before the `package` clause that are neither a license nor a directive. */
function packageDoc(root: Node): string | null {
  const groups = leadingGroups(root, isComment).map((g) => {
    const lines = g.nodes.filter((n) => !isDirective(n)).map((n) => n.text);
    return { text: lines.length ? commentText(lines.join('\n')) : null, ofDeclaration: false };
  });
  return summaryOf(groups);
}

/** `(s *Server)` → `Server`; `(l List[T])` → `List`. */
function receiverType(params: Node | null): string {
  const type = params?.namedChildren.find((n) => n.type === 'parameter_declaration')?.childForFieldName('type');
  return (type?.text ?? '').replace(/^\*/, '').replace(/\[.*$/, '');
}

function typeSymbol(spec: Node, doc: string | null): CodeSymbol {
  const name = spec.childForFieldName('name')?.text ?? '';
  const type = spec.childForFieldName('type');
  const kind = type?.type === 'struct_type' ? 'struct' : type?.type === 'interface_type' ? 'interface' : 'type';
  const body = kind === 'struct' ? type!.namedChildren.find((n) => n.type === 'field_declaration_list') : kind === 'interface' ? type : null;
  // A grouped `type ( … )` spec has no `type` keyword of its own: it is added back.
  const single = spec.parent?.type === 'type_declaration' && spec.parent.namedChildren.length === 1;
  const from = single ? spec.parent! : spec;
  const head = kind === 'struct' ? headingOf(from, body) : kind === 'interface' ? `${headingOf(from, type)} interface` : headingOf(from, null);
  const s = symbolOf(spec, kind, name, single ? head : `type ${head}`, doc, isExported(name));
  if (kind === 'struct') s.members = fields(body!);
  if (kind === 'interface') s.members = interfaceMethods(type!);
  return s;
}

function fields(list: Node): CodeSymbol[] {
  const out: CodeSymbol[] = [];
  for (const f of list.namedChildren) {
    if (f.type !== 'field_declaration' || out.length >= MAX_MEMBERS) continue;
    const names = f.childrenForFieldName('name').map((n) => n.text);
    // An embedded field (`io.Reader`, `*Base`) is named after its type.
    const embedded = names.length ? names : [(f.childForFieldName('type')?.text ?? f.text).replace(/^\*/, '').split('.').pop()!];
    for (const name of embedded) out.push(symbolOf(f, 'field', name, headingOf(f, null), docAbove(f), isExported(name)));
  }
  return out;
}

function interfaceMethods(iface: Node): CodeSymbol[] {
  return iface.namedChildren
    .filter((n) => n.type === 'method_elem' || n.type === 'type_elem')
    .slice(0, MAX_MEMBERS)
    .map((m) => {
      const name = m.childForFieldName('name')?.text ?? m.text;
      return symbolOf(m, m.type === 'method_elem' ? 'method' : 'type', name, headingOf(m, null), docAbove(m), isExported(name));
    });
}

/** `const X = 1`, `var ( A, B = 1, 2 )`: one symbol per name. */
function valueSymbols(decl: Node): CodeSymbol[] {
  const kind = decl.type === 'const_declaration' ? 'const' : 'variable';
  const keyword = kind === 'const' ? 'const' : 'var';
  const specs = decl.descendantsOfType(decl.type === 'const_declaration' ? 'const_spec' : 'var_spec');
  return specs.flatMap((spec) => {
    const doc = specs.length === 1 ? docAbove(decl) : docAbove(spec);
    const signature = `${keyword} ${valueHeading(spec, spec.childForFieldName('value'))}`;
    return spec.childrenForFieldName('name').map((n) => symbolOf(spec, kind, n.text, signature, doc, isExported(n.text)));
  });
}
