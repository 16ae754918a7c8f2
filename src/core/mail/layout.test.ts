// Core's mail layout (decision 0034): every module's mail is rendered through renderMail, which
// wraps the body in the HTML shell and puts the sign-off and the footer under the text.
import { describe, expect, it } from 'vitest';
import { button, codeBlock, escapeHtml, html, linkFallback, paragraph, renderMail, spokenDuration, webLink } from './layout.ts';

const LINK = 'https://app.example.com/verify?token=abc&next=%2Fhome';

describe('renderMail', () => {
  const mail = renderMail({
    subject: 'Your shelf is full',
    text: ['Hi <Ada>,', '', 'Your shelf is full.'],
    html: [paragraph(html`Hi ${'<Ada>'},`), paragraph(html`Your shelf is full.`), button(LINK, 'Open the shelf')],
    footer: 'You get this because you own a shelf & a key.',
  });

  it('puts the body in the HTML shell, with the product name above and the footer below, escaped', () => {
    expect(mail.subject).toBe('Your shelf is full');
    expect(mail.html).toMatch(/^<!doctype html>/);
    expect(mail.html).toContain('<title>Your shelf is full</title>');
    expect(mail.html).toMatch(/font-weight:700;color:#2f6f4f;">Trellis<\/td>/);
    expect(mail.html).toContain('Hi &lt;Ada&gt;,');
    expect(mail.html).toContain(`href="${escapeHtml(LINK)}"`);
    // The footer closes the card, after the body.
    expect(mail.html).toMatch(/border-top:1px solid #e4e7eb;[^>]*>You get this because you own a shelf &amp; a key\.<\/td>/);
    expect(mail.html.indexOf('Your shelf is full.')).toBeLessThan(mail.html.indexOf('You get this'));
  });

  it('ends the text with the sign-off, then the footer; plain text is not escaped', () => {
    expect(mail.text).toBe('Hi <Ada>,\n\nYour shelf is full.\n\n— The Trellis team\n\nYou get this because you own a shelf & a key.\n');
  });

  it('titles the HTML document with `title` when given', () => {
    expect(renderMail({ subject: 's', title: 'A title', text: [], html: [], footer: 'f' }).html).toContain('<title>A title</title>');
  });
});

describe('blocks', () => {
  it('escape what they are given; a code block and the link fallback show their text', () => {
    expect(codeBlock('<1>').__html).toContain('&lt;1&gt;');
    expect(linkFallback(LINK).__html).toContain(`>${escapeHtml(LINK)}</a>`);
  });

  it('refuse links that are not http(s)', () => {
    expect(() => webLink('javascript:alert(1)')).toThrow(/http/);
    expect(() => webLink('not a url')).toThrow(/URL/);
    expect(webLink(LINK)).toBe(LINK);
  });

  it('say durations as a person would', () => {
    expect([spokenDuration(1), spokenDuration(30), spokenDuration(60), spokenDuration(120), spokenDuration(1440), spokenDuration(90)]).toEqual([
      '1 minute',
      '30 minutes',
      '1 hour',
      '2 hours',
      '1 day',
      '90 minutes',
    ]);
  });
});

describe('escapeHtml', () => {
  it('escapes the five characters that matter in text and attributes', () => {
    expect(escapeHtml(`<a href="x" title='y'>&</a>`)).toBe('&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;');
  });
});
