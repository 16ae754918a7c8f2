// Extraction: the structure of a snapshot's files as a CodeModel, with no LLM, no database and
// no network. TypeScript/JavaScript through the TypeScript compiler's parser; Python, Go, Java
// and Rust through tree-sitter; OpenAPI/Swagger files as API pages (decision 0046).
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { CodeModel, ExtractInput, SourceFile } from '../model.ts';
import { createAssembly, type FileOutcome } from './assemble.ts';
import { MAX_API_CHARS, MAX_FILE_CHARS } from './limits.ts';
import { extractApi, mayBeApi } from './openapi.ts';
import { extractWithTreeSitter, TREE_SITTER_LANGUAGES } from './tree-sitter.ts';
import { extractTypeScript } from './typescript.ts';

export { extractApi, mayBeApi } from './openapi.ts';
export { extractWithTreeSitter, TREE_SITTER_LANGUAGES } from './tree-sitter.ts';
export { extractTypeScript } from './typescript.ts';

/** Parsing is synchronous; past this much work in a row the event loop gets a turn (the job runs in the server). */
const SLICE_MS = 50;
const PROGRESS_EVERY = 100;

/** What one file gives: its structure, an API description, or why it is not read. Never throws. */
export async function extractFile(source: SourceFile): Promise<FileOutcome> {
  const { path, language, text } = source;
  if (text === null) return { skipped: 'not text (binary or too large to read)' };
  if ((language === 'json' || language === 'yaml') && text.length <= MAX_API_CHARS && mayBeApi(path, text)) {
    const api = extractApi(path, text);
    if (api) return { api };
  }
  const reader = language === 'typescript' || language === 'javascript' ? 'ts' : language && TREE_SITTER_LANGUAGES.includes(language) ? 'tree-sitter' : null;
  if (!reader) return { skipped: language ? `unsupported language (${language})` : 'unknown language' };
  if (text.length > MAX_FILE_CHARS) return { skipped: `too large (${Math.ceil(text.length / 1024)} KB; files over ${MAX_FILE_CHARS / 1024} KB are not parsed)` };
  try {
    return { file: reader === 'ts' ? extractTypeScript(path, text, language!) : await extractWithTreeSitter(path, text, language!) };
  } catch (err) {
    return { skipped: `parse failure (${err instanceof Error ? err.message : String(err)})`.slice(0, 300) };
  }
}

/** The CodeModel of a snapshot's files, read one at a time as they arrive. */
export async function extractModel(input: ExtractInput): Promise<CodeModel> {
  const assembly = createAssembly(input.project, input.snapshot);
  let read = 0;
  let sliceStart = performance.now();
  for await (const source of input.files) {
    assembly.add(source, await extractFile(source));
    read++;
    if (read % PROGRESS_EVERY === 0) input.onProgress?.(read);
    if (performance.now() - sliceStart > SLICE_MS) {
      await nextTurn();
      sliceStart = performance.now();
    }
  }
  input.onProgress?.(read);
  return assembly.finish();
}
