// The mail the organizations module sends, in core's layout (decision 0034): an invitation.
import { button, html, linkFallback, oneLine, PRODUCT, paragraph, type RenderedMail, renderMail, webLink } from '../../core/mail/index.ts';

export function invitationMail(v: { inviterName: string; orgName: string; link: string }): RenderedMail {
  const inviter = oneLine(v.inviterName);
  const org = oneLine(v.orgName);
  const link = webLink(v.link);
  return renderMail({
    subject: `${inviter} invited you to join ${org} on ${PRODUCT}`,
    text: ['Hi,', '', `${inviter} has invited you to join ${org} on ${PRODUCT}. Accept the invitation here:`, '', link],
    html: [
      paragraph(html`Hi,`),
      paragraph(html`<strong>${inviter}</strong> has invited you to join <strong>${org}</strong> on ${PRODUCT}.`),
      button(link, 'Accept invitation'),
      linkFallback(link),
    ],
    footer: 'If you were not expecting this invitation, you can ignore this email; nothing happens unless you accept.',
  });
}
