// A file's language, for display and (later) search filters and documentation: by its name's
// extension or whole name, else by its shebang line. A small table on purpose: a name that is not
// in it has no language (null), which is always a true answer.

// biome-ignore format: a table reads best packed
const BY_EXTENSION: Record<string, string> = {
  ts: 'typescript', tsx: 'typescript', mts: 'typescript', cts: 'typescript',
  js: 'javascript', jsx: 'javascript', mjs: 'javascript', cjs: 'javascript',
  py: 'python', pyi: 'python', go: 'go', rs: 'rust', java: 'java', kt: 'kotlin', kts: 'kotlin',
  scala: 'scala', swift: 'swift', c: 'c', h: 'c', cc: 'cpp', cpp: 'cpp', cxx: 'cpp', hpp: 'cpp', hh: 'cpp',
  cs: 'csharp', fs: 'fsharp', rb: 'ruby', php: 'php', pl: 'perl', pm: 'perl', lua: 'lua', r: 'r',
  dart: 'dart', ex: 'elixir', exs: 'elixir', erl: 'erlang', hs: 'haskell', clj: 'clojure', ml: 'ocaml',
  sh: 'shell', bash: 'shell', zsh: 'shell', ps1: 'powershell', sql: 'sql',
  html: 'html', htm: 'html', css: 'css', scss: 'scss', less: 'less', vue: 'vue', svelte: 'svelte',
  json: 'json', jsonc: 'json', yaml: 'yaml', yml: 'yaml', toml: 'toml', xml: 'xml', svg: 'xml', ini: 'ini',
  md: 'markdown', markdown: 'markdown', rst: 'restructuredtext', txt: 'text', csv: 'csv',
  proto: 'protobuf', graphql: 'graphql', gql: 'graphql', tf: 'terraform', gradle: 'groovy', groovy: 'groovy',
};

// biome-ignore format: a table reads best packed
const BY_NAME: Record<string, string> = {
  dockerfile: 'dockerfile', makefile: 'makefile', gnumakefile: 'makefile', 'cmakelists.txt': 'cmake',
  gemfile: 'ruby', rakefile: 'ruby', jenkinsfile: 'groovy', '.gitignore': 'gitignore', '.dockerignore': 'gitignore',
};

// The interpreter a shebang names (`#!/usr/bin/env python3`, `#!/bin/bash -e`), without its version.
// biome-ignore format: a table reads best packed
const BY_INTERPRETER: Record<string, string> = {
  sh: 'shell', bash: 'shell', zsh: 'shell', dash: 'shell', ksh: 'shell', node: 'javascript', deno: 'typescript', bun: 'javascript',
  python: 'python', ruby: 'ruby', perl: 'perl', php: 'php', lua: 'lua', rscript: 'r', pwsh: 'powershell',
};

/** The interpreter of a first line `#!…`, or null. */
function interpreterOf(head: string): string | null {
  if (!head.startsWith('#!')) return null;
  const words = head.slice(2, head.indexOf('\n') === -1 ? undefined : head.indexOf('\n')).trim().split(/\s+/);
  let program = words[0]?.split('/').pop() ?? '';
  // `env` runs the next word that is not an option (`env -S node --flag`).
  if (program === 'env') program = words.slice(1).find((w) => !w.startsWith('-'))?.split('/').pop() ?? '';
  return program.toLowerCase().replace(/[\d.]+$/, '') || null;
}

/** The language of a file at `path` whose text begins with `head` (a few hundred bytes do), or null. */
export function languageOf(path: string, head = ''): string | null {
  const name = (path.split('/').pop() ?? '').toLowerCase();
  if (BY_NAME[name]) return BY_NAME[name];
  const dot = name.lastIndexOf('.');
  if (dot > 0 && BY_EXTENSION[name.slice(dot + 1)]) return BY_EXTENSION[name.slice(dot + 1)];
  const interpreter = interpreterOf(head);
  return interpreter ? (BY_INTERPRETER[interpreter] ?? null) : null;
}
