// The notifications module's slice of the configuration (decision 0034): the SMS provider and
// the heartbeat of the realtime stream.
import { ConfigError, defineSettings, oneOf, optional, type SettingsOf, secondsAtMost, setting, text } from '../../core/settings.ts';

export type SmsSettings = { provider: 'log' } | { provider: 'twilio'; accountSid: string; authToken: string; from: string };

export const notificationsSettings = defineSettings(
  {
    smsProvider: setting('SMS_PROVIDER', 'log', oneOf('log', 'twilio'), 'Sends notification SMS: `log` writes them to the log, `twilio` sends them through Twilio.'),
    twilioAccountSid: setting('TWILIO_ACCOUNT_SID', '', optional(text), 'Twilio account SID (with `SMS_PROVIDER=twilio`).'),
    twilioAuthToken: setting('TWILIO_AUTH_TOKEN', '', optional(text), 'Twilio auth token (with `SMS_PROVIDER=twilio`).'),
    smsFrom: setting('SMS_FROM', '', optional(text), 'Sender of SMS: an E.164 number, alphanumeric sender id or messaging service SID (with `SMS_PROVIDER=twilio`).'),
    streamHeartbeat: setting(
      'STREAM_HEARTBEAT',
      '15s',
      secondsAtMost(50),
      'Interval of heartbeat comments on open `/api/v1/stream` connections (at most 50s, below the 60 s idle timeout).',
    ),
  },
  (v) => ({ sms: smsOf(v), streamHeartbeatMs: v.streamHeartbeat * 1000 }),
);

/** Twilio needs its three credentials: each one missing is named. */
function smsOf(v: { smsProvider: 'log' | 'twilio'; twilioAccountSid?: string; twilioAuthToken?: string; smsFrom?: string }): SmsSettings {
  if (v.smsProvider === 'log') return { provider: 'log' };
  const required = { TWILIO_ACCOUNT_SID: v.twilioAccountSid, TWILIO_AUTH_TOKEN: v.twilioAuthToken, SMS_FROM: v.smsFrom };
  const missing = Object.entries(required).filter(([, value]) => !value);
  if (missing.length) throw ConfigError.of(missing.map(([variable]) => ({ variable, message: 'is required when SMS_PROVIDER=twilio' })));
  return { provider: 'twilio', accountSid: v.twilioAccountSid!, authToken: v.twilioAuthToken!, from: v.smsFrom! };
}

export type NotificationsSettings = SettingsOf<typeof notificationsSettings>;
