import { createHash } from 'node:crypto';
import type { SendMailOptions } from 'nodemailer';
import { displayName } from '../storage/file-names.ts';
import type { MailAttachment, MailMessage } from './mailer.ts';

const SAFE_KEY = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * An idempotency key reduced to [A-Za-z0-9_-] so it can name a file and form a Message-ID.
 * Keys that had to change get a hash suffix: "a.b" and "a_b" must not collapse into one
 * key, or the second message would be dropped as a duplicate of the first.
 */
export function safeKey(key: string): string {
  if (SAFE_KEY.test(key)) return key;
  const digest = createHash('sha256').update(key).digest('hex').slice(0, 16);
  return key.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 64) + '-' + digest;
}

/** Same key, same Message-ID: receiving systems can then recognise a resend as a duplicate. */
export function messageIdFor(key: string, from: string): string {
  const domain = /@([A-Za-z0-9.-]+)>?\s*$/.exec(from)?.[1] ?? 'trellis.local';
  return `<${safeKey(key)}@${domain}>`;
}

const CONTENT_ID = /^[A-Za-z0-9._@-]{1,100}$/;

/**
 * The attachments as they are sent, whatever the transport: each name reduced to its last path
 * segment without control or bidi characters (a name is only ever shown, never a path on the
 * recipient's disk), each content id checked, since it is written into a header as it is.
 */
export function cleanAttachments(attachments: readonly MailAttachment[] | undefined): MailAttachment[] | undefined {
  if (attachments === undefined) return undefined;
  return attachments.map((a) => {
    if (a.contentId !== undefined && !CONTENT_ID.test(a.contentId)) throw new Error('attachment contentId must be 1 to 100 of [A-Za-z0-9._@-]');
    return { ...a, filename: displayName(a.filename) };
  });
}

export function toMailOptions(from: string, msg: MailMessage): SendMailOptions {
  const attachments = cleanAttachments(msg.attachments);
  return {
    from,
    to: msg.to,
    subject: msg.subject,
    text: msg.text,
    ...(msg.html === undefined ? {} : { html: msg.html }),
    ...(attachments?.length
      ? {
          // With a content id the part is `inline` and the HTML shows it (`cid:`); without, a file to save.
          attachments: attachments.map((a) => ({
            filename: a.filename,
            contentType: a.contentType,
            content: a.content,
            ...(a.contentId === undefined ? { contentDisposition: 'attachment' as const } : { cid: a.contentId, contentDisposition: 'inline' as const }),
          })),
        }
      : {}),
    ...(msg.idempotencyKey === undefined ? {} : { messageId: messageIdFor(msg.idempotencyKey, from) }),
  };
}
