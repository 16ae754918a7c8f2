// The auth module's mails (decision 0034): its own templates, rendered in core's layout.
import { describe, expect, it } from 'vitest';
import { escapeHtml } from '../../core/mail/index.ts';
import { oneTimeCodeMail, passwordResetMail, verificationMail } from './mail.ts';

const LINK = 'https://app.example.com/verify?token=abc&next=%2Fhome';

/** Core's layout: the HTML shell with the product name, and the sign-off then `footer` closing the text. */
function expectCoreLayout(mail: { text: string; html: string }, footer: RegExp) {
  expect(mail.html).toMatch(/^<!doctype html>/);
  expect(mail.html).toMatch(/">Trellis<\/td><\/tr>/);
  expect(mail.html).toMatch(new RegExp(`border-top:1px solid #e4e7eb;[^>]*>[^<]*${footer.source}[^<]*</td>`));
  expect(mail.text).toMatch(new RegExp(`\\n\\n— The Trellis team\\n\\n[^\\n]*${footer.source}[^\\n]*\\n$`));
}

describe('verificationMail', () => {
  it('carries the link and token in both bodies, in core’s layout, and says what to do if unexpected', () => {
    const m = verificationMail({ displayName: 'Ada', link: LINK, token: 'tok_123' });
    expect(m.subject).toBe('Confirm your email address for Trellis');
    expect(m.text).toContain(LINK);
    expect(m.text).toContain('tok_123');
    expect(m.html).toContain(`href="${escapeHtml(LINK)}"`);
    expect(m.html).toContain('tok_123');
    expectCoreLayout(m, /did not create a Trellis account/);
  });

  it('escapes markup in the display name', () => {
    const m = verificationMail({ displayName: '<script>alert("x")</script>', link: LINK, token: 't' });
    expect(m.html).not.toContain('<script>');
    expect(m.html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
    expect(m.text).toContain('<script>'); // plain text is not markup; nothing to escape there
  });

  it('folds line breaks in names so they cannot forge paragraphs', () => {
    const m = verificationMail({ displayName: 'Bob\n\nYour account is suspended, log in at evil.test', link: LINK, token: 't' });
    expect(m.text.split('\n')[0]).toBe('Hi Bob Your account is suspended, log in at evil.test,');
  });

  it('refuses links that are not http(s)', () => {
    expect(() => verificationMail({ displayName: 'Ada', link: 'javascript:alert(1)', token: 't' })).toThrow(/http/);
  });
});

describe('passwordResetMail', () => {
  it('states how long the link works', () => {
    const m = passwordResetMail({ displayName: 'Ada', link: LINK, token: 'tok', ttlMinutes: 30 });
    expect(m.subject).toBe('Reset your Trellis password');
    expect(m.text).toContain(LINK);
    expect(m.text).toContain('30 minutes');
    expect(m.html).toContain('30 minutes');
    expectCoreLayout(m, /did not ask to reset your password/);
    expect(passwordResetMail({ displayName: 'A', link: LINK, token: 't', ttlMinutes: 60 }).text).toContain('1 hour ');
  });
});

describe('oneTimeCodeMail', () => {
  it('shows the code in the bodies but not in the subject', () => {
    const m = oneTimeCodeMail({ code: '493817', ttlMinutes: 10 });
    expect(m.subject).not.toContain('493817');
    expect(m.text).toContain('493817');
    expect(m.html).toContain('493817');
    expect(m.text).toContain('10 minutes');
    expectCoreLayout(m, /did not try to sign in/);
  });
});
