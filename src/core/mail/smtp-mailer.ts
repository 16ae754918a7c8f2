import { Buffer } from 'node:buffer';
import { createTransport } from 'nodemailer';
import { MailError, toMailError } from './mail-error.ts';
import type { Mailer } from './mailer.ts';
import { toMailOptions } from './message.ts';

export function createSmtpMailer(smtpUrl: string, from: string): Mailer {
  const secrets = credentialForms(smtpUrl);
  // nodemailer's defaults (2 min connect, 10 min idle socket) would hold an event
  // delivery far longer than its lease; fail fast and let the outbox retry instead.
  // Values given in the URL's query (?socketTimeout=...) still take precedence.
  const transporter = createTransport({
    url: smtpUrl,
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 30_000,
    disableFileAccess: true,
    disableUrlAccess: true,
  });
  let closed = false;

  return {
    async send(msg) {
      if (closed) throw new MailError('smtp', 'mailer is closed');
      try {
        // SMTP cannot refuse a duplicate, but the Message-ID derived from the key lets
        // receiving servers and clients collapse a resend into the original.
        await transporter.sendMail(toMailOptions(from, msg));
      } catch (err) {
        throw toMailError('smtp', err, secrets);
      }
    },
    async close() {
      closed = true;
      transporter.close();
    },
  };
}

/**
 * Every shape in which the URL's credentials could surface in an error text: as written,
 * percent-decoded, and base64-encoded the way AUTH LOGIN and AUTH PLAIN put them on the wire.
 * Short user names are left alone; redacting "a" everywhere would ruin the message for nothing.
 */
function credentialForms(smtpUrl: string): string[] {
  let url: URL;
  try {
    url = new URL(smtpUrl);
  } catch {
    return [];
  }
  const decode = (s: string) => {
    try {
      return decodeURIComponent(s);
    } catch {
      return s;
    }
  };
  const user = decode(url.username);
  const pass = decode(url.password);
  const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');
  const forms: string[] = [];
  if (pass) forms.push(url.password, pass, b64(pass), b64(`\0${user}\0${pass}`), b64(`${user}\0${user}\0${pass}`));
  if (user.length >= 3) forms.push(url.username, user, b64(user));
  return forms;
}
