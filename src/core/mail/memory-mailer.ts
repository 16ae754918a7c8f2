import { MailError } from './mail-error.ts';
import type { MailMessage, Mailer } from './mailer.ts';
import { cleanAttachments } from './message.ts';

/** Keeps sent mail in an array, for tests and for running without any mail set-up. */
export class MemoryMailer implements Mailer {
  readonly sent: Array<MailMessage & { from: string }> = [];
  readonly #from: string;
  #failuresLeft = 0;
  #failure: Error | undefined;
  #closed = false;

  constructor(from = 'Trellis <no-reply@trellis.local>') {
    this.#from = from;
  }

  /** The next `n` sends reject (with `error`, or a MailError), to simulate an outage. */
  failNext(n: number, error?: Error): void {
    this.#failuresLeft = n;
    this.#failure = error;
  }

  async send(msg: MailMessage): Promise<void> {
    if (this.#closed) throw new MailError('memory', 'mailer is closed');
    if (this.#failuresLeft > 0) {
      this.#failuresLeft--;
      throw this.#failure ?? new MailError('memory', 'simulated failure');
    }
    if (msg.idempotencyKey !== undefined && this.sent.some((m) => m.idempotencyKey === msg.idempotencyKey)) return;
    // A copy, so a caller reusing its object cannot rewrite what was "sent"; attachments as the
    // other transports send them (names cleaned), kept whole so tests can look inside.
    let attachments: MailMessage['attachments'];
    try {
      attachments = cleanAttachments(msg.attachments);
    } catch (err) {
      throw new MailError('memory', (err as Error).message);
    }
    this.sent.push({ ...msg, ...(attachments === undefined ? {} : { attachments }), from: this.#from });
  }

  async close(): Promise<void> {
    this.#closed = true;
  }
}
