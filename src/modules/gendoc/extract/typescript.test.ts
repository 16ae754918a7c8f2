import { describe, expect, it } from 'vitest';
import type { CodeSymbol } from '../model.ts';
import { extractTypeScript } from './typescript.ts';

const find = (symbols: CodeSymbol[], name: string) => symbols.find((s) => s.name === name)!;

const SOURCE = `#!/usr/bin/env node
// Money helpers: amounts in minor units.
// Nothing here rounds.

import { x } from './x.ts';
import type { Y } from '../y';
import fs from 'node:fs';
export { helper, inner as outer } from './helpers.ts';
export * from './more';
export * as ns from './ns.js';

/**
 * Adds two amounts.
 * @param a - the first
 * @returns the sum
 */
export function add(a: number, b: number): number {
  return a + b;
}

export function pick(a: string): string;
export function pick(a: number): number;
export function pick(a: unknown) { return a; }

/** Largest amount. */
export const MAX: number = 10;
export const LIMIT = 64;
const secret = 1;
export const double = (n: number): number => n * 2;

/** A wallet. */
export default class Wallet extends Base implements Named {
  /** Its owner. */
  owner: string;
  protected balance = 0;
  private hidden = 1;
  #reallyHidden = 2;
  /** Makes one. */
  constructor(owner: string) { super(); this.owner = owner; }
  /** Spends. */
  spend(amount: number): boolean { return true; }
  get total(): number { return 0; }
}

export interface Named {
  /** The name. */
  name: string;
  rename(to: string): void;
}

export type Pair = { left: number; right: number };
export enum Color { Red = 'red', Green = 'green' }
function internal() {}
export { internal as visible };
const lazy = () => import('./lazy.ts');
`;

describe('TypeScript extraction', () => {
  const file = extractTypeScript('src/money.ts', SOURCE, 'typescript');

  it('reads the leading comment as the summary, not as a declaration doc', () => {
    expect(file.summary).toBe('Money helpers: amounts in minor units.\nNothing here rounds.');
    expect(file.syntaxErrors).toBeUndefined();
  });

  it('gives functions their signature without body, their doc with tags kept, their line', () => {
    const add = find(file.symbols, 'add');
    expect(add).toMatchObject({ kind: 'function', signature: 'function add(a: number, b: number): number', exported: true, line: 17 });
    expect(add.doc).toBe('Adds two amounts.\n@param a - the first\n@returns the sum');
  });

  it('joins overload signatures and hides the implementation', () => {
    expect(file.symbols.filter((s) => s.name === 'pick')).toHaveLength(1);
    expect(find(file.symbols, 'pick').signature).toBe('function pick(a: string): string\nfunction pick(a: number): number');
  });

  it('reads variables with their annotation, short initializers and arrow functions', () => {
    expect(find(file.symbols, 'MAX')).toMatchObject({ kind: 'variable', signature: 'const MAX: number = 10', doc: 'Largest amount.', exported: true });
    expect(find(file.symbols, 'LIMIT').signature).toBe('const LIMIT = 64');
    expect(find(file.symbols, 'secret').exported).toBe(false);
    expect(find(file.symbols, 'double')).toMatchObject({ kind: 'function', signature: 'const double = (n: number): number =>' });
  });

  it('lists a class with its public and protected members, not its private ones, and its default export', () => {
    const wallet = find(file.symbols, 'Wallet');
    expect(wallet).toMatchObject({ kind: 'class', signature: 'class Wallet extends Base implements Named', doc: 'A wallet.', exported: true, exportedAs: ['default'] });
    expect(wallet.members.map((m) => [m.kind, m.name, m.exported])).toEqual([
      ['property', 'owner', true],
      ['property', 'balance', false],
      ['constructor', 'constructor', true],
      ['method', 'spend', true],
      ['getter', 'total', true],
    ]);
    expect(find(wallet.members, 'spend')).toMatchObject({ signature: 'spend(amount: number): boolean', doc: 'Spends.' });
    expect(find(wallet.members, 'owner').doc).toBe('Its owner.');
  });

  it('reads interfaces, type aliases and enums with their members', () => {
    const named = find(file.symbols, 'Named');
    expect(named.members.map((m) => m.signature)).toEqual(['name: string', 'rename(to: string): void']);
    expect(find(named.members, 'name').doc).toBe('The name.');
    expect(find(file.symbols, 'Pair')).toMatchObject({ kind: 'type', signature: 'type Pair = { left: number; right: number }' });
    expect(find(file.symbols, 'Pair').members.map((m) => m.name)).toEqual(['left', 'right']);
    expect(find(file.symbols, 'Color').members.map((m) => m.signature)).toEqual(["Red = 'red'", "Green = 'green'"]);
  });

  it('marks names exported through an export list', () => {
    expect(find(file.symbols, 'internal')).toMatchObject({ exported: true, exportedAs: ['visible'] });
  });

  it('lists re-exports as written and relative imports, dynamic ones included', () => {
    expect(file.reExports).toEqual([
      { from: './helpers.ts', names: ['helper', 'inner as outer'] },
      { from: './more', names: '*' },
      { from: './ns.js', names: ['* as ns'] },
    ]);
    expect(file.imports).toEqual(['./x.ts', '../y', './helpers.ts', './more', './ns.js', './lazy.ts']);
  });
});

