// SMS settings: the provider is chosen by SMS_PROVIDER, and twilio without its credentials
// stops start-up with the variable named.
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../../core/config.ts';
import { createLogger } from '../../../core/log/logger.ts';
import { createSmsProvider } from './index.ts';

const base = { NODE_ENV: 'production', JWT_SECRET: 'x'.repeat(40), DATA_DIR: '/tmp/trellis-test-unused' };
const twilio = { SMS_PROVIDER: 'twilio', TWILIO_ACCOUNT_SID: 'AC123', TWILIO_AUTH_TOKEN: 'token', SMS_FROM: '+15005550006' };
const log = createLogger('silent');

describe('SMS settings', () => {
  it('defaults to the log provider', () => {
    const config = loadConfig(base);
    expect(config.smsProvider).toBe('log');
    expect(createSmsProvider(config, log).name).toBe('log');
  });

  it('selects twilio when its credentials are all set', () => {
    const config = loadConfig({ ...base, ...twilio });
    expect(createSmsProvider(config, log).name).toBe('twilio');
  });

  it.each(['TWILIO_ACCOUNT_SID', 'TWILIO_AUTH_TOKEN', 'SMS_FROM'])('refuses twilio without %s', (missing) => {
    const env: Record<string, string> = { ...base, ...twilio };
    delete env[missing];
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(new RegExp(`^${missing}: is required when SMS_PROVIDER=twilio`));
  });

  it('refuses an unknown provider and a heartbeat too long for the idle timeout', () => {
    expect(() => loadConfig({ ...base, SMS_PROVIDER: 'pigeon' })).toThrow(/^SMS_PROVIDER: must be one of log, twilio/);
    expect(() => loadConfig({ ...base, STREAM_HEARTBEAT: '2m' })).toThrow(/^STREAM_HEARTBEAT: must be at most 50s/);
    expect(loadConfig({ ...base, STREAM_HEARTBEAT: '5s' }).streamHeartbeat).toBe(5);
  });
});
