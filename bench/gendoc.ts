// The documentation benchmark of issue #15, run by `npm run bench -- gendoc` (alone) and at the
// end of `npm run bench`: "gendoc for a 1,000-file TypeScript codebase (the project's own src/
// is a good one) in < 20 s for Markdown and < 60 s for PDF".
//   The codebase: the project's own TypeScript (src/, test/, bench/, scripts/, clients/: about 860
//   files; src/ alone has about 680), then the declaration files of @types/node and kysely, to
//   1,000 files in path order. Each format is timed as the generation job runs it
//   (src/modules/gendoc/generate.ts): extraction of the whole codebase (extractModel) with the
//   built-in `default` template, then rendering (renderDocs), in the generation worker, one after the
//   other, from a fresh extraction each time (nothing cached between formats). Reading the files
//   comes from disk here; in the job it comes from core/storage a few files ahead of the parser.
//   Both run in the generation worker thread, as in the job (its start is counted in extraction).
//   Peak RSS growth of this process (the worker's heap included) is sampled every 100 ms.
// Settings: BENCH_GENDOC_FILES (default 1000), BENCH_GENDOC_WORKER_MB (the worker's heap cap,
// default 512 as GENDOC_WORKER_MAX_MB; measured 2026-12-07: all three formats of 1,000 files fit
// in 256, the PDF since it writes each page's sheets as it goes (two passes, write-pdf.ts)).
import { readdirSync, readFileSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join, relative } from 'node:path';
import type { DocFormat, SourceFile } from '../src/modules/gendoc/model.ts';
import { DEFAULT_TEMPLATE } from '../src/modules/gendoc/render/index.ts';
import { startGenerationWorker } from '../src/modules/gendoc/sandbox.ts';
import { languageOf } from '../src/modules/codebase/languages.ts';
import { cpuModel, revision } from './lib/machine.ts';
import { ROOT } from './lib/proc.ts';
import { writeSection } from './lib/sections.ts';

const FILES = Number(process.env.BENCH_GENDOC_FILES) || 1000;
/** Where the 1,000 files come from, in this order: the project's own code (about 860 files), then declaration files of two dependencies it uses. */
const DIRS = ['src', 'test', 'bench', 'scripts', 'clients', 'node_modules/@types/node', 'node_modules/kysely/dist'];
const GOALS: Record<DocFormat, number> = { md: 20, html: 20, pdf: 60 };

interface FormatRun {
  format: DocFormat;
  extractS: number;
  renderS: number;
  totalS: number;
  pages: number;
  bytes: number;
  peakRssGrowthMb: number;
}
interface GendocResult {
  date: string;
  revision: string;
  durationS: number;
  machine: { nproc: number; cpu: string; node: string; loadAvgStart: number[]; loadAvgEnd: number[] | null };
  codebase: { files: number; bytes: number; lines: number; symbols: number };
  runs: FormatRun[];
  targets: { name: string; measured: string; goal: string; pass: boolean }[];
}

/** The first `limit` TypeScript files of DIRS, folder by folder, in path order. */
function codebaseFiles(limit: number): SourceFile[] {
  const out: SourceFile[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir).sort()) {
      if (out.length >= limit || name === 'node_modules' || name === 'fixtures' || name === '__snapshots__') continue;
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (name.endsWith('.ts')) {
        const text = readFileSync(path, 'utf8');
        const rel = relative(ROOT, path);
        out.push({ path: rel, language: languageOf(rel, text.slice(0, 200)), size: Buffer.byteLength(text), text });
      }
    }
  };
  for (const dir of DIRS) walk(join(ROOT, dir));
  return out;
}

async function* feed(files: SourceFile[]): AsyncGenerator<SourceFile> {
  for (const f of files) yield f;
}

async function timeFormat(files: SourceFile[], format: DocFormat): Promise<FormatRun & { symbols: number; lines: number }> {
  global.gc?.();
  const base = process.memoryUsage().rss;
  let peak = base;
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 100);
  try {
    const t0 = performance.now();
    // As the job does it: a worker thread of its own (src/modules/gendoc/sandbox.ts), its start counted.
    const worker = startGenerationWorker({ maxHeapMb: Number(process.env.BENCH_GENDOC_WORKER_MB) || 512 });
    const model = await worker.extract({
      project: { name: 'Trellis', description: 'The project\'s own code' },
      snapshot: { version: 1, name: 'trellis.zip', createdAt: new Date().toISOString() },
      files: feed(files),
    });
    const t1 = performance.now();
    const out = await worker.render(model, DEFAULT_TEMPLATE, format, { values: {}, generatedAt: new Date(), timeZone: 'UTC' });
    const t2 = performance.now();
    peak = Math.max(peak, process.memoryUsage().rss);
    await worker.close();
    return {
      format,
      extractS: (t1 - t0) / 1000,
      renderS: (t2 - t1) / 1000,
      totalS: (t2 - t0) / 1000,
      pages: out.pages,
      bytes: out.bytes.length,
      peakRssGrowthMb: (peak - base) / 1024 / 1024,
      symbols: model.files.reduce((n, f) => n + f.symbols.length, 0),
      lines: model.totals.lines,
    };
  } finally {
    clearInterval(sampler);
  }
}

