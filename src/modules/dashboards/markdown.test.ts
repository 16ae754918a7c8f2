import { describe, expect, it } from 'vitest';
import { renderMarkdown } from './markdown.ts';

describe('renderMarkdown', () => {
  it('renders formatting, lists, tables and safe links', () => {
    const html = renderMarkdown('# Sales\n\n**bold** and [site](https://example.com)\n\n- a\n- b\n\n| x |\n|---|\n| 1 |');
    expect(html).toContain('<h1>Sales</h1>');
    expect(html).toContain('<strong>bold</strong>');
    expect(html).toContain('<a href="https://example.com" rel="noopener noreferrer nofollow" target="_blank">site</a>');
    expect(html).toContain('<li>a</li>');
    expect(html).toContain('<td>1</td>');
  });

  it.each([
    ['a script', '<script>alert(1)</script>hello', /<script|alert/],
    ['a javascript: link', '[x](javascript:alert(1))', /javascript:/i],
    ['a raw javascript: link', '<a href="JaVaScRiPt:alert(1)">x</a>', /javascript:/i],
    ['an event handler', '<p onclick="alert(1)">x</p><img src=x onerror=alert(1)>', /onclick|onerror|<img/],
    ['an SVG payload', '<svg><script>alert(1)</script><a xlink:href="javascript:alert(1)">x</a></svg>', /<svg|alert|xlink/],
    ['an iframe', '<iframe src="https://evil.example"></iframe>', /<iframe|evil/],
    ['a data: URL', '[x](data:text/html;base64,PHNjcmlwdD4=)', /data:/],
    ['a style', '<p style="background:url(javascript:alert(1))">x</p>', /style|javascript/],
  ])('strips %s', (_name, markdown, forbidden) => {
    expect(renderMarkdown(markdown)).not.toMatch(forbidden);
  });
});
