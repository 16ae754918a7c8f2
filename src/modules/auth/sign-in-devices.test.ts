import { describe, expect, it } from 'vitest';
import { deviceFingerprint, isNewDeviceAlert, networkOf, userAgentFamily } from './sign-in-devices.ts';

const CHROME_120 = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.6099.109 Safari/537.36';
const CHROME_121 = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/121.0.6167.85 Safari/537.36';
const FIREFOX = 'Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0';

describe('device fingerprints', () => {
  it('a browser update is the same device', () => {
    expect(userAgentFamily(CHROME_120)).toBe(userAgentFamily(CHROME_121));
    expect(deviceFingerprint(CHROME_120, '203.0.113.7')).toBe(deviceFingerprint(CHROME_121, '203.0.113.7'));
  });

  it('another browser is another device', () => {
    expect(deviceFingerprint(CHROME_120, '203.0.113.7')).not.toBe(deviceFingerprint(FIREFOX, '203.0.113.7'));
  });

  it('another address in the same IPv4 /24 is the same device; another /24 is not', () => {
    expect(deviceFingerprint(FIREFOX, '203.0.113.7')).toBe(deviceFingerprint(FIREFOX, '203.0.113.200'));
    expect(deviceFingerprint(FIREFOX, '203.0.113.7')).not.toBe(deviceFingerprint(FIREFOX, '203.0.114.7'));
  });

  it('IPv6 is grouped by /48, and IPv4-mapped addresses count as IPv4', () => {
    expect(networkOf('2001:db8:abcd:12::1')).toBe('2001:db8:abcd::/48');
    expect(networkOf('2001:0db8:abcd:0034:0:0:0:1')).toBe('2001:db8:abcd::/48');
    expect(networkOf('2001:db8::1')).toBe('2001:db8:0::/48');
    expect(networkOf('::ffff:198.51.100.9')).toBe('198.51.100.0/24');
    expect(networkOf('not an address')).toBe('unknown');
    expect(networkOf(null)).toBe('unknown');
  });

  it('missing user agent and IP still give a stable fingerprint', () => {
    expect(deviceFingerprint(null, null)).toBe(deviceFingerprint(undefined, ''));
    expect(deviceFingerprint(null, null)).toMatch(/^[0-9a-f]{64}$/);
  });

  it('alerts only for an unknown device of a user who already has known devices', () => {
    expect(isNewDeviceAlert(0, false)).toBe(false); // first sign-in ever
    expect(isNewDeviceAlert(2, true)).toBe(false); // a known device
    expect(isNewDeviceAlert(1, false)).toBe(true); // a new one
  });
});
