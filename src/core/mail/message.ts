import { createHash } from 'node:crypto';
import type { SendMailOptions } from 'nodemailer';
import type { MailMessage } from './mailer.ts';

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

export function toMailOptions(from: string, msg: MailMessage): SendMailOptions {
  return {
    from,
    to: msg.to,
    subject: msg.subject,
    text: msg.text,
    ...(msg.html === undefined ? {} : { html: msg.html }),
    ...(msg.idempotencyKey === undefined ? {} : { messageId: messageIdFor(msg.idempotencyKey, from) }),
  };
}
