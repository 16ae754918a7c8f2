// TypeScript and JavaScript files read with the compiler's parser, one file at a time: no
// Program, no type checker, so a file costs one parse (a few milliseconds) and nothing outside
// it is resolved. Types are therefore as written, never inferred (decision 0046).
import ts from 'typescript';
import type { CodeSymbol, FileDoc } from '../model.ts';
import { capSignature, commentText, type LeadingComment, summaryOf } from './comments.ts';
import { MAX_MEMBERS, MAX_SYMBOLS } from './limits.ts';

/** An initializer this short is shown in the signature (`const MAX = 64`); a longer one is not. */
const SHORT_INITIALIZER = 80;

const SCRIPT_KINDS: Record<string, ts.ScriptKind> = {
  ts: ts.ScriptKind.TS, mts: ts.ScriptKind.TS, cts: ts.ScriptKind.TS, tsx: ts.ScriptKind.TSX,
  js: ts.ScriptKind.JS, mjs: ts.ScriptKind.JS, cjs: ts.ScriptKind.JS, jsx: ts.ScriptKind.JSX,
};

/** The extensions this extractor reads. */
export const TYPESCRIPT_EXTENSIONS = Object.keys(SCRIPT_KINDS);

interface Context {
  sf: ts.SourceFile;
  text: string;
  /** Comments before this offset belong to the file's summary, not to the first declaration. */
  summaryEnd: number;
}

/**
 * The structure of one TS/JS file. `imports` holds the relative specifiers as written
 * (`./x.ts`, `../y`); assembly resolves them against the codebase's paths.
 */
