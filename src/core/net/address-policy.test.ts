import { describe, expect, it } from 'vitest';
import { embeddedIPv4, isBlockedHostname, isPublicAddress } from './address-policy.ts';
import { AllowListError, parseAllowList } from './allow-list.ts';

describe('isPublicAddress', () => {
  it('refuses every non-public IPv4 range', () => {
    for (const ip of [
      '0.0.0.0',
      '0.1.2.3',
      '10.0.0.1',
      '10.255.255.255',
      '100.64.0.1',
      '100.127.255.254',
      '127.0.0.1',
      '127.255.0.9',
      '169.254.169.254',
      '169.254.0.1',
      '172.16.0.1',
      '172.31.255.255',
      '192.0.0.8',
      '192.0.2.10',
      '192.168.1.1',
      '198.18.0.1',
      '198.19.255.255',
      '198.51.100.7',
      '203.0.113.9',
      '224.0.0.1',
      '239.255.255.250',
      '240.0.0.1',
      '255.255.255.255',
    ]) {
      expect(isPublicAddress(ip), ip).toBe(false);
    }
  });

  it('accepts public IPv4 addresses, including the neighbours of blocked ranges', () => {
    for (const ip of ['1.1.1.1', '8.8.8.8', '9.255.255.255', '11.0.0.1', '100.63.255.255', '100.128.0.1', '172.15.255.255', '172.32.0.1', '169.255.0.1', '192.169.0.1', '223.255.255.254']) {
      expect(isPublicAddress(ip), ip).toBe(true);
    }
  });

  it('refuses every non-public IPv6 range', () => {
    for (const ip of [
      '::',
      '::1',
      '[::1]',
      '::7f00:1', // IPv4-compatible (deprecated)
      'fe80::1',
      'fe80::1%eth0',
      'febf:ffff::1',
      'fc00::1',
      'fd12:3456:789a::1',
      'ff02::1',
      'ff05::1:3',
      'fec0::1',
      '2001:db8::1',
      '2001:0:4136:e378:8000:63bf:3fff:fdd2', // Teredo
      '100::1',
      '64:ff9b:1::a00:1',
    ]) {
      expect(isPublicAddress(ip), ip).toBe(false);
    }
  });

  it('refuses IPv4-mapped, NAT64 and 6to4 forms of non-public IPv4 addresses', () => {
    for (const ip of ['::ffff:127.0.0.1', '::ffff:7f00:1', '::ffff:169.254.169.254', '::ffff:a9fe:a9fe', '::ffff:10.0.0.1', '::ffff:192.168.0.1', '64:ff9b::7f00:1', '64:ff9b::169.254.169.254', '2002:a9fe:a9fe::1', '2002:c0a8:101::']) {
      expect(isPublicAddress(ip), ip).toBe(false);
    }
    for (const ip of ['::ffff:8.8.8.8', '64:ff9b::808:808', '2002:808:808::1']) expect(isPublicAddress(ip), ip).toBe(true);
  });

  it('accepts public IPv6 addresses', () => {
    for (const ip of ['2606:4700:4700::1111', '2a00:1450:4001:80b::200e', '2001:4860:4860::8888']) expect(isPublicAddress(ip), ip).toBe(true);
  });

  it('is false for anything that is not an IP address', () => {
    for (const v of ['', 'example.com', '1.2.3', '999.1.1.1', '::g']) expect(isPublicAddress(v), v).toBe(false);
  });

  it('reads the IPv4 address behind NAT64 and 6to4 prefixes', () => {
    expect(embeddedIPv4('64:ff9b::a9fe:a9fe')).toBe('169.254.169.254');
    expect(embeddedIPv4('64:ff9b::10.1.2.3')).toBe('10.1.2.3');
    expect(embeddedIPv4('2002:7f00:1::')).toBe('127.0.0.1');
    expect(embeddedIPv4('2606:4700::1111')).toBeNull();
  });
});

describe('isBlockedHostname', () => {
  it('refuses loopback, metadata, private-network and single-label names', () => {
    for (const name of ['localhost', 'LOCALHOST', 'localhost.', 'api.localhost', 'metadata.google.internal', 'metadata.goog', 'metadata', 'instance-data', 'db.internal', 'printer.local', 'nas.home.arpa', 'intranet', 'router.lan']) {
      expect(isBlockedHostname(name), name).toBe(true);
    }
  });

  it('leaves ordinary names and IP literals to the address check', () => {
    for (const name of ['example.com', 'hooks.example.org', 'local.example.com', '127.0.0.1', '[::1]']) expect(isBlockedHostname(name), name).toBe(false);
  });
});

describe('parseAllowList', () => {
  it('allows listed hosts, addresses and CIDR ranges only', () => {
    const allow = parseAllowList(['Hooks.Internal', '127.0.0.1', '10.1.0.0/16', 'fd00::/8', '::1']);
    expect(allow.allowsHost('hooks.internal')).toBe(true);
    expect(allow.allowsHost('other.internal')).toBe(false);
    expect(allow.allowsAddress('127.0.0.1')).toBe(true);
    expect(allow.allowsAddress('127.0.0.2')).toBe(false);
    expect(allow.allowsAddress('10.1.200.3')).toBe(true);
    expect(allow.allowsAddress('10.2.0.1')).toBe(false);
    expect(allow.allowsAddress('fd12::1')).toBe(true);
    expect(allow.allowsAddress('[::1]')).toBe(true);
    expect(allow.allowsAddress('::2')).toBe(false);
    expect(allow.allowsAddress('not-an-ip')).toBe(false);
  });

  it('ignores empty entries and refuses malformed ones', () => {
    expect(parseAllowList(['', ' ']).allowsAddress('127.0.0.1')).toBe(false);
    for (const bad of ['10.0.0.0/33', '::/129', '10.0.0.0/8/1', '10.0.0.0/x', 'http://example.com', 'exa mple.com', 'host/8', '-bad-.com']) {
      expect(() => parseAllowList([bad]), bad).toThrow(AllowListError);
    }
  });
});
