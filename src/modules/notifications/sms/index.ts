// Picks the SMS provider from the module's settings.
import type { Logger } from '../../../core/log/logger.ts';
import type { SmsSettings } from '../settings.ts';
import { createLogSmsProvider } from './log-provider.ts';
import type { SmsProvider } from './provider.ts';
import { createTwilioSmsProvider } from './twilio-provider.ts';

export type { SmsMessage, SmsProvider } from './provider.ts';
export { SmsError } from './provider.ts';

export function createSmsProvider(settings: SmsSettings, log: Logger): SmsProvider {
  if (settings.provider === 'twilio') return createTwilioSmsProvider({ accountSid: settings.accountSid, authToken: settings.authToken, from: settings.from });
  return createLogSmsProvider(log);
}
