// The organizations module's mail (decision 0034): the invitation, rendered in core's layout.
import { describe, expect, it } from 'vitest';
import { invitationMail } from './mail.ts';

describe('invitationMail', () => {
  it('names inviter and organisation, escaped in HTML, in core’s layout', () => {
    const link = 'https://app.example.com/invitations/accept?token=abc';
    const m = invitationMail({ inviterName: 'Grace "G" Hopper', orgName: 'R&D <Labs>', link });
    expect(m.subject).toBe('Grace "G" Hopper invited you to join R&D <Labs> on Trellis');
    expect(m.text).toContain(link);
    expect(m.html).toContain('<strong>Grace &quot;G&quot; Hopper</strong>');
    expect(m.html).toContain('R&amp;D &lt;Labs&gt;');
    expect(m.html).not.toContain('<Labs>');
    expect(m.html).toMatch(/^<!doctype html>/);
    expect(m.text).toMatch(/\n— The Trellis team\n\nIf you were not expecting this invitation, you can ignore this email; nothing happens unless you accept\.\n$/);
  });
});
