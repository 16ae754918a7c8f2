// The default provider: the SMS is written to the log instead of being sent, so
// development and tests need no account anywhere.
import { randomUUID } from 'node:crypto';
import type { Logger } from '../../../core/log/logger.ts';
import type { SmsMessage, SmsProvider } from './provider.ts';

export function createLogSmsProvider(log: Logger): SmsProvider & { readonly sent: (SmsMessage & { id: string })[] } {
  const sent: (SmsMessage & { id: string })[] = [];
  return {
    name: 'log',
    sent,
    async send(message) {
      const id = `log-${randomUUID()}`;
      sent.push({ ...message, id });
      // Bounded so a long-running process holding the log provider does not grow forever.
      if (sent.length > 100) sent.shift();
      log.info({ sms: { id, to: message.to, body: message.body } }, 'SMS (log provider, not sent)');
      return { id };
    },
  };
}
