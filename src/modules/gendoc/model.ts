// What documentation is made from: the structure extracted from a snapshot's files (extract/),
// with no LLM involved, and the pages a template makes of it (render/). Extraction fills a
// CodeModel; rendering reads only it, so every output format says the same thing.

/** A declared thing a reader looks up: a function, a class and its members, a type, a constant. */
export interface CodeSymbol {
  /** `function`, `class`, `method`, `interface`, `type`, `enum`, `variable`, `struct`, `trait`, `module`… as the language calls it. */
  kind: string;
  name: string;
  /** The declaration as written, without its body: `function add(a: number, b: number): number`. */
  signature: string;
  /** The doc comment or docstring, its markers removed (JSDoc blocks, `///`, `#`, `"""`); null when there is none. */
  doc: string | null;
  /** 1-based line of the declaration in its file. */
  line: number;
  /** Exported (public) from its file or package: `export`, Go's capital letter, Java/Rust `pub`/`public`, Python's names without `_`. */
  exported: boolean;
  /** Members of a class, interface, struct, trait or impl. */
  members: CodeSymbol[];
  /** Names it is exported under besides its own: `default`, `export =`, `b` for `export { a as b }`. */
  exportedAs?: string[];
}

/** One source file's structure. */
export interface FileDoc {
  path: string;
  language: string;
  lines: number;
  /** The file's leading comment (a module docstring, a file header), if any. */
  summary: string | null;
  symbols: CodeSymbol[];
  /** TS/JS re-exports: `export { a } from './b'`, `export * from './c'` (the specifiers as written). */
  reExports: { from: string; names: string[] | '*' }[];
  /** Imports of other files in the codebase, resolved to their paths when they could be. */
  imports: string[];
  /** The parser met syntax errors and recovered: what it could not read is missing from `symbols`. */
  syntaxErrors?: boolean;
}

/** An OpenAPI (3.x) or Swagger (2.0) document found in the codebase, as reference pages. */
export interface ApiDoc {
  path: string;
  title: string;
  version: string | null;
  description: string | null;
  operations: {
    method: string;
    path: string;
    operationId: string | null;
    summary: string | null;
    description: string | null;
    tags: string[];
    parameters: { name: string; in: string; required: boolean; description: string | null; type: string | null }[];
    requestBody: string | null;
    responses: { status: string; description: string | null }[];
  }[];
}

/** A folder of the codebase taken as a module: what its files export, together. */
export interface ModuleDoc {
  /** The folder's path ('' for the root). */
  path: string;
  files: string[];
  /** A summary added by the optional LLM pass, marked as generated wherever it is shown; null without it. */
  generatedSummary: string | null;
}

export interface CodeModel {
  project: { name: string; description: string | null };
  snapshot: { version: number; name: string; createdAt: string };
  /** The codebase's README (first found at the root), as Markdown; null when there is none. */
  readme: string | null;
  /** Files and lines per language, largest first. */
  languages: { language: string; files: number; lines: number }[];
  totals: { files: number; bytes: number; lines: number };
  /** Top folders with their file counts: the layout section of the overview. */
  layout: { path: string; files: number }[];
  files: FileDoc[];
  modules: ModuleDoc[];
  apis: ApiDoc[];
  /** Files seen but not read for structure (unsupported language, too large, unparseable) and why. */
  skipped: { path: string; reason: string }[];
  /** Skipped files past the listed ones (the list is capped), counted only. */
  skippedOmitted?: number;
}

/** A file of the snapshot as extraction gets it: text files with their text, others (binary, over the cap) with `text: null`, counted but not read. */
export interface SourceFile {
  path: string;
  language: string | null;
  size: number;
  text: string | null;
}

/** What extraction is given (extract/index.ts `extractModel`). */
export interface ExtractInput {
  project: CodeModel['project'];
  snapshot: CodeModel['snapshot'];
  files: AsyncIterable<SourceFile>;
  /** Called now and then with the files read so far, for the job's progress. */
  onProgress?: (filesRead: number) => void;
}

export type DocFormat = 'md' | 'html' | 'pdf';

/** One output of a run (render/index.ts `renderDocs`): a ZIP of Markdown pages, a ZIP of a static site, or a PDF. */
export interface RenderedDocs {
  format: DocFormat;
  fileName: string;
  contentType: string;
  bytes: Buffer;
  /** Pages written, for the run's record. */
  pages: number;
}
