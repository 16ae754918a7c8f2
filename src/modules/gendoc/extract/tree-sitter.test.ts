import { describe, expect, it } from 'vitest';
import type { CodeSymbol } from '../model.ts';
import { extractWithTreeSitter } from './tree-sitter.ts';

const find = (symbols: CodeSymbol[], name: string) => {
  const found = symbols.find((s) => s.name === name);
  if (!found) throw new Error(`no symbol ${name} in ${symbols.map((s) => s.name).join(', ')}`);
  return found;
};

describe('Python', () => {
  const SOURCE = `#!/usr/bin/env python
"""Money helpers.

Amounts are in minor units."""
import os
from .sub import thing
from .. import sibling
from .pkg.mod import x as y

__all__ = ['Wallet', 'add', 'MAX']

MAX: int = 5
LIMIT = 10
logger = object()

@dataclass
class Wallet(Base):
    """A wallet.

        Indented detail.
    """
    owner: str = ""

    def __init__(self, owner):
        self.owner = owner

    @property
    def total(self) -> int:
        '''The total.'''
        return 0

    async def _refresh(self): pass

def add(a: int, *args, b: str = "x", **kw) -> int:
    """Adds."""
    return a

def helper():
    pass
`;

  it('reads the module docstring, functions, classes, methods and constants', async () => {
    const file = await extractWithTreeSitter('pkg/money.py', SOURCE, 'python');
    expect(file.summary).toBe('Money helpers.\n\nAmounts are in minor units.');
    expect(file.symbols.map((s) => [s.kind, s.name, s.exported])).toEqual([
      ['variable', 'MAX', true],
      ['variable', 'LIMIT', false],
      ['class', 'Wallet', true],
      ['function', 'add', true],
      ['function', 'helper', false],
    ]);
    expect(find(file.symbols, 'MAX').signature).toBe('MAX: int = 5');
    const add = find(file.symbols, 'add');
    expect(add).toMatchObject({ signature: 'def add(a: int, *args, b: str = "x", **kw) -> int', doc: 'Adds.', line: 34 });
    const wallet = find(file.symbols, 'Wallet');
    expect(wallet).toMatchObject({ signature: '@dataclass\nclass Wallet(Base)', doc: 'A wallet.\n\nIndented detail.', line: 16 });
    expect(wallet.members.map((m) => [m.kind, m.name, m.exported])).toEqual([
      ['attribute', 'owner', true],
      ['method', '__init__', true],
      ['method', 'total', true],
      ['method', '_refresh', false],
    ]);
    expect(find(wallet.members, 'total')).toMatchObject({ signature: '@property\ndef total(self) -> int', doc: 'The total.' });
    expect(find(wallet.members, '_refresh').signature).toBe('async def _refresh(self)');
    expect(file.imports).toEqual(['./sub', '../sibling', './pkg/mod']);
  });

  it('without __all__, public means no leading underscore; leading # comments are the summary', async () => {
    const file = await extractWithTreeSitter('a.py', '# -*- coding: utf-8 -*-\n# Tools for a.\n\ndef run():\n    pass\n\ndef _hidden():\n    pass\n', 'python');
    expect(file.summary).toBe('Tools for a.');
    expect(file.symbols.map((s) => [s.name, s.exported])).toEqual([
      ['run', true],
      ['_hidden', false],
    ]);
  });

  it('reads definitions inside top-level if/try blocks once', async () => {
    const source = 'try:\n    import fast\nexcept ImportError:\n    def speed():\n        """Slow."""\nif sys.platform == "win32":\n    def path():\n        pass\nelse:\n    def path():\n        pass\n';
    const file = await extractWithTreeSitter('a.py', source, 'python');
    expect(file.symbols.map((s) => [s.name, s.doc, s.line])).toEqual([
      ['speed', 'Slow.', 4],
      ['path', null, 7],
    ]);
  });

  it('keeps what it can read from a file with a syntax error', async () => {
    const file = await extractWithTreeSitter('bad.py', 'def ok():\n    pass\n\ndef broken(:\n', 'python');
    expect(file.syntaxErrors).toBe(true);
    expect(file.symbols[0].name).toBe('ok');
  });
});

