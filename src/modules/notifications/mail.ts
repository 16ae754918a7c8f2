// The notification email, in core's layout (decision 0034): one template for every type.
// Everything that comes from users (org names, URLs, user agents) is escaped in the HTML and
// folded to one line in both parts, so it cannot pose as a paragraph of ours.
import { html, oneLine, PRODUCT, paragraph, type RenderedMail, renderMail } from '../../core/mail/index.ts';

export interface MailContent {
  title: string;
  body: string;
  /** Label/value lines under the body (when, from where). */
  details?: [string, string][];
  /** Where the user manages these mails. */
  preferencesUrl: string;
}

export function notificationMail(c: MailContent): RenderedMail {
  const title = oneLine(c.title);
  const body = oneLine(c.body);
  const details = (c.details ?? []).map(([k, v]) => [oneLine(k), oneLine(v)] as const);
  const rows = details.map(([k, v]) => html`<tr><td style="padding:2px 12px 2px 0;color:#52606d;">${k}</td><td style="padding:2px 0;word-break:break-all;">${v}</td></tr>`);
  return renderMail({
    subject: title,
    text: [title, '', body, ...(details.length ? ['', ...details.map(([k, v]) => `${k}: ${v}`)] : [])],
    html: [
      html`<p style="margin:0 0 16px;font-weight:600;">${title}</p>`,
      paragraph(html`${body}`),
      ...(rows.length ? [html`<table role="presentation" cellpadding="0" cellspacing="0" style="margin:0 0 16px;font-size:14px;">${rows}</table>`] : []),
    ],
    footer: `You get this email because of your ${PRODUCT} notification settings. Change them at ${c.preferencesUrl}`,
  });
}
