export type { MailMessage, Mailer, MailerConfig, MailTransport } from './mailer.ts';
export { createMailer, MailError, MemoryMailer } from './mailer.ts';
export type { RenderedMail } from './templates.ts';
export { escapeHtml, htmlMailLayout, invitationMail, oneTimeCodeMail, passwordResetMail, verificationMail } from './templates.ts';
