// The codebases the codebase benchmark uploads (bench/codebase.ts): a tar of source files that
// read like a real project's, made from a seed, so every run sends the same bytes. TypeScript,
// JavaScript and Python in folders of a few dozen files; sizes spread like a project's (many
// small files, a few large ones); some files are copies of others (vendored or generated code);
// identifiers drawn from a vocabulary of the project's own, a few often and most rarely, as in
// code (drawIndex). The last file holds an identifier no other file has: what the benchmark searches
// for to know the upload is searchable.
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import tar from 'tar-stream';

export interface GeneratedCodebase {
  path: string;
  /** Bytes of the tar (headers and padding included). */
  archiveBytes: number;
  files: number;
  /** Bytes of the files' contents. */
  contentBytes: number;
  /** Files that copy an earlier file's bytes. */
  duplicates: number;
  /** In the last file only. */
  needle: string;
  /** Identifiers of the vocabulary, for search queries: common ones first. */
  vocabulary: string[];
}

/** mulberry32: small, fast, and the same numbers for the same seed everywhere. */
export function random(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const VERBS = ['get', 'set', 'load', 'save', 'build', 'parse', 'render', 'find', 'create', 'update', 'remove', 'check', 'compute', 'format', 'fetch', 'handle', 'resolve', 'merge', 'split', 'apply', 'read', 'write', 'sync', 'emit', 'validate', 'normalize', 'encode', 'decode'];
const NOUNS = ['user', 'order', 'invoice', 'account', 'session', 'token', 'project', 'task', 'report', 'chart', 'widget', 'event', 'message', 'channel', 'file', 'folder', 'snapshot', 'blob', 'query', 'result', 'row', 'column', 'schema', 'table', 'index', 'cache', 'queue', 'job', 'worker', 'client', 'server', 'request', 'response', 'header', 'body', 'stream', 'buffer', 'config', 'setting', 'option', 'plugin', 'module', 'route', 'handler', 'policy', 'role', 'member', 'team', 'org', 'price', 'total', 'line', 'item', 'cart', 'payment', 'refund', 'tax', 'rate', 'limit', 'quota'];
const QUALIFIERS = ['', '', '', 'all', 'by', 'for', 'next', 'last', 'raw', 'safe', 'cached', 'pending', 'active', 'default', 'max', 'min'];
const TYPES = ['string', 'number', 'boolean', 'Date', 'Buffer', 'unknown', 'Record<string, number>', 'string[]'];
const COMMENT_WORDS = ['the', 'a', 'of', 'when', 'each', 'is', 'are', 'not', 'yet', 'only', 'once', 'so', 'and', 'or', 'then', 'before', 'after', 'which', 'this', 'every', 'one', 'two', 'may', 'must', 'kept', 'read', 'written', 'sent', 'stored', 'counted'];

/** Identifiers of a project. */
const VOCABULARY = 8000;

/**
 * An identifier's index, common ones more often: index ⌊n·u²⌋ for a uniform u, so the first
 * is drawn about 1 % of the time (1/√n) and the commonest few hundred half the time, as a
 * project's own names go (a few everywhere, most in a file or two). Keywords come on top.
 */
export function drawIndex(rand: () => number, n: number): number {
  const u = rand();
  return Math.min(n - 1, Math.floor(n * u * u));
}

const cap = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

/** A project's identifiers: camelCase functions and variables, PascalCase types; `snake` for Python. */
function vocabularyOf(rand: () => number, size: number): string[] {
  const words = new Set<string>();
  while (words.size < size) {
    const verb = VERBS[Math.floor(rand() * VERBS.length)];
    const noun = NOUNS[Math.floor(rand() * NOUNS.length)];
    const noun2 = rand() < 0.5 ? NOUNS[Math.floor(rand() * NOUNS.length)] : '';
    const q = QUALIFIERS[Math.floor(rand() * QUALIFIERS.length)];
    words.add(`${verb}${cap(q)}${cap(noun)}${cap(noun2)}`);
  }
  return [...words];
}

const snake = (id: string) => id.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();

/** A file of about `target` bytes in the language of `ext`. */
function sourceOf(rand: () => number, ext: 'ts' | 'js' | 'py', target: number, pick: () => string): string {
  const lines: string[] = [];
  let size = 0;
  const push = (line: string) => {
    lines.push(line);
    size += line.length + 1;
  };
  const n = () => Math.floor(rand() * 1000);
  const comment = (prefix: string) => `${prefix} ${Array.from({ length: 4 + Math.floor(rand() * 10) }, () => COMMENT_WORDS[Math.floor(rand() * COMMENT_WORDS.length)]).join(' ')}.`;
  if (ext === 'py') {
    push(`from .${snake(pick())} import ${snake(pick())}, ${snake(pick())}`);
    push('');
    while (size < target) {
      const r = rand();
      if (r < 0.15) {
        push('');
        push(`class ${cap(pick())}:`);
        push(`    """${comment('').trim()}"""`);
      } else if (r < 0.35) {
        push('');
        push(`def ${snake(pick())}(${snake(pick())}, ${snake(pick())}=None):`);
      } else if (r < 0.5) push(`    ${snake(pick())} = ${snake(pick())}.${snake(pick())}(${snake(pick())}, ${n()})`);
      else if (r < 0.62) push(`    if ${snake(pick())} > ${n()}:\n        return ${snake(pick())}`);
      else if (r < 0.72) push(`    for ${snake(pick())} in ${snake(pick())}:\n        ${snake(pick())}.append(${snake(pick())})`);
      else if (r < 0.82) push(comment('    #'));
      else push(`    return ${snake(pick())}(${snake(pick())}, "${pick()}")`);
    }
  } else {
    const typed = ext === 'ts';
    push(`import { ${pick()}, ${pick()} } from './${pick()}${typed ? '.ts' : '.js'}';`);
    push(`import { ${cap(pick())} } from '../${pick()}/index${typed ? '.ts' : '.js'}';`);
    push('');
    while (size < target) {
      const r = rand();
      const type = () => (typed ? `: ${TYPES[Math.floor(rand() * TYPES.length)]}` : '');
      if (r < 0.12) {
        push('');
        push(`export ${rand() < 0.5 ? 'async ' : ''}function ${pick()}(${pick()}${type()}, ${pick()}${type()})${type()} {`);
      } else if (r < 0.17) push('}');
      else if (r < 0.35) push(`  const ${pick()} = await ${pick()}.${pick()}(${pick()}, ${n()});`);
      else if (r < 0.47) push(`  if (${pick()}.length > ${n()}) return ${pick()};`);
      else if (r < 0.55) push(`  for (const ${pick()} of ${pick()}) ${pick()}.push(${pick()});`);
      else if (r < 0.68) push(comment('  //'));
      else if (r < 0.75 && typed) push(`export interface ${cap(pick())} { ${pick()}: ${TYPES[Math.floor(rand() * TYPES.length)]}; ${pick()}?: string }`);
      else if (r < 0.85) push(`  ${pick()}.${pick()} = { ${pick()}: ${n()}, ${pick()}: '${pick()}' };`);
      else push(`  return ${pick()}(${pick()}, ${pick()});`);
    }
  }
  return `${lines.join('\n')}\n`;
}

/**
 * Writes the tar of a generated codebase to `path`: `files` files of about `contentBytes` in all.
 * `seed` makes a different project (its own vocabulary and needle), the same one on every run.
 */
export async function generateCodebase(path: string, opts: { seed: number; files: number; contentBytes: number; duplicateShare?: number }): Promise<GeneratedCodebase> {
  const rand = random(opts.seed);
  const vocabulary = vocabularyOf(rand, VOCABULARY);
  const pick = () => vocabulary[drawIndex(rand, vocabulary.length)];
  // Log-normal sizes (median about a third of the mean), scaled to the bytes asked for; 64 bytes to 256 KiB.
  const raw = Array.from({ length: opts.files }, () => Math.exp(1.1 * Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand())));
  const scale = opts.contentBytes / raw.reduce((a, b) => a + b, 0);
  const sizes = raw.map((r) => Math.max(64, Math.min(256 * 1024, Math.round(r * scale))));
  const folders = Array.from({ length: Math.ceil(opts.files / 40) }, (_, i) => `${['src', 'lib', 'app', 'services', 'scripts'][i % 5]}/${snake(vocabulary[(i * 7) % vocabulary.length]).split('_').slice(0, 2).join('_')}_${i}`);
  const needle = `benchNeedle${opts.seed}X${Math.floor(rand() * 2 ** 40).toString(36)}`;

  const pack = tar.pack();
  const out = createWriteStream(path);
  const done = new Promise<void>((resolve, reject) => {
    out.on('finish', resolve);
    out.on('error', reject);
    pack.on('error', reject);
  });
  pack.pipe(out);
  const written: string[] = [];
  let contentBytes = 0;
  let duplicates = 0;
  const duplicateShare = opts.duplicateShare ?? 0.05;
  for (let i = 0; i < opts.files; i++) {
    const ext = (['ts', 'ts', 'ts', 'js', 'py'] as const)[Math.floor(rand() * 5)];
    const last = i === opts.files - 1;
    let text: string;
    if (!last && written.length > 10 && rand() < duplicateShare) {
      text = written[Math.floor(rand() * written.length)];
      duplicates++;
    } else {
      text = sourceOf(rand, ext, sizes[i], pick);
      if (last) text += ext === 'py' ? `\n${needle} = ${opts.seed}\n` : `\nexport const ${needle} = ${opts.seed};\n`;
      // Kept for copies only while small: copies of small files (licences, stubs) are the common kind.
      if (text.length < 16 * 1024 && written.length < 2000) written.push(text);
    }
    const body = Buffer.from(text);
    contentBytes += body.length;
    const name = `${folders[i % folders.length]}/${snake(pick())}_${i}.${ext}`;
    await new Promise<void>((resolve, reject) => pack.entry({ name, size: body.length, mode: 0o644, mtime: new Date(0) }, body, (err) => (err ? reject(err) : resolve())));
    if (out.writableNeedDrain) await once(out, 'drain');
  }
  pack.finalize();
  await done;
  return { path, archiveBytes: (await stat(path)).size, files: opts.files, contentBytes, duplicates, needle, vocabulary };
}
