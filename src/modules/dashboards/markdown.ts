// A text widget's Markdown as HTML a browser may insert as is: `marked` renders, `sanitize-html`
// keeps an allow-list of plain formatting tags and http(s)/mailto links. Scripts, iframes, SVG,
// event handler attributes, styles and `javascript:` URLs never survive.
import { marked } from 'marked';
import sanitizeHtml from 'sanitize-html';

const OPTIONS: sanitizeHtml.IOptions = {
  allowedTags: ['h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'p', 'br', 'hr', 'blockquote', 'pre', 'code', 'em', 'strong', 'del', 's', 'ul', 'ol', 'li', 'a', 'table', 'thead', 'tbody', 'tr', 'th', 'td'],
  allowedAttributes: { a: ['href', 'title'], th: ['align'], td: ['align'] },
  allowedSchemes: ['http', 'https', 'mailto'],
  allowProtocolRelative: false,
  // Links leave the dashboard's page without telling the target where they came from.
  transformTags: { a: sanitizeHtml.simpleTransform('a', { rel: 'noopener noreferrer nofollow', target: '_blank' }) },
  disallowedTagsMode: 'discard',
};
// simpleTransform's attributes must be allowed to be kept.
(OPTIONS.allowedAttributes as Record<string, string[]>).a.push('rel', 'target');

export function renderMarkdown(markdown: string): string {
  const html = marked.parse(markdown, { async: false, gfm: true });
  return sanitizeHtml(html, OPTIONS);
}
