// Picks the SMS provider from the configuration.
import type { Config } from '../../../core/config.ts';
import type { Logger } from '../../../core/log/logger.ts';
import { createLogSmsProvider } from './log-provider.ts';
import type { SmsProvider } from './provider.ts';
import { createTwilioSmsProvider } from './twilio-provider.ts';

export type { SmsMessage, SmsProvider } from './provider.ts';
export { SmsError } from './provider.ts';

export function createSmsProvider(config: Config, log: Logger): SmsProvider {
  if (config.smsProvider === 'twilio') {
    // loadConfig refuses twilio without these three.
    return createTwilioSmsProvider({ accountSid: config.twilioAccountSid!, authToken: config.twilioAuthToken!, from: config.smsFrom! });
  }
  return createLogSmsProvider(log);
}
