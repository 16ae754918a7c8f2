// CodeModels built by hand for gendoc's rendering tests: a small one with a bit of everything
// (an API, re-exports, members, a README, an LLM summary), a hostile one whose every text tries
// to become HTML or a script, and a large generated one for timings.
import { unzipText as unzipEntries } from './unzip.ts';
import type { CodeModel, CodeSymbol, FileDoc } from '../src/modules/gendoc/model.ts';

const sym = (kind: string, name: string, signature: string, doc: string | null, line: number, exported = true, members: CodeSymbol[] = []): CodeSymbol => ({ kind, name, signature, doc, line, exported, members });

export function smallModel(): CodeModel {
  const files: FileDoc[] = [
    {
      path: 'src/core/math.ts',
      language: 'TypeScript',
      lines: 40,
      summary: 'Arithmetic helpers.',
      symbols: [
        sym('function', 'add', 'export function add(a: number, b: number): number', 'Adds two numbers.\n@param a the first\n@param b the second', 3),
        sym('class', 'Calculator', 'export class Calculator', 'Keeps a running total.', 10, true, [sym('method', 'plus', 'plus(n: number): this', 'Adds n.', 12), sym('method', 'secret', 'private secret(): void', null, 20, false)]),
        sym('function', 'helper', 'function helper(): void', 'Not exported.', 30, false),
      ],
      reExports: [],
      imports: [],
    },
    {
      path: 'src/core/index.ts',
      language: 'TypeScript',
      lines: 3,
      summary: null,
      symbols: [],
      reExports: [{ from: './math.js', names: ['add', 'Calculator'] }, { from: 'node:path', names: '*' }],
      imports: ['src/core/math.ts'],
    },
    {
      path: 'app/main.py',
      language: 'Python',
      lines: 12,
      summary: 'The entry point.',
      symbols: [sym('function', 'main', 'def main() -> None', 'Runs the app.', 5)],
      reExports: [],
      imports: ['src/core/index.ts'],
    },
  ];
  return {
    project: { name: 'Demo', description: 'A demo project.' },
    snapshot: { version: 3, name: 'Release 3', createdAt: '2026-12-01T10:00:00.000Z' },
    readme: '# Demo\n\nSee [the math](src/core/math.ts), [the web](https://example.com) and [missing](docs/none.md).\n\n```sh\nnpm start\n```\n',
    languages: [
      { language: 'TypeScript', files: 2, lines: 43 },
      { language: 'Python', files: 1, lines: 12 },
    ],
    totals: { files: 4, bytes: 4_096, lines: 75 },
    layout: [
      { path: 'src', files: 2 },
      { path: 'app', files: 1 },
    ],
    files,
    modules: [
      { path: 'src/core', files: ['src/core/math.ts', 'src/core/index.ts'], generatedSummary: 'Core arithmetic for the app.' },
      { path: 'app', files: ['app/main.py'], generatedSummary: null },
      { path: '', files: ['logo.png'], generatedSummary: null },
    ],
    apis: [
      {
        path: 'openapi.yaml',
        title: 'Demo API',
        version: '1.0',
        description: 'The HTTP API.',
        operations: [
          { method: 'get', path: '/sums', operationId: 'listSums', summary: 'List sums', description: null, tags: ['sums'], parameters: [{ name: 'limit', in: 'query', required: false, description: 'At most this many', type: 'integer' }], requestBody: null, responses: [{ status: '200', description: 'The sums' }] },
          { method: 'post', path: '/sums', operationId: null, summary: 'Add a sum', description: 'Stores it.', tags: ['sums'], parameters: [], requestBody: 'A sum as JSON', responses: [{ status: '201', description: 'Stored' }] },
          { method: 'get', path: '/health', operationId: null, summary: null, description: null, tags: [], parameters: [], requestBody: null, responses: [{ status: '200', description: null }] },
        ],
      },
    ],
    skipped: [{ path: 'logo.png', reason: 'binary' }],
  };
}

export const HOSTILE = {
  script: '<script>alert(1)</script>',
  img: '<img src=x onerror="alert(2)">',
  iframe: '<iframe src="https://evil.example"></iframe>',
  link: '[click](javascript:alert(3))',
  svg: '<svg onload=alert(4)>',
};
const all = Object.values(HOSTILE).join(' ');

