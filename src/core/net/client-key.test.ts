import { describe, expect, it } from 'vitest';
import { clientKey } from './client-key.ts';

describe('clientKey', () => {
  it('keeps an IPv4 address', () => {
    expect(clientKey('198.18.0.7')).toBe('198.18.0.7');
  });

  it('reads an IPv4-mapped IPv6 address as its IPv4 address', () => {
    expect(clientKey('::ffff:198.18.0.7')).toBe('198.18.0.7');
    expect(clientKey('::FFFF:c612:7')).toBe('198.18.0.7');
  });

  it('counts every address of an IPv6 /64 as one client, however it is written', () => {
    const key = '2001:db8:1:2::/64';
    for (const ip of ['2001:db8:1:2::1', '2001:db8:1:2:ffff:ffff:ffff:ffff', '2001:0DB8:0001:0002:0000:0000:0000:0009', '2001:db8:1:2::7%eth0']) {
      expect(clientKey(ip), ip).toBe(key);
    }
    expect(clientKey('2001:db8:1:3::1')).toBe('2001:db8:1:3::/64');
    expect(clientKey('::1')).toBe('::/64');
  });

  it('keeps what is not an address as it is, lowercased', () => {
    expect(clientKey('Unknown')).toBe('unknown');
  });
});
