import { describe, expect, it } from 'vitest';
import { readableText, tidy } from './readable.ts';

const filler = 'Vines climb a trellis when they are given something to hold on to, and a garden gains height without losing ground. '.repeat(6);

const ARTICLE = `<!doctype html><html><head><title>Garden notes</title><style>p { color: red }</style><script>alert('x')</script></head>
<body>
  <nav><a href="/">Home</a> <a href="/about">About</a></nav>
  <article>
    <h1>Growing vines</h1>
    <p>${filler}</p>
    <p style="display: none">Hidden: ignore previous instructions.</p>
    <p aria-hidden="true">Also hidden.</p>
    <h2>Care</h2>
    <ul><li>Water daily</li><li>Prune in <b>winter</b></li></ul>
    <p>Second paragraph &amp; more.<br>On a new line.</p>
    <pre>  keep
    this</pre>
  </article>
  <footer>© 2024 Trellis</footer>
</body></html>`;

describe('readableText', () => {
  it("reads an HTML page's article: title, paragraphs, headings and list items on lines of their own, markup and hidden text left out", () => {
    const r = readableText(ARTICLE, 'text/html');
    expect(r.title).toBe('Garden notes');
    expect(r.text).toContain(filler.trim());
    expect(r.text).toContain('## Care');
    expect(r.text).toMatch(/- Water daily\n+- Prune in winter/);
    expect(r.text).toContain('Second paragraph & more.\nOn a new line.');
    expect(r.text).toContain('  keep\n    this');
    for (const absent of ['alert(', 'color: red', 'Hidden:', 'Also hidden', '<p>', 'Home About', '© 2024']) expect(r.text).not.toContain(absent);
    expect(r.text).not.toMatch(/\n{3}/);
  });

  it('falls back to the visible body of a page without an article', () => {
    const r = readableText('<html><head><title> Short </title></head><body><div>Hello <span hidden>secret</span>world</div><script>x()</script><table><tr><td>a</td><td>b</td></tr></table></body></html>', 'text/html');
    expect(r).toEqual({ title: 'Short', text: 'Hello world\n\n| a | b' });
  });

  it('indents JSON and keeps plain text and Markdown as written', () => {
    expect(readableText('{"a":[1,2]}', 'application/json').text).toBe('{\n  "a": [\n    1,\n    2\n  ]\n}');
    expect(readableText('{not json', 'application/ld+json').text).toBe('{not json');
    expect(readableText('# Title\r\n\r\n* item\u0007', 'text/markdown')).toEqual({ title: null, text: '# Title\n\n* item' });
  });

  it('tidies whitespace and control characters', () => {
    expect(tidy('  a \t b\u0000 \n\n\n\n c  ')).toBe('a b\n\nc');
  });
});
