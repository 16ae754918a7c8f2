import { marked } from 'marked';
import { describe, expect, it } from 'vitest';
import { checkedPage, defangMarkdown, isDefanged } from './defang.ts';
import { codeBlock, codeSpan, escapeInline, escapeText } from './markdown-escape.ts';

/** What a Markdown viewer would make of it. */
const html = (md: string) => marked.parse(md, { async: false, gfm: true });
const pages = (path: string) => (path === 'src/a.ts' ? 'files/src-a.ts.md' : path === 'modules/index.md' ? 'modules/index.md' : null);

describe('escaping text from the codebase', () => {
  it('keeps names, docs and code literal: no tag, link, heading, list or emphasis comes out', () => {
    const hostile = '<script>alert(1)</script> [x](javascript:alert(2)) *em* _u_ `tick` &lt; ![i](x.png) | pipe https://evil.example"\\> www.evil.example';
    for (const md of [escapeInline(hostile), escapeText(`# heading\n- item\n1. one\n\n${hostile}`), `# ${codeSpan(`${hostile} \`\`\` ${'`'.repeat(5)}`)}`, codeBlock(`\`\`\`\n${hostile}\n\`\`\`\``, 'ts')]) {
      const out = html(md);
      expect(out).not.toMatch(/<(script|a|img|em|li|h1 )|href=/);
      expect(isDefanged(md)).toBe(true);
    }
    expect(html(escapeInline('a <b> & c'))).toBe('<p>a &lt;b&gt; &amp; c</p>\n');
    expect(html(escapeText('# not a heading\n@param a the first\n\n1. not a list'))).toBe('<p># not a heading<br>@param a the first</p>\n<p>1. not a list</p>\n');
  });

  it('fences code with more backticks than the code holds', () => {
    expect(codeSpan('a`b')).toBe('``a`b``');
    expect(codeSpan('`x`')).toBe('`` `x` ``');
    expect(codeBlock('```\ninner\n```', 'Type Script<>')).toBe('````typescript\n```\ninner\n```\n````');
  });
});

describe('defangMarkdown', () => {
  it('keeps Markdown, shows raw HTML as text and keeps only web links and links to pages', () => {
    const md = '# Title\n\nSee [a](src/a.ts), [b](./src/a.ts#L3), [web](https://example.com/x), [mods](modules/index.md), [gone](docs/missing.md) and <https://example.com>.\n\n<b>bold</b> <img src=x onerror=alert(1)>\n\n```html\n<script>kept as code</script>\n```\n';
    const out = defangMarkdown(md, pages);
    expect(out).toBe(
      '# Title\n\nSee [a](files/src-a.ts.md), [b](files/src-a.ts.md), [web](https://example.com/x), [mods](modules/index.md), gone and <https://example.com>.\n\n&lt;b>bold&lt;/b> &lt;img src=x onerror=alert(1)>\n\n```html\n<script>kept as code</script>\n```\n',
    );
    expect(html(out)).not.toMatch(/<(b|img|script)\b/);
  });

  it('drops every other target: schemes, entities, escapes, definitions, images, protocol-relative', () => {
    const md = '[a](javascript:alert(1)) [b](JaVaScRiPt:alert(1)) [c](&#106;avascript:alert(1)) [d](java\\script:x) [e](data:text/html,x) [f](//evil.example) ![g](https://t.example/p.png) [h][r] <javascript:alert(1)> [i](<javascript:x>)\n\n[r]: javascript:alert(1)\n';
    const out = defangMarkdown(md, pages);
    expect(html(out)).not.toMatch(/href|<img|<script/);
    expect(out).toContain('a b c d e f g');
  });

  it('sees through escaped backticks and links around code: HTML never gets past, at worst the text is shown as code', () => {
    for (const md of ['\\`<img src=x onerror=alert(1)>\\`', '[a `b`](javascript:alert(1))', '`` ` <script>alert(1)</script>', '[x](javascript:alert(1) "t")', '<a href="javascript:alert(1)">x</a>']) {
      const out = defangMarkdown(md, pages);
      expect(isDefanged(out)).toBe(true);
      expect(html(out)).not.toMatch(/<(img|script|a)\b/);
    }
  });

  it('moves headings down when asked (a README under the overview)', () => {
    expect(defangMarkdown('# A\n\n###### F\n\n```\n# code\n```', pages, { shiftHeadings: 2 })).toBe('### A\n\n###### F\n\n```\n# code\n```');
  });
});

describe('checkedPage', () => {
  it('writes a page that still holds HTML or a foreign link as a code block', () => {
    expect(checkedPage('fine [p](../files/a.md)').markdown).toBe('fine [p](../files/a.md)');
    const bad = checkedPage('<script>alert(1)</script>');
    expect(bad.markdown).toBe('```markdown\n<script>alert(1)</script>\n```');
    expect(bad.tokens.map((t) => t.type)).toEqual(['code']);
  });
});
