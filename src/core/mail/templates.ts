// Transactional mail of the core, as plain functions: each returns a subject, a text body
// and an HTML body. No template engine: the few layouts needed do not justify one, and a
// tagged template makes escaping the default rather than something to remember.

export interface RenderedMail {
  subject: string;
  text: string;
  html: string;
}

const PRODUCT = 'Trellis';

/** Markup that is already safe to insert; anything else interpolated into `html` is escaped. */
interface SafeHtml {
  readonly __html: string;
}

type HtmlValue = string | number | SafeHtml | readonly SafeHtml[];

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ENTITIES[c]);
}

function html(strings: TemplateStringsArray, ...values: HtmlValue[]): SafeHtml {
  let out = strings[0];
  values.forEach((v, i) => {
    out += render(v) + strings[i + 1];
  });
  return { __html: out };
}

function render(v: HtmlValue): string {
  if (typeof v === 'string') return escapeHtml(v);
  if (typeof v === 'number') return escapeHtml(String(v));
  if (Array.isArray(v)) return v.map((x) => x.__html).join('');
  return (v as SafeHtml).__html;
}

/**
 * Names come from users. Folding line breaks keeps a name like "Bob\n\nAlso visit ..."
 * from starting paragraphs of its own in a mail that looks like it came from us.
 */
function oneLine(value: string): string {
  return value.replace(/\s+/g, ' ').trim();
}

