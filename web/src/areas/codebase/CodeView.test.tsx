// The code view: highlighted lines stay well-formed when a token spans lines, the code is
// escaped (never markup), the line asked for is marked; search snippets and chat citations are
// cut into pieces as text.
import { cleanup, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { CodeView } from './CodeView';
import { highlightLines, splitHtmlLines } from './highlight';
import { citationPieces, markPieces } from './marks';

afterEach(cleanup);

describe('highlighting', () => {
  it('closes and reopens a span that runs over lines', () => {
    expect(splitHtmlLines('a<span class="c">/* one\ntwo */</span>b\nc')).toEqual(['a<span class="c">/* one</span>', '<span class="c">two */</span>b', 'c']);
  });

  it('escapes the code: markup in a file stays text', () => {
    const lines = highlightLines('const s = "<script>alert(1)</script>";\n<b>x</b>', 'typescript');
    expect(lines.join('\n')).not.toContain('<script>');
    expect(lines.join('\n')).toContain('&lt;script&gt;');
    expect(highlightLines('<img src=x onerror=alert(1)>', null)).toEqual(['&lt;img src=x onerror=alert(1)&gt;']);
  });

  it('renders one item per line, the asked line marked', () => {
    render(<CodeView file={{ path: 'src/x.ts', snapshot: 1, size: 40, sha256: 'x', language: 'typescript', kind: 'text', text: '/* a\n b */\nconst x = 1;\n' }} line={3} />);
    const list = screen.getByRole('list', { name: 'src/x.ts, 3 lines' });
    const items = list.querySelectorAll('li');
    expect(items).toHaveLength(3);
    expect(items[1].textContent).toBe(' b */');
    expect(items[1].querySelector('.hljs-comment')).not.toBeNull();
    expect(items[2].getAttribute('aria-current')).toBe('true');
    expect(items[2].id).toBe('L3');
    expect(list.querySelector('.hljs-keyword')?.textContent).toBe('const');
  });
});

describe('pieces of text', () => {
  it('marks a snippet by its offsets, overlapping ones merged in order', () => {
    expect(markPieces('return items.reduce(x)', [{ start: 13, end: 19 }])).toEqual([
      { text: 'return items.', marked: false },
      { text: 'reduce', marked: true },
      { text: '(x)', marked: false },
    ]);
    expect(markPieces('abcdef', [{ start: 2, end: 4 }, { start: 0, end: 3 }])).toEqual([
      { text: 'abc', marked: true },
      { text: 'd', marked: true },
      { text: 'ef', marked: false },
    ]);
  });

  it('finds path:line citations in an answer, not times or URLs without a file', () => {
    expect(citationPieces('See src/x.ts:3 and web/App.tsx:12, not 10:30.')).toEqual([
      { text: 'See ' },
      { path: 'src/x.ts', line: 3, text: 'src/x.ts:3' },
      { text: ' and ' },
      { path: 'web/App.tsx', line: 12, text: 'web/App.tsx:12' },
      { text: ', not 10:30.' },
    ]);
  });
});
