// The mails the auth module sends, in core's layout (decision 0034): the verification of an
// address, the password reset and the sign-in code.
import { button, codeBlock, html, linkFallback, oneLine, PRODUCT, paragraph, type RenderedMail, renderMail, spokenDuration, webLink } from '../../core/mail/index.ts';

export function verificationMail(v: { displayName: string; link: string; token: string }): RenderedMail {
  const name = oneLine(v.displayName);
  const link = webLink(v.link);
  return renderMail({
    subject: `Confirm your email address for ${PRODUCT}`,
    text: [`Hi ${name},`, '', `Please confirm your email address to finish setting up your ${PRODUCT} account:`, '', link, '', 'If the link does not work, enter this code instead:', v.token],
    html: [
      paragraph(html`Hi ${name},`),
      paragraph(html`Please confirm your email address to finish setting up your ${PRODUCT} account.`),
      button(link, 'Confirm email address'),
      paragraph(html`If the button does not work, enter this code instead:`),
      codeBlock(v.token),
      linkFallback(link),
    ],
    footer: `If you did not create a ${PRODUCT} account, you can ignore this email; no account will be activated.`,
  });
}

export function passwordResetMail(v: { displayName: string; link: string; token: string; ttlMinutes: number }): RenderedMail {
  const name = oneLine(v.displayName);
  const link = webLink(v.link);
  const ttl = spokenDuration(v.ttlMinutes);
  return renderMail({
    subject: `Reset your ${PRODUCT} password`,
    text: [
      `Hi ${name},`,
      '',
      `We received a request to reset the password of your ${PRODUCT} account. Choose a new one here (the link works for ${ttl} and only once):`,
      '',
      link,
      '',
      'If the link does not work, enter this code instead:',
      v.token,
    ],
    html: [
      paragraph(html`Hi ${name},`),
      paragraph(html`We received a request to reset the password of your ${PRODUCT} account. The link works for ${ttl} and only once.`),
      button(link, 'Choose a new password'),
      paragraph(html`If the button does not work, enter this code instead:`),
      codeBlock(v.token),
      linkFallback(link),
    ],
    footer: 'If you did not ask to reset your password, you can ignore this email; your password stays as it is.',
  });
}

export function oneTimeCodeMail(v: { code: string; ttlMinutes: number }): RenderedMail {
  const ttl = spokenDuration(v.ttlMinutes);
  const warning = `It expires in ${ttl}. Never share it with anyone; ${PRODUCT} will never ask you for it.`;
  return renderMail({
    // The code stays out of the subject: subjects show on lock screens and in relay logs.
    subject: `Your ${PRODUCT} sign-in code`,
    text: [`Your ${PRODUCT} sign-in code is:`, '', v.code, '', warning],
    html: [paragraph(html`Your ${PRODUCT} sign-in code is:`), codeBlock(v.code), paragraph(html`${warning}`)],
    footer: `If you did not try to sign in to ${PRODUCT}, ignore this email and consider changing your password: someone may know it.`,
  });
}