/** Links go into href attributes, where escaping does not stop `javascript:`; only web links are allowed. */
function webLink(link: string): string {
  let url: URL;
  try {
    url = new URL(link);
  } catch {
    throw new Error('mail template: link is not a valid URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new Error('mail template: link must be http or https');
  return url.href;
}

function plural(n: number, unit: string): string {
  return `${n} ${unit}${n === 1 ? '' : 's'}`;
}

/** "15 minutes", "1 hour", "2 days": a TTL as a person would say it. */
function duration(minutes: number): string {
  if (minutes >= 1440 && minutes % 1440 === 0) return plural(minutes / 1440, 'day');
  if (minutes >= 60 && minutes % 60 === 0) return plural(minutes / 60, 'hour');
  return plural(minutes, 'minute');
}

const FONT = "-apple-system,BlinkMacSystemFont,'Segoe UI',Helvetica,Arial,sans-serif";

const p = (content: SafeHtml): SafeHtml => html`<p style="margin:0 0 16px;">${content}</p>`;

const button = (link: string, label: string): SafeHtml =>
  html`<p style="margin:24px 0;"><a href="${link}" style="display:inline-block;padding:12px 24px;background:#2f6f4f;color:#ffffff;text-decoration:none;border-radius:6px;font-weight:600;">${label}</a></p>`;

const codeBlock = (code: string): SafeHtml =>
  html`<p style="margin:16px 0 24px;font-family:Menlo,Consolas,monospace;font-size:22px;letter-spacing:2px;word-break:break-all;">${code}</p>`;

/** The fallback for clients that block buttons: the same link, visible and selectable. */
const linkFallback = (link: string): SafeHtml =>
  p(
    html`<span style="color:#52606d;font-size:13px;">If the button does not work, copy this link into your browser:<br><a href="${link}" style="color:#2f6f4f;word-break:break-all;">${link}</a></span>`,
  );

/** Tables and inline styles because mail clients ignore <style> blocks and most of CSS layout. */
function layout(title: string, body: SafeHtml[], footer: string): string {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title>
</head>
<body style="margin:0;padding:0;background:#f4f5f7;">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="background:#f4f5f7;padding:24px 12px;">
<tr><td align="center">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="max-width:560px;background:#ffffff;border-radius:8px;font-family:${FONT};color:#1f2933;font-size:15px;line-height:1.6;">
<tr><td style="padding:24px 32px 8px;font-size:20px;font-weight:700;color:#2f6f4f;">${PRODUCT}</td></tr>
<tr><td style="padding:8px 32px 16px;">${body}</td></tr>
<tr><td style="padding:16px 32px 24px;border-top:1px solid #e4e7eb;color:#7b8794;font-size:13px;">${footer}</td></tr>
</table>
</td></tr>
</table>
</body>
</html>
`.__html;
}

/**
 * The same layout for mails composed elsewhere (notifications): `bodyHtml` must already be
 * escaped; the title and the footer are escaped here.
 */
export function htmlMailLayout(title: string, bodyHtml: string, footer: string): string {
  return layout(title, [{ __html: bodyHtml }], footer);
}

function textMail(lines: string[]): string {
  return lines.join('\n') + `\n\n— The ${PRODUCT} team\n`;
}

export function verificationMail(v: { displayName: string; link: string; token: string }): RenderedMail {
  const name = oneLine(v.displayName);
  const link = webLink(v.link);
  const subject = `Confirm your email address for ${PRODUCT}`;
  const ignore = `If you did not create a ${PRODUCT} account, you can ignore this email; no account will be activated.`;
  return {
    subject,
    text: textMail([
      `Hi ${name},`,
      '',
      `Please confirm your email address to finish setting up your ${PRODUCT} account:`,
      '',
      link,
      '',
      'If the link does not work, enter this code instead:',
      v.token,
      '',
      ignore,
    ]),
    html: layout(
      subject,
      [
        p(html`Hi ${name},`),
        p(html`Please confirm your email address to finish setting up your ${PRODUCT} account.`),
        button(link, 'Confirm email address'),
        p(html`If the button does not work, enter this code instead:`),
        codeBlock(v.token),
        linkFallback(link),
      ],
      ignore,
    ),
  };
}

export function passwordResetMail(v: { displayName: string; link: string; token: string; ttlMinutes: number }): RenderedMail {
  const name = oneLine(v.displayName);
  const link = webLink(v.link);
  const ttl = duration(v.ttlMinutes);
  const subject = `Reset your ${PRODUCT} password`;
  const ignore = 'If you did not ask to reset your password, you can ignore this email; your password stays as it is.';
  return {
    subject,
    text: textMail([
      `Hi ${name},`,
      '',
      `We received a request to reset the password of your ${PRODUCT} account. Choose a new one here (the link works for ${ttl} and only once):`,
      '',
      link,
      '',
      'If the link does not work, enter this code instead:',
      v.token,
      '',
      ignore,
    ]),
    html: layout(
      subject,
      [
        p(html`Hi ${name},`),
        p(html`We received a request to reset the password of your ${PRODUCT} account. The link works for ${ttl} and only once.`),
        button(link, 'Choose a new password'),
        p(html`If the button does not work, enter this code instead:`),
        codeBlock(v.token),
        linkFallback(link),
      ],
      ignore,
    ),
  };
}

export function oneTimeCodeMail(v: { code: string; ttlMinutes: number }): RenderedMail {
  const ttl = duration(v.ttlMinutes);
  // The code stays out of the subject: subjects show on lock screens and in relay logs.
  const subject = `Your ${PRODUCT} sign-in code`;
  const ignore = `If you did not try to sign in to ${PRODUCT}, ignore this email and consider changing your password: someone may know it.`;
  return {
    subject,
    text: textMail([
      `Your ${PRODUCT} sign-in code is:`,
      '',
      v.code,
      '',
      `It expires in ${ttl}. Never share it with anyone; ${PRODUCT} will never ask you for it.`,
      '',
      ignore,
    ]),
    html: layout(
      subject,
      [
        p(html`Your ${PRODUCT} sign-in code is:`),
        codeBlock(v.code),
        p(html`It expires in ${ttl}. Never share it with anyone; ${PRODUCT} will never ask you for it.`),
      ],
      ignore,
    ),
  };
}

export function invitationMail(v: { inviterName: string; orgName: string; link: string }): RenderedMail {
  const inviter = oneLine(v.inviterName);
  const org = oneLine(v.orgName);
  const link = webLink(v.link);
  const subject = `${inviter} invited you to join ${org} on ${PRODUCT}`;
  const ignore = 'If you were not expecting this invitation, you can ignore this email; nothing happens unless you accept.';
  return {
    subject,
    text: textMail([
      'Hi,',
      '',
      `${inviter} has invited you to join ${org} on ${PRODUCT}. Accept the invitation here:`,
      '',
      link,
      '',
      ignore,
    ]),
    html: layout(
      subject,
      [
        p(html`Hi,`),
        p(html`<strong>${inviter}</strong> has invited you to join <strong>${org}</strong> on ${PRODUCT}.`),
        button(link, 'Accept invitation'),
        linkFallback(link),
      ],
      ignore,
    ),
  };
}
