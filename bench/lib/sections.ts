// BENCHMARKS.md holds one section per benchmark between markers (`<!-- bench:<name>:start -->`);
// a run replaces its own section and leaves the rest of the file as it is.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './proc.ts';

/** Replaces the section between the markers of `name`, or appends it at the end. */
export function writeSection(name: string, body: string): void {
  const file = join(ROOT, 'BENCHMARKS.md');
  const text = readFileSync(file, 'utf8');
  const start = `<!-- bench:${name}:start -->`;
  const end = `<!-- bench:${name}:end -->`;
  const section = `${start}\n${body}\n${end}`;
  const i = text.indexOf(start);
  const j = text.indexOf(end);
  const next = i >= 0 && j > i ? text.slice(0, i) + section + text.slice(j + end.length) : `${text.replace(/\n*$/, '\n')}\n${section}\n`;
  writeFileSync(file, next);
}