export function extractTypeScript(path: string, text: string, language: string): FileDoc {
  const ext = path.slice(path.lastIndexOf('.') + 1).toLowerCase();
  const sf = ts.createSourceFile(path, text, ts.ScriptTarget.Latest, false, SCRIPT_KINDS[ext] ?? ts.ScriptKind.TS);
  const { summary, summaryEnd } = leadingSummary(sf);
  const cx: Context = { sf, text, summaryEnd };
  const file: FileDoc = { path, language, lines: 0, summary, symbols: [], reExports: [], imports: [] };
  const imports = new Set<string>();
  const localExports = new Map<string, string[]>();
  // A declaration file without imports or exports declares globals: everything in it is public.
  const ambientScript = sf.isDeclarationFile && !sf.statements.some((s) => ts.isImportDeclaration(s) || ts.isExportDeclaration(s) || ts.isExportAssignment(s));

  for (const st of sf.statements) {
    if (ts.isImportDeclaration(st) || ts.isImportEqualsDeclaration(st)) {
      const spec = moduleSpecifierOf(st);
      if (spec) imports.add(spec);
    } else if (ts.isExportDeclaration(st)) {
      exportDeclaration(st, file, imports, localExports);
    } else if (ts.isExportAssignment(st)) {
      const as = st.isExportEquals ? 'export =' : 'default';
      if (ts.isIdentifier(st.expression)) addExport(localExports, st.expression.text, as);
      else file.symbols.push(symbol(cx, st, 'variable', as, `${st.isExportEquals ? 'export =' : 'export default'} ${shortText(cx, st.expression)}`, true));
    } else if (ts.isExpressionStatement(st)) {
      commonJsExports(cx, st, file, localExports);
    } else {
      for (const s of declarationSymbols(cx, st)) {
        if (ambientScript) s.exported = true;
        pushOverload(file.symbols, s);
      }
    }
  }
  if (/\brequire\s*\(|\bimport\s*\(/.test(text)) collectCalls(sf, imports);

  for (const s of file.symbols) {
    const as = localExports.get(s.name);
    if (!as) continue;
    s.exported = true;
    const renamed = as.filter((a) => a !== s.name);
    if (renamed.length) s.exportedAs = renamed;
  }
  file.symbols = file.symbols.slice(0, MAX_SYMBOLS);
  file.imports = [...imports].filter((s) => s.startsWith('.'));
  // The parser recovers from errors; what it could not read is simply missing from the symbols.
  if ((sf as unknown as { parseDiagnostics?: unknown[] }).parseDiagnostics?.length) file.syntaxErrors = true;
  return file;
}

function addExport(map: Map<string, string[]>, local: string, as: string) {
  map.set(local, [...(map.get(local) ?? []), as]);
}

function moduleSpecifierOf(st: ts.ImportDeclaration | ts.ImportEqualsDeclaration): string | null {
  if (ts.isImportDeclaration(st)) return ts.isStringLiteral(st.moduleSpecifier) ? st.moduleSpecifier.text : null;
  const ref = st.moduleReference;
  return ts.isExternalModuleReference(ref) && ts.isStringLiteral(ref.expression) ? ref.expression.text : null;
}

/** `export { a, b as c }`, `export { a } from './x'`, `export * from './y'`, `export * as ns from './z'`. */
function exportDeclaration(st: ts.ExportDeclaration, file: FileDoc, imports: Set<string>, localExports: Map<string, string[]>) {
  const from = st.moduleSpecifier && ts.isStringLiteral(st.moduleSpecifier) ? st.moduleSpecifier.text : null;
  const clause = st.exportClause;
  if (from === null) {
    if (clause && ts.isNamedExports(clause)) for (const e of clause.elements) addExport(localExports, (e.propertyName ?? e.name).text, e.name.text);
    return;
  }
  imports.add(from);
  if (!clause) file.reExports.push({ from, names: '*' });
  else if (ts.isNamespaceExport(clause)) file.reExports.push({ from, names: [`* as ${clause.name.text}`] });
  else file.reExports.push({ from, names: clause.elements.map((e) => (e.propertyName ? `${e.propertyName.text} as ${e.name.text}` : e.name.text)) });
}

/** CommonJS: `module.exports = x`, `module.exports = { a, b }`, `exports.a = …`, `module.exports.a = …`. */
function commonJsExports(cx: Context, st: ts.ExpressionStatement, file: FileDoc, localExports: Map<string, string[]>) {
  const e = st.expression;
  if (!ts.isBinaryExpression(e) || e.operatorToken.kind !== ts.SyntaxKind.EqualsToken || !ts.isPropertyAccessExpression(e.left)) return;
  const target = e.left.getText(cx.sf);
  if (target === 'module.exports') {
    if (ts.isIdentifier(e.right)) addExport(localExports, e.right.text, 'module.exports');
    else if (ts.isFunctionExpression(e.right) || ts.isClassExpression(e.right)) {
      // `module.exports = function name() {…}` / `= class Name {…}`: the file's one export.
      const isClass = ts.isClassExpression(e.right);
      const s = symbol(cx, st, isClass ? 'class' : 'function', e.right.name?.text ?? 'module.exports', heading(cx, e.right, isClass ? e.right.members : e.right.body), true);
      if (ts.isClassExpression(e.right)) s.members = classMembers(cx, e.right.members);
      if (s.name !== 'module.exports') s.exportedAs = ['module.exports'];
      file.symbols.push(s);
    } else if (ts.isObjectLiteralExpression(e.right)) {
      for (const p of e.right.properties) {
        if (ts.isShorthandPropertyAssignment(p)) addExport(localExports, p.name.text, p.name.text);
        else if (ts.isPropertyAssignment(p) && ts.isIdentifier(p.initializer) && !ts.isComputedPropertyName(p.name)) addExport(localExports, p.initializer.text, p.name.getText(cx.sf));
      }
    }
  } else if (/^(module\.)?exports\.[\w$]+$/.test(target)) {
    const name = e.left.name.text;
    if (ts.isIdentifier(e.right)) addExport(localExports, e.right.text, name);
    else {
      const fn = ts.isFunctionExpression(e.right) || ts.isArrowFunction(e.right) ? e.right : null;
      const signature = fn ? heading(cx, st, fn.body) : `${target} = ${shortText(cx, e.right)}`;
      file.symbols.push(symbol(cx, st, fn ? 'function' : 'variable', name, signature, true));
    }
  }
}

/** `require('./x')` and `import('./y')` with a literal specifier, anywhere in the file. */
function collectCalls(sf: ts.SourceFile, imports: Set<string>) {
  const visit = (node: ts.Node) => {
    if (ts.isCallExpression(node) && node.arguments.length === 1 && ts.isStringLiteralLike(node.arguments[0])) {
      const callee = node.expression;
      if (callee.kind === ts.SyntaxKind.ImportKeyword || (ts.isIdentifier(callee) && callee.text === 'require')) imports.add(node.arguments[0].text);
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
}

/** Symbols declared without a body: overload signatures (or ambient declarations). */
const bodiless = new WeakSet<CodeSymbol>();

/**
 * Overloads (bodiless signatures before the implementation) become one symbol with one signature
 * per line; the implementation's is left out, as TypeScript hides it from callers.
 */
function pushOverload(symbols: CodeSymbol[], s: CodeSymbol) {
  const last = symbols.at(-1);
  if (last && last.kind === s.kind && last.name === s.name && bodiless.has(last)) {
    if (bodiless.has(s)) last.signature = capSignature(`${last.signature}\n${s.signature}`);
    else bodiless.delete(last);
    last.doc ??= s.doc;
    last.exported ||= s.exported;
    return;
  }
  symbols.push(s);
}

function hasModifier(node: ts.Node, kind: ts.SyntaxKind): boolean {
  return ts.canHaveModifiers(node) && (ts.getModifiers(node)?.some((m) => m.kind === kind) ?? false);
}

/** The symbols one statement declares (a variable statement may declare several). */
function declarationSymbols(cx: Context, st: ts.Statement): CodeSymbol[] {
  const exported = hasModifier(st, ts.SyntaxKind.ExportKeyword);
  const isDefault = hasModifier(st, ts.SyntaxKind.DefaultKeyword);
  const named = (s: CodeSymbol) => {
    if (isDefault && s.name !== 'default') s.exportedAs = ['default'];
    return [s];
  };
  if (ts.isFunctionDeclaration(st)) {
    const s = symbol(cx, st, 'function', st.name?.text ?? 'default', heading(cx, st, st.body), exported);
    if (!st.body) bodiless.add(s);
    return named(s);
  }
  if (ts.isClassDeclaration(st)) {
    const s = symbol(cx, st, 'class', st.name?.text ?? 'default', heading(cx, st, st.members), exported);
    s.members = classMembers(cx, st.members);
    return named(s);
  }
  if (ts.isInterfaceDeclaration(st)) {
    const s = symbol(cx, st, 'interface', st.name.text, heading(cx, st, st.members), exported);
    s.members = typeMembers(cx, st.members);
    return [s];
  }
  if (ts.isTypeAliasDeclaration(st)) {
    const s = symbol(cx, st, 'type', st.name.text, heading(cx, st), exported);
    if (ts.isTypeLiteralNode(st.type)) s.members = typeMembers(cx, st.type.members);
    return [s];
  }
  if (ts.isEnumDeclaration(st)) {
    const s = symbol(cx, st, 'enum', st.name.text, heading(cx, st, st.members), exported);
    s.members = st.members.slice(0, MAX_MEMBERS).map((m) => symbol(cx, m, 'member', m.name.getText(cx.sf), shortText(cx, m), true));
    return [s];
  }
  if (ts.isModuleDeclaration(st)) {
    const body = st.body && ts.isModuleBlock(st.body) ? st.body : null;
    const s = symbol(cx, st, ts.isStringLiteral(st.name) ? 'module' : 'namespace', st.name.text, heading(cx, st, body?.statements), exported || hasModifier(st, ts.SyntaxKind.DeclareKeyword));
    if (body) s.members = body.statements.flatMap((inner) => declarationSymbols(cx, inner)).slice(0, MAX_MEMBERS);
    return [s];
  }
  if (ts.isVariableStatement(st)) {
    const keyword = st.declarationList.flags & ts.NodeFlags.Const ? 'const' : st.declarationList.flags & ts.NodeFlags.Let ? 'let' : 'var';
    const declare = hasModifier(st, ts.SyntaxKind.DeclareKeyword) ? 'declare ' : '';
    // `const x = require('…')` is an import, not something the file declares.
    const declarations = st.declarationList.declarations.filter((d) => !(d.initializer && ts.isCallExpression(d.initializer) && d.initializer.expression.getText(cx.sf) === 'require'));
    return declarations.map((d) => {
      const init = d.initializer;
      const fn = init && (ts.isArrowFunction(init) || ts.isFunctionExpression(init)) ? init : null;
      const signature = fn ? `${declare}${keyword} ${textBetween(cx, d.getStart(cx.sf), fn.body.getStart(cx.sf))}` : `${declare}${keyword} ${valueText(cx, d, d.initializer)}`;
      const s = symbol(cx, st, fn ? 'function' : 'variable', d.name.getText(cx.sf), signature, exported);
      if (!fn && init && ts.isClassExpression(init)) s.members = classMembers(cx, init.members);
      return s;
    });
  }
  return [];
}

function classMembers(cx: Context, members: ts.NodeArray<ts.ClassElement>): CodeSymbol[] {
  const out: CodeSymbol[] = [];
  for (const m of members) {
    if (out.length >= MAX_MEMBERS) break;
    // Private members are not part of what a reader can use; protected ones are shown, as not public.
    if (hasModifier(m, ts.SyntaxKind.PrivateKeyword) || (m.name && ts.isPrivateIdentifier(m.name))) continue;
    const exported = !hasModifier(m, ts.SyntaxKind.ProtectedKeyword);
    const name = m.name ? m.name.getText(cx.sf) : ts.isConstructorDeclaration(m) ? 'constructor' : '';
    if (ts.isMethodDeclaration(m) || ts.isConstructorDeclaration(m) || ts.isGetAccessorDeclaration(m) || ts.isSetAccessorDeclaration(m)) {
      const kind = ts.isConstructorDeclaration(m) ? 'constructor' : ts.isMethodDeclaration(m) ? 'method' : ts.isGetAccessorDeclaration(m) ? 'getter' : 'setter';
      const s = symbol(cx, m, kind, name, heading(cx, m, m.body), exported);
      if (!m.body) bodiless.add(s);
      pushOverload(out, s);
      // `constructor(public name: string)` declares a property too.
      if (ts.isConstructorDeclaration(m)) {
        for (const p of m.parameters) {
          if (!ts.canHaveModifiers(p) || !ts.getModifiers(p)?.length || hasModifier(p, ts.SyntaxKind.PrivateKeyword)) continue;
          out.push(symbol(cx, p, 'property', p.name.getText(cx.sf), shortText(cx, p), !hasModifier(p, ts.SyntaxKind.ProtectedKeyword)));
        }
      }
    } else if (ts.isPropertyDeclaration(m)) {
      out.push(symbol(cx, m, 'property', name, valueText(cx, m, m.initializer), exported));
    } else if (ts.isIndexSignatureDeclaration(m)) {
      out.push(symbol(cx, m, 'index', textBetween(cx, m.getStart(cx.sf), m.end), shortText(cx, m), exported));
    }
  }
  return out;
}

function typeMembers(cx: Context, members: ts.NodeArray<ts.TypeElement>): CodeSymbol[] {
  return members.slice(0, MAX_MEMBERS).map((m) => {
    const kind = ts.isMethodSignature(m) ? 'method' : ts.isPropertySignature(m) ? 'property' : ts.isCallSignatureDeclaration(m) ? 'call' : ts.isConstructSignatureDeclaration(m) ? 'constructor' : 'index';
    const name = m.name ? m.name.getText(cx.sf) : kind === 'call' ? '()' : kind === 'constructor' ? 'new' : '[]';
    return symbol(cx, m, kind, name, shortText(cx, m), true);
  });
}

function symbol(cx: Context, node: ts.Node, kind: string, name: string, signature: string, exported: boolean): CodeSymbol {
  return { kind, name, signature: capSignature(signature), doc: docOf(cx, node), line: cx.sf.getLineAndCharacterOfPosition(node.getStart(cx.sf)).line + 1, exported, members: [] };
}

/** The `/** … *\/` comment right before a node (the last one when there are several). */
function docOf(cx: Context, node: ts.Node): string | null {
  const ranges = ts.getLeadingCommentRanges(cx.text, node.pos) ?? [];
  for (let i = ranges.length - 1; i >= 0; i--) {
    const r = ranges[i];
    if (r.pos < cx.summaryEnd) break;
    if (r.kind === ts.SyntaxKind.MultiLineCommentTrivia && cx.text.startsWith('/**', r.pos) && !cx.text.startsWith('/**/', r.pos)) return commentText(cx.text.slice(r.pos, r.end));
  }
  return null;
}

function textBetween(cx: Context, start: number, end: number): string {
  return cx.text.slice(start, end).trim();
}

/** A declaration's text up to its body (or whole), without `export`/`default` (the symbol says that) and the `{` or `;` that ends it. */
function heading(cx: Context, node: ts.Node, body?: ts.Node | ts.NodeArray<ts.Node>): string {
  let start = node.getStart(cx.sf);
  for (const m of (ts.canHaveModifiers(node) && ts.getModifiers(node)) || []) {
    if (m.kind === ts.SyntaxKind.ExportKeyword || m.kind === ts.SyntaxKind.DefaultKeyword) start = m.end;
  }
  // Decorators written before `export` (`@Injectable() export class A`) stay, on their own lines.
  const decorators = ((ts.canHaveDecorators(node) && ts.getDecorators(node)) || []).filter((d) => d.end <= start && start !== node.getStart(cx.sf));
  const prefix = decorators.map((d) => `${d.getText(cx.sf)}\n`).join('');
  // A NodeArray's `pos` is just after the `{` that opens it.
  const end = body ? ('kind' in body ? body.getStart(cx.sf) : body.pos) : node.end;
  return prefix + textBetween(cx, start, end).replace(/\s*[{;]$/, '');
}

/** A member or type element as written, without its trailing `;` or `,`. */
function shortText(cx: Context, node: ts.Node): string {
  return textBetween(cx, node.getStart(cx.sf), node.end).replace(/[;,]$/, '');
}

/** `name: Type` with the initializer when it is short (`MAX = 64`), else without it. */
function valueText(cx: Context, decl: ts.Node, init: ts.Expression | undefined): string {
  let from = decl.getStart(cx.sf);
  for (const m of (ts.canHaveModifiers(decl) && ts.getModifiers(decl)) || []) if (m.kind === ts.SyntaxKind.ExportKeyword) from = m.end;
  if (!init) return textBetween(cx, from, decl.end).replace(/;$/, '');
  const initText = init.getText(cx.sf);
  if (initText.length <= SHORT_INITIALIZER && !initText.includes('\n')) return textBetween(cx, from, init.end);
  return textBetween(cx, from, init.getStart(cx.sf)).replace(/\s*=$/, '');
}

/**
 * The file's leading comments: `//` runs joined, blocks alone. A `/** … *\/` right above the first
 * statement (no blank line between) is that statement's doc, not the file's summary.
 */
function leadingSummary(sf: ts.SourceFile): { summary: string | null; summaryEnd: number } {
  const text = sf.text;
  const ranges = ts.getLeadingCommentRanges(text, 0) ?? [];
  const groups: (LeadingComment & { end: number })[] = [];
  let run: ts.CommentRange[] = [];
  const close = (next: number) => {
    if (!run.length) return;
    const first = run[0];
    const end = run.at(-1)!.end;
    const attached = !/\n[ \t]*\r?\n/.test(text.slice(end, next)) && next === sf.statements[0]?.getStart(sf);
    const jsDoc = first.kind === ts.SyntaxKind.MultiLineCommentTrivia && text.startsWith('/**', first.pos);
    groups.push({ text: commentText(run.map((r) => text.slice(r.pos, r.end)).join('\n')), ofDeclaration: jsDoc && attached, end });
    run = [];
  };
  for (const r of ranges) {
    const prev = run.at(-1);
    const continues = prev && prev.kind === ts.SyntaxKind.SingleLineCommentTrivia && r.kind === prev.kind && !/\n[ \t]*\r?\n/.test(text.slice(prev.end, r.pos));
    if (!continues) close(r.pos);
    run.push(r);
  }
  close(sf.statements[0]?.getStart(sf) ?? text.length);
  const summary = summaryOf(groups);
  const used = groups.find((g) => g.text === summary && summary !== null);
  return { summary, summaryEnd: used ? used.end : 0 };
}