describe('TypeScript extraction of other shapes', () => {
  it('takes a doc comment right above the first declaration as its doc, not as the summary', () => {
    const file = extractTypeScript('a.ts', '/** Adds. */\nexport function add() {}\n', 'typescript');
    expect(file.summary).toBeNull();
    expect(file.symbols[0].doc).toBe('Adds.');
  });

  it('skips a license header for the summary', () => {
    const file = extractTypeScript('a.ts', '/* Copyright 2024 Someone. MIT License */\n\n// What this is.\n\nexport const a = 1;\n', 'typescript');
    expect(file.summary).toBe('What this is.');
  });

  it('reads export =, export default of an expression, and CommonJS exports', () => {
    expect(extractTypeScript('a.ts', 'function f() {}\nexport = f;\n', 'typescript').symbols[0]).toMatchObject({ name: 'f', exported: true, exportedAs: ['export ='] });
    expect(extractTypeScript('a.ts', 'export default { a: 1 };\n', 'typescript').symbols[0]).toMatchObject({ name: 'default', signature: 'export default { a: 1 }', exported: true });
    const cjs = extractTypeScript('a.cjs', "const fs = require('./fs.cjs');\nfunction a() {}\nfunction b() {}\nmodule.exports = { a, c: b };\nexports.d = function (x) { return x; };\n", 'javascript');
    expect(cjs.symbols.map((s) => [s.name, s.exported, s.exportedAs ?? null])).toEqual([
      ['a', true, null],
      ['b', true, ['c']],
      ['d', true, null],
    ]);
    expect(find(cjs.symbols, 'd').signature).toBe('exports.d = function (x)');
    expect(cjs.imports).toEqual(['./fs.cjs']);
  });

  it('keeps decorators written before export, and reads module.exports = function/class', () => {
    const decorated = extractTypeScript('a.ts', '/** A service. */\n@Injectable()\nexport class Service {}\n', 'typescript');
    expect(decorated.symbols[0]).toMatchObject({ signature: '@Injectable()\nclass Service', doc: 'A service.', exported: true });
    const fn = extractTypeScript('a.js', '/** Runs. */\nmodule.exports = function run(a, b) { return a; };\n', 'javascript');
    expect(fn.symbols[0]).toMatchObject({ kind: 'function', name: 'run', signature: 'function run(a, b)', doc: 'Runs.', exported: true, exportedAs: ['module.exports'] });
    const cls = extractTypeScript('a.js', 'module.exports = class {\n  go() {}\n};\n', 'javascript');
    expect(cls.symbols[0]).toMatchObject({ kind: 'class', name: 'module.exports', signature: 'class' });
    expect(cls.symbols[0].members.map((m) => m.name)).toEqual(['go']);
  });

  it('lists constructor parameter properties as properties', () => {
    const file = extractTypeScript('a.ts', 'export class P {\n  constructor(public readonly name: string, private secret: string, protected age = 1, plain = 2) {}\n}\n', 'typescript');
    expect(file.symbols[0].members.map((m) => [m.kind, m.name, m.signature, m.exported])).toEqual([
      ['constructor', 'constructor', 'constructor(public readonly name: string, private secret: string, protected age = 1, plain = 2)', true],
      ['property', 'name', 'public readonly name: string', true],
      ['property', 'age', 'protected age = 1', false],
    ]);
  });

  it('reads JSX and namespaces', () => {
    const jsx = extractTypeScript('a.jsx', '/** A button. */\nexport function Button({ label }) { return <button>{label}</button>; }\n', 'javascript');
    expect(jsx.symbols[0]).toMatchObject({ name: 'Button', doc: 'A button.', signature: 'function Button({ label })' });
    const ns = extractTypeScript('a.d.ts', 'declare namespace Lib {\n  function go(): void;\n}\n', 'typescript');
    expect(ns.symbols[0]).toMatchObject({ kind: 'namespace', name: 'Lib', exported: true });
    expect(ns.symbols[0].members.map((m) => m.signature)).toEqual(['function go(): void']);
  });

  it('never throws on a syntax error and keeps what it could read', () => {
    const file = extractTypeScript('bad.ts', 'export function ok(): void {}\nexport class {{{ oops\n', 'typescript');
    expect(file.syntaxErrors).toBe(true);
    expect(file.symbols[0].name).toBe('ok');
  });
});
