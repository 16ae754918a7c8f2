import { describe, expect, it } from 'vitest';
import { commentText, docstringText, MAX_DOC_CHARS, summaryOf } from './comments.ts';

describe('comment text', () => {
  it('strips block markers and leading stars, keeping tags and relative indentation', () => {
    expect(commentText('/**\n   * Adds.\n   *\n   * @param a the first\n   *   continued\n   */')).toBe('Adds.\n\n@param a the first\n  continued');
    expect(commentText('/** One line. */')).toBe('One line.');
    expect(commentText('/*!\n    Inner doc\n      indented\n*/')).toBe('Inner doc\n  indented');
  });

  it('strips line markers: ///, //!, //, #', () => {
    expect(commentText('/// Draws.\n/// Twice.\n')).toBe('Draws.\nTwice.');
    expect(commentText('//! Crate.\n\n//! More.')).toBe('Crate.\nMore.');
    expect(commentText('# Tools.\n#   - one')).toBe('Tools.\n  - one');
  });

  it('is null when nothing is left, and cuts overlong docs', () => {
    expect(commentText('/** */')).toBeNull();
    expect(commentText('//')).toBeNull();
    expect(commentText(`// ${'x'.repeat(MAX_DOC_CHARS + 10)}`)).toHaveLength(MAX_DOC_CHARS + 1);
  });
});

describe('docstrings', () => {
  it('remove quotes and prefixes and dedent as inspect.cleandoc does', () => {
    expect(docstringText('"""Summary.\n\n    Detail\n      more.\n    """')).toBe('Summary.\n\nDetail\n  more.');
    expect(docstringText("r'''Raw.'''")).toBe('Raw.');
    expect(docstringText('"Short."')).toBe('Short.');
    expect(docstringText('"""\n    Starts below.\n    """')).toBe('Starts below.');
  });
});

describe('file summary', () => {
  it('is the first comment that is neither a license header nor a declaration doc', () => {
    expect(summaryOf([{ text: 'Copyright 2024 A. All rights reserved.', ofDeclaration: false }, { text: 'What it does.', ofDeclaration: false }])).toBe('What it does.');
    expect(summaryOf([{ text: 'SPDX-License-Identifier: MIT', ofDeclaration: false }])).toBeNull();
    expect(summaryOf([{ text: 'The class.', ofDeclaration: true }])).toBeNull();
  });
});
