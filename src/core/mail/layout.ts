// The look of every mail, owned by core: the HTML shell (product name, body, footer) and the
// text's sign-off and footer. The templates belong to the modules that send them (decision
// 0034): each composes its subject, body and footer from the blocks here and renders them with
// `renderMail`, so every mail has the same layout. No template engine: a tagged template makes
// escaping the default rather than something to remember.

export interface RenderedMail {
  subject: string;
  text: string;
  html: string;
}

/** The product name mails speak in. */
export const PRODUCT = 'Trellis';

/** Markup that is already safe to insert; anything else interpolated into `html` is escaped. */
export interface SafeHtml {
  readonly __html: string;
}

type HtmlValue = string | number | SafeHtml | readonly SafeHtml[];

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ENTITIES[c]);
}

/** Markup with every interpolated value escaped (SafeHtml values and lists are inserted as they are). */
export function html(strings: TemplateStringsArray, ...values: HtmlValue[]): SafeHtml {
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
export function oneLine(value: string): string {
  return value.replace(/\s+/g, ' ').trim();
}

/** Links go into href attributes, where escaping does not stop `javascript:`; only web links are allowed. */
export function webLink(link: string): string {
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
export function spokenDuration(minutes: number): string {
  if (minutes >= 1440 && minutes % 1440 === 0) return plural(minutes / 1440, 'day');
  if (minutes >= 60 && minutes % 60 === 0) return plural(minutes / 60, 'hour');
  return plural(minutes, 'minute');
}

const FONT = "-apple-system,BlinkMacSystemFont,'Segoe UI',Helvetica,Arial,sans-serif";

/** A paragraph. */
export const paragraph = (content: SafeHtml): SafeHtml => html`<p style="margin:0 0 16px;">${content}</p>`;

/** The mail's one call to action. */
export const button = (link: string, label: string): SafeHtml =>
  html`<p style="margin:24px 0;"><a href="${link}" style="display:inline-block;padding:12px 24px;background:#2f6f4f;color:#ffffff;text-decoration:none;border-radius:6px;font-weight:600;">${label}</a></p>`;

/** A code or token to type in, large and spaced. */
export const codeBlock = (code: string): SafeHtml =>
  html`<p style="margin:16px 0 24px;font-family:Menlo,Consolas,monospace;font-size:22px;letter-spacing:2px;word-break:break-all;">${code}</p>`;

/** The fallback for clients that block buttons: the same link, visible and selectable. */
export const linkFallback = (link: string): SafeHtml =>
  paragraph(
    html`<span style="color:#52606d;font-size:13px;">If the button does not work, copy this link into your browser:<br><a href="${link}" style="color:#2f6f4f;word-break:break-all;">${link}</a></span>`,
  );

/** Tables and inline styles because mail clients ignore <style> blocks and most of CSS layout. */
function layout(title: string, body: readonly SafeHtml[], footer: string): string {
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

export interface MailContent {
  subject: string;
  /** The HTML body: blocks made with `html` and the helpers above, so what came from users is escaped. */
  html: readonly SafeHtml[];
  /** The text body, an entry a line. */
  text: readonly string[];
  /** Why the recipient gets this mail, or what to do if it was unexpected: the HTML footer and the text's last paragraph. */
  footer: string;
  /** The HTML document's title; the subject by default. */
  title?: string;
}

/** A mail in core's layout: the HTML shell around the body, the sign-off and the footer under the text. */
export function renderMail(c: MailContent): RenderedMail {
  return {
    subject: c.subject,
    text: [...c.text, '', `— The ${PRODUCT} team`, '', c.footer, ''].join('\n'),
    html: layout(c.title ?? c.subject, c.html, c.footer),
  };
}
