// The one way the core sends mail. Callers depend on the `Mailer` interface only, so
// development writes .eml files, production talks SMTP and tests inspect memory,
// without any caller knowing which.
import { type Tracing, tracing } from '../telemetry/tracing.ts';
import { createFileMailer } from './file-mailer.ts';
import { MemoryMailer } from './memory-mailer.ts';
import { createSmtpMailer } from './smtp-mailer.ts';

/** A file carried by a mail. */
export interface MailAttachment {
  /** The name the recipient sees; cleaned before sending (last path segment, no control characters). */
  filename: string;
  contentType: string;
  content: Buffer;
  /**
   * Makes the attachment inline: the HTML body shows it as `<img src="cid:<contentId>">`.
   * Letters, digits and `._@-` only (it goes into a header between angle brackets).
   */
  contentId?: string;
}

export interface MailMessage {
  to: string;
  subject: string;
  text: string;
  html?: string;
  attachments?: MailAttachment[];
  /** stable id (e.g. an event id): sending twice with the same key must not produce two messages where the transport can prevent it */
  idempotencyKey?: string;
}

export interface Mailer {
  send(msg: MailMessage): Promise<void>;
  close(): Promise<void>;
}

export type MailTransport = 'file' | 'smtp' | 'memory';

export interface MailerConfig {
  transport: MailTransport;
  from: string;
  /** for file */
  dir?: string;
  /** for smtp */
  smtpUrl?: string;
}

export function createMailer(config: MailerConfig): Mailer {
  const mailer = createTransport(config);
  const tracer = tracing();
  return tracer ? traced(mailer, config.transport, tracer) : mailer;
}

/** A span per mail sent (decision 0024), with no recipient or subject: those are personal data. */
function traced(mailer: Mailer, transport: MailTransport, tracer: Tracing): Mailer {
  return {
    send: (msg) => tracer.inSpan('send mail', { kind: 'client', attributes: { 'trellis.mail.transport': transport } }, () => mailer.send(msg)),
    close: () => mailer.close(),
  };
}

function createTransport(config: MailerConfig): Mailer {
  switch (config.transport) {
    case 'file':
      if (!config.dir) throw new Error('file transport: dir is required');
      return createFileMailer(config.dir, config.from);
    case 'smtp':
      if (!config.smtpUrl) throw new Error('smtp transport: smtpUrl is required');
      return createSmtpMailer(config.smtpUrl, config.from);
    case 'memory':
      return new MemoryMailer(config.from);
    default:
      throw new Error(`unknown mail transport "${String((config as { transport: unknown }).transport)}"`);
  }
}

export { MemoryMailer };
export { MailError } from './mail-error.ts';
