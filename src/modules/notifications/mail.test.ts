// The notification email (decision 0034): the module's template, in core's layout.
import { describe, expect, it } from 'vitest';
import { notificationMail } from './mail.ts';

describe('notificationMail', () => {
  const m = notificationMail({
    title: 'New sign-in\nto your account',
    body: 'From a <new> device',
    details: [['Browser', 'Evil <script>\n\nClick here']],
    preferencesUrl: 'https://app.example.com/settings/notifications',
  });

  it('folds what came from users to one line and escapes it in HTML', () => {
    expect(m.subject).toBe('New sign-in to your account');
    expect(m.html).toContain('From a &lt;new&gt; device');
    expect(m.html).toContain('>Evil &lt;script&gt; Click here</td>');
    expect(m.html).not.toContain('<script>');
    expect(m.text).toContain('Browser: Evil <script> Click here');
  });

  it('is in core’s layout, with the preferences link as its footer', () => {
    expect(m.html).toMatch(/^<!doctype html>/);
    expect(m.html).toContain('<title>New sign-in to your account</title>');
    expect(m.text).toMatch(/\n— The Trellis team\n\nYou get this email because of your Trellis notification settings\. Change them at https:\/\/app\.example\.com\/settings\/notifications\n$/);
  });
});
