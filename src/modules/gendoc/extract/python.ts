// Python: functions, classes and their methods with their docstrings; module constants (names in
// capitals or annotated). Public means no leading `_` (dunders like `__init__` are public), or,
// when the module declares `__all__`, being listed in it.
import type { Node } from 'web-tree-sitter';
import type { CodeSymbol } from '../model.ts';
import { commentText, docstringText, summaryOf } from './comments.ts';
import { MAX_MEMBERS } from './limits.ts';
import { headingOf, leadingGroups, symbolOf, valueHeading, type WalkResult } from './nodes.ts';

const isPublicName = (name: string) => !name.startsWith('_') || /^__\w+__$/.test(name);

export function walkPython(root: Node): WalkResult {
  const all = dunderAll(root);
  const exported = (name: string) => (all ? all.has(name) : isPublicName(name));
  const symbols: CodeSymbol[] = [];
  const seen = new Set<string>();
  for (const child of moduleStatements(root)) {
    const s = definition(child, exported, false);
    // `if`/`else` and `try`/`except` may define a name twice: the first one stands for both.
    if (s && !seen.has(s.name)) symbols.push(s);
    if (s) seen.add(s.name);
  }
  return { summary: moduleSummary(root), symbols, imports: relativeImports(root) };
}

/** The module's statements, those inside top-level `if`/`try` blocks included (`if sys.platform …: def f()`). */
function moduleStatements(container: Node, depth = 0): Node[] {
  const out: Node[] = [];
  for (const st of container.namedChildren) {
    if ((st.type === 'if_statement' || st.type === 'try_statement') && depth < 3) {
      for (const part of [st, ...st.namedChildren]) for (const b of part.namedChildren) if (b.type === 'block') out.push(...moduleStatements(b, depth + 1));
    } else out.push(st);
  }
  return out;
}

/** A docstring: the first statement of a body when it is a lone string. */
function docstringOf(block: Node | null): string | null {
  const first = block?.namedChildren[0];
  if (first?.type !== 'expression_statement' || first.namedChildCount !== 1 || first.namedChildren[0]!.type !== 'string') return null;
  return docstringText(first.namedChildren[0]!.text);
}

function moduleSummary(root: Node): string | null {
  const first = root.namedChildren.find((n) => n.type !== 'comment');
  const docstring = first?.type === 'expression_statement' && first.namedChildCount === 1 && first.namedChildren[0]!.type === 'string' ? docstringText(first.namedChildren[0]!.text) : null;
  if (docstring) return docstring;
  // Without a docstring, the leading `#` comments (not a shebang or an encoding line).
  const groups = leadingGroups(root, (n) => n.type === 'comment').map((g) => {
    const lines = g.nodes.map((n) => n.text).filter((t) => !t.startsWith('#!') && !/^#.*coding[:=]/.test(t));
    return { text: lines.length ? commentText(lines.join('\n')) : null, ofDeclaration: false };
  });
  return summaryOf(groups);
}

/** `__all__ = ['a', 'b']` (a list or tuple of plain strings), or null when the module has none. */
function dunderAll(root: Node): Set<string> | null {
  for (const st of root.namedChildren) {
    const a = st.type === 'expression_statement' ? st.namedChildren[0] : null;
    if (a?.type !== 'assignment' || a.childForFieldName('left')?.text !== '__all__') continue;
    const right = a.childForFieldName('right');
    if (right?.type !== 'list' && right?.type !== 'tuple') return null;
    return new Set(right.namedChildren.filter((n) => n.type === 'string').map((n) => n.text.slice(1, -1)));
  }
  return null;
}

/** A function, class or (at module and class level) an assignment, as a symbol; null for other statements. */
function definition(node: Node, exported: (name: string) => boolean, inClass: boolean): CodeSymbol | null {
  let decorators: Node[] = [];
  let def = node;
  if (node.type === 'decorated_definition') {
    decorators = node.namedChildren.filter((n) => n.type === 'decorator');
    def = node.childForFieldName('definition') ?? node;
  }
  const name = def.childForFieldName('name')?.text ?? '';
  const prefix = decorators.map((d) => `${d.text}\n`).join('');
  if (def.type === 'function_definition') {
    const body = def.childForFieldName('body');
    return symbolOf(node, inClass ? 'method' : 'function', name, prefix + headingOf(def, body), docstringOf(body), exported(name));
  }
  if (def.type === 'class_definition') {
    const body = def.childForFieldName('body');
    const s = symbolOf(node, 'class', name, prefix + headingOf(def, body), docstringOf(body), exported(name));
    const members: CodeSymbol[] = [];
    for (const st of body?.namedChildren ?? []) {
      const m = definition(st, isPublicName, true);
      if (m && members.length < MAX_MEMBERS) members.push(m);
    }
    s.members = members;
    return s;
  }
  const assignment = def.type === 'expression_statement' ? def.namedChildren[0] : null;
  if (assignment?.type === 'assignment') {
    const left = assignment.childForFieldName('left');
    if (left?.type !== 'identifier' || left.text === '__all__') return null;
    const typed = assignment.childForFieldName('type') !== null;
    // Module-level: constants (capitals) and annotated names; a class keeps all its attributes.
    if (!inClass && !typed && !/^[A-Z][A-Z0-9_]*$/.test(left.text)) return null;
    return symbolOf(def, inClass ? 'attribute' : 'variable', left.text, valueHeading(assignment, assignment.childForFieldName('right')), null, exported(left.text));
  }
  return null;
}

/** `from .sub import x` as `./sub`, `from ..pkg.mod import y` as `../pkg/mod`, `from . import a` as `./a`. */
function relativeImports(root: Node): string[] {
  const out: string[] = [];
  for (const st of root.namedChildren) {
    if (st.type !== 'import_from_statement') continue;
    const from = st.childForFieldName('module_name');
    if (from?.type !== 'relative_import') continue;
    const dots = from.namedChildren.find((n) => n.type === 'import_prefix')?.text.length ?? 1;
    const base = dots === 1 ? '.' : Array.from({ length: dots - 1 }, () => '..').join('/');
    const module = from.namedChildren.find((n) => n.type === 'dotted_name')?.text;
    if (module) out.push(`${base}/${module.replaceAll('.', '/')}`);
    else for (const n of st.childrenForFieldName('name')) out.push(`${base}/${(n.type === 'aliased_import' ? n.childForFieldName('name')! : n).text.replaceAll('.', '/')}`);
  }
  return out;
}
