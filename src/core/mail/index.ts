export type { MailContent, RenderedMail, SafeHtml } from './layout.ts';
export { button, codeBlock, escapeHtml, html, linkFallback, oneLine, PRODUCT, paragraph, renderMail, spokenDuration, webLink } from './layout.ts';
export type { MailAttachment, MailMessage, Mailer, MailerConfig, MailTransport } from './mailer.ts';
export { createMailer, MailError, MemoryMailer } from './mailer.ts';
