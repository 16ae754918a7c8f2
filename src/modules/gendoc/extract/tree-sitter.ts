// Python, Go, Java and Rust read with tree-sitter: one WebAssembly runtime (web-tree-sitter) and
// one grammar per language, each an npm package that ships its .wasm (decision 0046). Nothing is
// compiled on install; the runtime and a grammar load on first use, once per process.
import { createRequire } from 'node:module';
import { Language, Parser } from 'web-tree-sitter';
import type { FileDoc } from '../model.ts';
import { walkGo } from './go.ts';
import { walkJava } from './java.ts';
import { MAX_SYMBOLS } from './limits.ts';
import type { Walker } from './nodes.ts';
import { walkPython } from './python.ts';
import { walkRust } from './rust.ts';

const WALKERS: Record<string, Walker> = { python: walkPython, go: walkGo, java: walkJava, rust: walkRust };

/** The languages read with tree-sitter, as codebase's `languageOf` names them. */
export const TREE_SITTER_LANGUAGES = Object.keys(WALKERS);

const require = createRequire(import.meta.url);
let runtime: Promise<void> | null = null;
const parsers = new Map<string, Promise<Parser>>();

/** The parser of a language, its grammar loaded on first use (the runtime too). */
function parserFor(language: string): Promise<Parser> {
  let parser = parsers.get(language);
  if (!parser) {
    runtime ??= Parser.init();
    parser = runtime.then(async () => {
      const grammar = await Language.load(require.resolve(`tree-sitter-${language}/tree-sitter-${language}.wasm`));
      const p = new Parser();
      p.setLanguage(grammar);
      return p;
    });
    // A failed load is not cached: the next file tries again rather than failing forever.
    parser.catch(() => parsers.delete(language));
    parsers.set(language, parser);
  }
  return parser;
}

/**
 * The structure of one Python, Go, Java or Rust file. `imports` holds relative paths as written
 * (Python's `from .sub import x` is `./sub`); assembly resolves them.
 */
export async function extractWithTreeSitter(path: string, text: string, language: string): Promise<FileDoc> {
  const walk = WALKERS[language];
  if (!walk) throw new Error(`no tree-sitter walker for ${language}`);
  const parser = await parserFor(language);
  const tree = parser.parse(text);
  if (!tree) throw new Error('the parser gave no tree');
  // Trees live in the WebAssembly heap, not in JavaScript's: each one is freed, even on a throw.
  try {
    const { summary, symbols, imports } = walk(tree.rootNode);
    const file: FileDoc = { path, language, lines: 0, summary, symbols: symbols.slice(0, MAX_SYMBOLS), reExports: [], imports };
    if (tree.rootNode.hasError) file.syntaxErrors = true;
    return file;
  } finally {
    tree.delete();
  }
}