describe('Go', () => {
  const SOURCE = `// Copyright 2024 The Authors. All rights reserved.

//go:build linux

// Package server serves things.
package server

import "fmt"

// Server serves.
type Server struct {
	// Addr is where.
	Addr string
	port int
	io.Reader
}

// Start starts.
func (s *Server) Start(x int) (err error) {
	return nil
}

type Runner interface {
	// Run runs.
	Run(ctx context.Context) error
}

type (
	// ID identifies.
	ID = string
	count int
)

// Helper helps.
func Helper[T any](a T) T { return a }

func (o *Other) Go() {}

// Max is the most.
const Max = 10

var (
	A, b = 1, 2
)
`;

  it('reads the package doc, functions, types with members and methods under their type', async () => {
    const file = await extractWithTreeSitter('server/server.go', SOURCE, 'go');
    expect(file.summary).toBe('Package server serves things.');
    expect(file.symbols.map((s) => [s.kind, s.name, s.exported])).toEqual([
      ['struct', 'Server', true],
      ['interface', 'Runner', true],
      ['type', 'ID', true],
      ['type', 'count', false],
      ['function', 'Helper', true],
      ['const', 'Max', true],
      ['variable', 'A', true],
      ['variable', 'b', false],
      ['method', 'Other.Go', true],
    ]);
    const server = find(file.symbols, 'Server');
    expect(server).toMatchObject({ signature: 'type Server struct', doc: 'Server serves.', line: 11 });
    expect(server.members.map((m) => [m.kind, m.name, m.exported, m.doc])).toEqual([
      ['field', 'Addr', true, 'Addr is where.'],
      ['field', 'port', false, null],
      ['field', 'Reader', true, null],
      ['method', 'Start', true, 'Start starts.'],
    ]);
    expect(find(server.members, 'Start').signature).toBe('func (s *Server) Start(x int) (err error)');
    const runner = find(file.symbols, 'Runner');
    expect(runner.signature).toBe('type Runner interface');
    expect(runner.members).toMatchObject([{ kind: 'method', name: 'Run', signature: 'Run(ctx context.Context) error', doc: 'Run runs.' }]);
    expect(find(file.symbols, 'ID')).toMatchObject({ signature: 'type ID = string', doc: 'ID identifies.' });
    expect(find(file.symbols, 'Helper')).toMatchObject({ signature: 'func Helper[T any](a T) T', doc: 'Helper helps.' });
    expect(find(file.symbols, 'Max')).toMatchObject({ signature: 'const Max = 10', doc: 'Max is the most.' });
    expect(find(file.symbols, 'A').signature).toBe('var A, b = 1, 2');
  });
});

describe('Java', () => {
  const SOURCE = `/*
 * Copyright 2020 Someone. Licensed under the Apache License.
 */
package com.example;

import java.util.List;

/**
 * A greeter.
 * @param <T> what it greets
 */
@Deprecated
public class Greeter<T> extends Base implements Runnable {
  /** The name. */
  private final String name;
  public static int COUNT = 0, OTHER;
  /** Makes one. */
  public Greeter(String name) { this.name = name; }
  /**
   * Greets.
   * @param who whom
   * @return text
   */
  public String greet(String who) throws IOException { return "hi"; }
  void hidden() {}
  public interface Inner { void run(); }
  enum Color { RED, GREEN; public int code() { return 1; } }
}

interface Shape { double area(); }
record Point(int x, int y) {}
`;

  it('reads types with their members, Javadoc with tags, and public-ness', async () => {
    const file = await extractWithTreeSitter('src/Greeter.java', SOURCE, 'java');
    expect(file.summary).toBeNull();
    expect(file.symbols.map((s) => [s.kind, s.name, s.exported])).toEqual([
      ['class', 'Greeter', true],
      ['interface', 'Shape', false],
      ['record', 'Point', false],
    ]);
    const greeter = find(file.symbols, 'Greeter');
    expect(greeter).toMatchObject({ signature: '@Deprecated\npublic class Greeter<T> extends Base implements Runnable', doc: 'A greeter.\n@param <T> what it greets', line: 12 });
    expect(greeter.members.map((m) => [m.kind, m.name, m.exported])).toEqual([
      ['field', 'name', false],
      ['field', 'COUNT', true],
      ['field', 'OTHER', true],
      ['constructor', 'Greeter', true],
      ['method', 'greet', true],
      ['method', 'hidden', false],
      ['interface', 'Inner', true],
      ['enum', 'Color', false],
    ]);
    expect(find(greeter.members, 'greet')).toMatchObject({ signature: 'public String greet(String who) throws IOException', doc: 'Greets.\n@param who whom\n@return text' });
    expect(find(greeter.members, 'COUNT').signature).toBe('public static int COUNT = 0');
    expect(find(greeter.members, 'name')).toMatchObject({ signature: 'private final String name', doc: 'The name.' });
    expect(find(greeter.members, 'Inner').members).toMatchObject([{ name: 'run', exported: true }]);
    expect(find(greeter.members, 'Color').members.map((m) => m.name)).toEqual(['RED', 'GREEN', 'code']);
    expect(find(file.symbols, 'Point').signature).toBe('record Point(int x, int y)');
  });

  it('takes a comment above the package as the summary', async () => {
    const file = await extractWithTreeSitter('package-info.java', '/** Greeting utilities. */\npackage com.example;\n', 'java');
    expect(file.summary).toBe('Greeting utilities.');
  });
});

