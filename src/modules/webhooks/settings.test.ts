// The webhooks module's slice: WEBHOOK_ALLOWED_HOSTS becomes the allow-list the delivery checks
// addresses with; a malformed entry stops start-up naming the variable.
import { describe, expect, it } from 'vitest';
import { ConfigError, parseSlice } from '../../core/settings.ts';
import { webhooksSettings } from './settings.ts';

const parse = (env: Record<string, string>) => parseSlice(webhooksSettings, env);

describe('WEBHOOK_ALLOWED_HOSTS', () => {
  it('is parsed into an allow-list, empty by default', () => {
    expect(parse({}).allow.entries).toEqual([]);
    const { allow } = parse({ WEBHOOK_ALLOWED_HOSTS: ' hooks.internal , 10.0.0.0/8,::1 ' });
    expect(allow.allowsHost('hooks.internal')).toBe(true);
    expect(allow.allowsAddress('10.1.2.3')).toBe(true);
    expect(allow.allowsAddress('::1')).toBe(true);
    expect(allow.allowsAddress('192.168.0.1')).toBe(false);
  });

  it('stops start-up with an error naming the variable when an entry is malformed', () => {
    expect(() => parse({ WEBHOOK_ALLOWED_HOSTS: '10.0.0.0/33' })).toThrow(ConfigError);
    expect(() => parse({ WEBHOOK_ALLOWED_HOSTS: 'ok.example,http://x' })).toThrow(/^WEBHOOK_ALLOWED_HOSTS: /);
  });
});

describe('WEBHOOK_DISABLE_AFTER', () => {
  it('defaults to 5 and refuses 0', () => {
    expect(parse({}).disableAfter).toBe(5);
    expect(() => parse({ WEBHOOK_DISABLE_AFTER: '0' })).toThrow(/^WEBHOOK_DISABLE_AFTER: must be between 1 and 1000, got 0$/);
  });
});