export async function runGendocBench(opts: { log(m: string): void }): Promise<GendocResult> {
  const t0 = performance.now();
  const files = codebaseFiles(FILES);
  const result: GendocResult = {
    date: new Date().toISOString(),
    revision: revision(),
    durationS: 0,
    machine: { nproc: cpus().length, cpu: cpuModel(), node: process.version, loadAvgStart: loadavg(), loadAvgEnd: null },
    codebase: { files: files.length, bytes: files.reduce((n, f) => n + f.size, 0), lines: 0, symbols: 0 },
    runs: [],
    targets: [],
  };
  for (const format of ['md', 'html', 'pdf'] as const) {
    const run = await timeFormat(files, format);
    opts.log(`gendoc ${format}: extract ${run.extractS.toFixed(1)} s + render ${run.renderS.toFixed(1)} s = ${run.totalS.toFixed(1)} s, ${run.pages} pages, ${(run.bytes / 1024 / 1024).toFixed(1)} MB`);
    result.codebase.lines = run.lines;
    result.codebase.symbols = run.symbols;
    const { symbols: _s, lines: _l, ...kept } = run;
    result.runs.push(kept);
  }
  result.machine.loadAvgEnd = loadavg();
  result.durationS = (performance.now() - t0) / 1000;
  result.targets = result.runs
    .filter((r) => r.format !== 'html')
    .map((r) => ({ name: `gendoc ${r.format} for ${files.length} TypeScript files`, measured: `${r.totalS.toFixed(1)} s`, goal: `< ${GOALS[r.format]} s`, pass: r.totalS < GOALS[r.format] }));
  mkdirSync(join(ROOT, 'bench/results'), { recursive: true });
  writeFileSync(join(ROOT, 'bench/results/gendoc.json'), `${JSON.stringify(result, null, 2)}\n`);
  return result;
}

function renderSection(r: GendocResult): string {
  const load = (l: number[] | null) => (l ? l.map((x) => x.toFixed(2)).join(' / ') : '–');
  return [
    '## Documentation from code (issue #15)',
    '',
    'Generated by `npm run bench -- gendoc` (also part of `npm run bench`; `bench/gendoc.ts`); raw results in `bench/results/gendoc.json` (git-ignored).',
    '',
    `Run ${r.date} at ${r.revision}, ${r.machine.nproc} × ${r.machine.cpu}, Node ${r.machine.node}; load average at start ${load(r.machine.loadAvgStart)}, at end ${load(r.machine.loadAvgEnd)}.`,
    '',
    `The codebase: ${r.codebase.files} TypeScript files, the project's own (src/, test/, bench/, scripts/, clients/), then the declaration files of @types/node and kysely: ${(r.codebase.bytes / 1024 / 1024).toFixed(1)} MB, ${r.codebase.lines.toLocaleString('en')} lines, ${r.codebase.symbols.toLocaleString('en')} top-level symbols. Each format is the generation job's work from a fresh extraction, in the generation worker thread as the job runs it (its start counted in extraction): extractModel (TypeScript compiler API, one file at a time) with the built-in \`default\` template, then renderDocs; the files are read from disk here instead of from core/storage.`,
    '',
    '| format | extraction s | rendering s | total s | goal | pages | output MB | peak RSS growth MB |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
    ...r.runs.map((x) => `| ${x.format} | ${x.extractS.toFixed(1)} | ${x.renderS.toFixed(1)} | **${x.totalS.toFixed(1)}** | ${x.format === 'html' ? '–' : `< ${GOALS[x.format]}`} | ${x.pages} | ${(x.bytes / 1024 / 1024).toFixed(1)} | ${x.peakRssGrowthMb.toFixed(0)} |`),
    '',
    ...r.targets.map((t) => `- ${t.pass ? 'PASS' : 'MISS'} ${t.name}: ${t.measured} (goal ${t.goal})`),
    '',
    "Peak RSS growth is this process's resident memory over its level before the format (the worker's heap included), sampled every 100 ms: mostly garbage not yet collected (a parse tree per file, each page's text), since the worker's heap (GENDOC_WORKER_MAX_MB, 512) had room; with it capped at 256 MB (BENCH_GENDOC_WORKER_MB) all three formats still complete, the PDF at 220 MB of growth and 29 s. The PDF is drawn twice: a first pass learns where each page starts, so the second writes each page's sheets as soon as they are done instead of keeping all of them for the contents' numbers (which needed more than 512 MB of heap for these 1,000 files, 11–13 s). Past the cap a run fails with `GENDOC.TOO_LARGE`.",
  ].join('\n');
}

export function reportGendoc(result: GendocResult, log: (m: string) => void): void {
  for (const t of result.targets) log(`${t.pass ? 'PASS' : 'MISS'} ${t.name}: ${t.measured} (goal ${t.goal})`);
  writeSection('gendoc', renderSection(result));
  log('wrote bench/results/gendoc.json and the gendoc section of BENCHMARKS.md');
}

/** A bound for the run's watchdog: generous, extraction and a PDF of ~1,000 pages. */
export const gendocWatchdogMs = () => 10 * 60_000;