describe('Rust', () => {
  const SOURCE = `//! Geometry.
//! Points and shapes.

use std::fmt;

/// A point.
#[derive(Debug)]
pub struct Point {
    /// X coord.
    pub x: i32,
    y: i32,
}

pub enum Shape { Circle(f64), Square { side: f64 } }

/// Drawable things.
pub trait Draw {
    /// Draws.
    fn draw(&self) -> String;
    fn size(&self) -> u32 { 1 }
}

impl Point {
    /// New point.
    pub fn new(x: i32, y: i32) -> Self { Point { x, y } }
    fn secret(&self) {}
}

impl fmt::Display for Point {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result { Ok(()) }
}

/// Adds.
pub fn add<T: Copy>(a: T, b: T) -> T where T: std::ops::Add<Output = T> { a + b }
pub const MAX: u32 = 5;
pub(crate) static NAME: &str = "x";
pub type Res<T> = Result<T, Error>;
mod inner { pub fn f() {} }
pub mod other;
`;

  it('reads items, fields, variants, trait and impl members, docs and pub', async () => {
    const file = await extractWithTreeSitter('src/geo.rs', SOURCE, 'rust');
    expect(file.summary).toBe('Geometry.\nPoints and shapes.');
    expect(file.symbols.map((s) => [s.kind, s.name, s.exported])).toEqual([
      ['struct', 'Point', true],
      ['enum', 'Shape', true],
      ['trait', 'Draw', true],
      ['impl', 'Point', true],
      ['impl', 'fmt::Display for Point', true],
      ['function', 'add', true],
      ['const', 'MAX', true],
      ['static', 'NAME', false],
      ['type', 'Res', true],
      ['module', 'inner', false],
      ['module', 'other', true],
    ]);
    const point = find(file.symbols, 'Point');
    expect(point).toMatchObject({ signature: 'pub struct Point', doc: 'A point.', line: 8 });
    expect(point.members.map((m) => [m.name, m.exported, m.doc])).toEqual([
      ['x', true, 'X coord.'],
      ['y', false, null],
    ]);
    expect(find(file.symbols, 'Shape').members.map((m) => m.signature)).toEqual(['Circle(f64)', 'Square { side: f64 }']);
    expect(find(file.symbols, 'Draw').members.map((m) => [m.name, m.signature, m.doc])).toEqual([
      ['draw', 'fn draw(&self) -> String', 'Draws.'],
      ['size', 'fn size(&self) -> u32', null],
    ]);
    const impls = file.symbols.filter((s) => s.kind === 'impl');
    expect(impls[0].members.map((m) => [m.name, m.exported, m.doc])).toEqual([
      ['new', true, 'New point.'],
      ['secret', false, null],
    ]);
    expect(impls[1].members[0]).toMatchObject({ name: 'fmt', exported: true });
    expect(find(file.symbols, 'add')).toMatchObject({ signature: 'pub fn add<T: Copy>(a: T, b: T) -> T where T: std::ops::Add<Output = T>', doc: 'Adds.' });
    expect(find(file.symbols, 'MAX').signature).toBe('pub const MAX: u32 = 5');
    expect(find(file.symbols, 'inner').members[0]).toMatchObject({ name: 'f', exported: true });
  });

  it('frees its trees: parses in a row do not grow the process (a kept tree of this file is ~7 MB)', async () => {
    const big = 'def f(a):\n    return [a, a + 1, {"x": a}]\n'.repeat(2000);
    await extractWithTreeSitter('a.py', big, 'python');
    const before = process.memoryUsage().rss;
    for (let i = 0; i < 30; i++) await extractWithTreeSitter('a.py', big, 'python');
    expect(process.memoryUsage().rss - before).toBeLessThan(100 * 1024 * 1024);
  });
});
