import { describe, expect, it } from 'vitest';
import { languageOf } from './languages.ts';

describe('languageOf', () => {
  it('reads the extension, then the whole name, case-insensitively', () => {
    expect(languageOf('src/app.ts')).toBe('typescript');
    expect(languageOf('lib/Main.JAVA')).toBe('java');
    expect(languageOf('docker/Dockerfile')).toBe('dockerfile');
    expect(languageOf('Makefile')).toBe('makefile');
    expect(languageOf('.gitignore')).toBe('gitignore');
  });

  it('reads the shebang of a file without a known extension', () => {
    expect(languageOf('bin/run', '#!/usr/bin/env python3\nprint(1)\n')).toBe('python');
    expect(languageOf('bin/run', '#!/bin/bash -e\n')).toBe('shell');
    expect(languageOf('bin/cli', '#!/usr/bin/env -S node --no-warnings\n')).toBe('javascript');
    expect(languageOf('logo.png', '#!/bin/sh\nrm -rf /\n')).toBe('shell');
  });

  it('answers null rather than guess', () => {
    expect(languageOf('LICENSE')).toBeNull();
    expect(languageOf('data.bin', '\u0000\u0001')).toBeNull();
    expect(languageOf('bin/x', '#!/opt/unknown-thing\n')).toBeNull();
    expect(languageOf('.ts')).toBeNull();
  });
});