/** Every text a codebase controls trying to become markup, a script or a link. */
export function hostileModel(): CodeModel {
  const m = smallModel();
  m.project = { name: `Evil ${HOSTILE.script}`, description: all };
  m.snapshot.name = HOSTILE.img;
  m.readme = `# Readme ${HOSTILE.script}\n\n${all}\n\n<a href="javascript:alert(5)">x</a> [y](JaVaScRiPt:alert(6)) [z](&#106;avascript:alert(7)) ![i](javascript:alert(8))\n\n[ref]: javascript:alert(9)\n\n[use ref][ref] \\\`<script>alert(10)</script>\\\`\n`;
  m.files.push({
    path: 'src/<script>alert(11)<:script>.ts',
    language: '<b>TS</b>',
    lines: 1,
    summary: all,
    symbols: [sym('function', HOSTILE.script, `function x() { return "${HOSTILE.iframe}" }`, `${all}\n\n\`\`\`\n</code><script>alert(12)</script>\n\`\`\``, 1, true, [sym('method', HOSTILE.img, HOSTILE.svg, HOSTILE.link, 2)])],
    reExports: [{ from: 'javascript:alert(13)', names: [HOSTILE.script] }],
    imports: ['javascript:alert(14)'],
  });
  m.modules.push({ path: `src/${HOSTILE.svg}`, files: ['src/<script>alert(11)<:script>.ts'], generatedSummary: all });
  m.apis[0].title = `API ${HOSTILE.script}`;
  m.apis[0].operations[0].description = all;
  m.apis[0].operations[0].tags = [HOSTILE.img];
  m.apis[0].operations[0].parameters[0].description = `${HOSTILE.link} | broken | table`;
  m.skipped.push({ path: HOSTILE.iframe, reason: HOSTILE.link });
  return m;
}

/** A generated model of `n` files in folders of 20, each with a few documented symbols, for timings. */
export function largeModel(n: number): CodeModel {
  const files: FileDoc[] = [];
  const modules = new Map<string, string[]>();
  for (let i = 0; i < n; i++) {
    const folder = `src/area${Math.floor(i / 100)}/part${Math.floor(i / 20)}`;
    const path = `${folder}/file${i}.ts`;
    const symbols = Array.from({ length: 8 }, (_, k) =>
      sym(k % 4 === 0 ? 'class' : 'function', `thing${i}_${k}`, `export function thing${i}_${k}(input: Record<string, number>, options: { deep: boolean; limit?: number; label: string } = { deep: false, label: 'a rather long default label that makes this signature wrap in narrow columns' }): Promise<Map<string, number[]>>`, `Does thing ${k} of file ${i}.\n\nIt takes the input and returns a map; see the other things of this folder for the rest.\n@param input the numbers\n@returns the map`, 10 + k * 12, k !== 7, k % 4 === 0 ? [sym('method', `run${k}`, `run${k}(): void`, 'Runs it.', 12 + k * 12)] : []),
    );
    files.push({ path, language: 'TypeScript', lines: 120, summary: `File ${i} of the generated codebase.`, symbols, reExports: i % 20 === 0 ? [{ from: `./file${i + 1}.js`, names: '*' }] : [], imports: i > 0 ? [files[i - 1].path] : [] });
    modules.set(folder, [...(modules.get(folder) ?? []), path]);
  }
  return {
    project: { name: 'Large', description: 'A generated codebase.' },
    snapshot: { version: 1, name: 'Generated', createdAt: '2026-12-01T10:00:00.000Z' },
    readme: '# Large\n\nA generated codebase for timings.\n',
    languages: [{ language: 'TypeScript', files: n, lines: n * 120 }],
    totals: { files: n, bytes: n * 4_000, lines: n * 120 },
    layout: [{ path: 'src', files: n }],
    files,
    modules: [...modules].map(([path, f]) => ({ path, files: f, generatedSummary: `Folder ${path}, generated summary.` })),
    apis: [],
    skipped: [],
  };
}

/** A ZIP's entries by name, as text, in archive order (test/unzip.ts). */
export const unzipText = async (buffer: Buffer): Promise<Map<string, string>> => new Map(Object.entries(await unzipEntries(buffer)));
