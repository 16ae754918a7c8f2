// The notification email: one layout for every type, text and HTML. Everything that
// comes from users (org names, URLs, user agents) is escaped in the HTML and folded to one
// line in both, so it cannot pose as a paragraph of ours.
import { escapeHtml, htmlMailLayout, type RenderedMail } from '../../core/mail/index.ts';

const PRODUCT = 'Trellis';

export interface MailContent {
  title: string;
  body: string;
  /** Label/value lines under the body (when, from where). */
  details?: [string, string][];
  /** Where the user manages these mails. */
  preferencesUrl: string;
}

const oneLine = (value: string) => value.replace(/\s+/g, ' ').trim();

export function notificationMail(c: MailContent): RenderedMail {
  const title = oneLine(c.title);
  const body = oneLine(c.body);
  const details = (c.details ?? []).map(([k, v]) => [oneLine(k), oneLine(v)] as const);
  const footer = `You get this email because of your ${PRODUCT} notification settings. Change them at ${c.preferencesUrl}`;
  const text = [title, '', body, ...(details.length ? ['', ...details.map(([k, v]) => `${k}: ${v}`)] : []), '', `— The ${PRODUCT} team`, '', footer, ''].join('\n');
  const rows = details
    .map(([k, v]) => `<tr><td style="padding:2px 12px 2px 0;color:#52606d;">${escapeHtml(k)}</td><td style="padding:2px 0;word-break:break-all;">${escapeHtml(v)}</td></tr>`)
    .join('');
  const bodyHtml = [
    `<p style="margin:0 0 16px;font-weight:600;">${escapeHtml(title)}</p>`,
    `<p style="margin:0 0 16px;">${escapeHtml(body)}</p>`,
    rows ? `<table role="presentation" cellpadding="0" cellspacing="0" style="margin:0 0 16px;font-size:14px;">${rows}</table>` : '',
  ].join('\n');
  const html = htmlMailLayout(title, bodyHtml, footer);
  return { subject: title, text, html };
}
