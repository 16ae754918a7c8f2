import { describe, expect, it } from 'vitest';
import { escapeHtml, invitationMail, oneTimeCodeMail, passwordResetMail, verificationMail } from './templates.ts';

const LINK = 'https://app.example.com/verify?token=abc&next=%2Fhome';

describe('verificationMail', () => {
  it('carries the link and token in both bodies and says what to do if unexpected', () => {
    const m = verificationMail({ displayName: 'Ada', link: LINK, token: 'tok_123' });
    expect(m.subject).toContain('Trellis');
    expect(m.text).toContain(LINK);
    expect(m.text).toContain('tok_123');
    expect(m.text).toMatch(/did not create a Trellis account/);
    expect(m.html).toContain(`href="${escapeHtml(LINK)}"`);
    expect(m.html).toContain('tok_123');
    expect(m.html).toMatch(/did not create a Trellis account/);
    expect(m.html).toMatch(/^<!doctype html>/);
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
    expect(() => verificationMail({ displayName: 'Ada', link: 'not a url', token: 't' })).toThrow(/URL/);
  });
});

describe('passwordResetMail', () => {
  it('states how long the link works', () => {
    const m = passwordResetMail({ displayName: 'Ada', link: LINK, token: 'tok', ttlMinutes: 30 });
    expect(m.subject).toBe('Reset your Trellis password');
    expect(m.text).toContain(LINK);
    expect(m.text).toContain('30 minutes');
    expect(m.text).toMatch(/did not ask to reset your password/);
    expect(m.html).toContain('30 minutes');
    expect(passwordResetMail({ displayName: 'A', link: LINK, token: 't', ttlMinutes: 60 }).text).toContain('1 hour ');
    expect(passwordResetMail({ displayName: 'A', link: LINK, token: 't', ttlMinutes: 1 }).text).toContain('1 minute ');
  });
});

describe('oneTimeCodeMail', () => {
  it('shows the code in the bodies but not in the subject', () => {
    const m = oneTimeCodeMail({ code: '493817', ttlMinutes: 10 });
    expect(m.subject).not.toContain('493817');
    expect(m.text).toContain('493817');
    expect(m.html).toContain('493817');
    expect(m.text).toContain('10 minutes');
    expect(m.text).toMatch(/did not try to sign in/);
  });
});

describe('invitationMail', () => {
  it('names inviter and organisation, escaped in HTML', () => {
    const m = invitationMail({ inviterName: 'Grace "G" Hopper', orgName: 'R&D <Labs>', link: LINK });
    expect(m.subject).toBe('Grace "G" Hopper invited you to join R&D <Labs> on Trellis');
    expect(m.text).toContain(LINK);
    expect(m.text).toMatch(/not expecting this invitation/);
    expect(m.html).toContain('Grace &quot;G&quot; Hopper');
    expect(m.html).toContain('R&amp;D &lt;Labs&gt;');
    expect(m.html).not.toContain('<Labs>');
  });
});

describe('escapeHtml', () => {
  it('escapes the five characters that matter in text and attributes', () => {
    expect(escapeHtml(`<a href="x" title='y'>&</a>`)).toBe('&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;');
  });
});
