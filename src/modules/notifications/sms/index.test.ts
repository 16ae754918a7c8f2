// SMS settings, in the notifications module's slice: the provider is chosen by SMS_PROVIDER,
// and twilio without its credentials stops start-up with each missing variable named.
import { describe, expect, it } from 'vitest';
import { ConfigError, parseSlice } from '../../../core/settings.ts';
import { createLogger } from '../../../core/log/logger.ts';
import { notificationsSettings } from '../settings.ts';
import { createSmsProvider } from './index.ts';

const twilio = { SMS_PROVIDER: 'twilio', TWILIO_ACCOUNT_SID: 'AC123', TWILIO_AUTH_TOKEN: 'token', SMS_FROM: '+15005550006' };
const log = createLogger('silent');
const parse = (env: Record<string, string>) => parseSlice(notificationsSettings, env);

/** The ConfigError parsing `env` throws; fails the test if none is thrown. */
function refusal(env: Record<string, string>): ConfigError {
  try {
    parse(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error(`accepted ${JSON.stringify(env)}`);
}

describe('SMS settings', () => {
  it('defaults to the log provider and a 15 s heartbeat', () => {
    const settings = parse({});
    expect(settings).toEqual({ sms: { provider: 'log' }, streamHeartbeatMs: 15_000 });
    expect(createSmsProvider(settings.sms, log).name).toBe('log');
  });

  it('selects twilio when its credentials are all set', () => {
    const settings = parse(twilio);
    expect(settings.sms).toEqual({ provider: 'twilio', accountSid: 'AC123', authToken: 'token', from: '+15005550006' });
    expect(createSmsProvider(settings.sms, log).name).toBe('twilio');
  });

  it.each(['TWILIO_ACCOUNT_SID', 'TWILIO_AUTH_TOKEN', 'SMS_FROM'])('refuses twilio without %s', (missing) => {
    const env: Record<string, string> = { ...twilio };
    delete env[missing];
    expect(refusal(env).message).toBe(`${missing}: is required when SMS_PROVIDER=twilio`);
  });

  it('names every missing credential, one line each', () => {
    expect(refusal({ SMS_PROVIDER: 'twilio', SMS_FROM: '+15005550006' }).issues).toEqual([
      { variable: 'TWILIO_ACCOUNT_SID', message: 'is required when SMS_PROVIDER=twilio' },
      { variable: 'TWILIO_AUTH_TOKEN', message: 'is required when SMS_PROVIDER=twilio' },
    ]);
  });

  it('refuses an unknown provider and a heartbeat too long for the idle timeout', () => {
    expect(refusal({ SMS_PROVIDER: 'pigeon' }).message).toMatch(/^SMS_PROVIDER: must be one of log, twilio/);
    expect(refusal({ STREAM_HEARTBEAT: '2m' }).message).toMatch(/^STREAM_HEARTBEAT: must be at most 50s/);
    expect(parse({ STREAM_HEARTBEAT: '5s' }).streamHeartbeatMs).toBe(5000);
  });
});
