import { describe, expect, it } from 'vitest';
import { parseAllowList } from './allow-list.ts';
import { assertPublicUrl, REFUSAL_MESSAGES, type Resolver, UrlNotAllowedError } from './ssrf-guard.ts';

/** A fake DNS: name -> addresses. */
const dns =
  (table: Record<string, string[]>): Resolver =>
  async (host) => {
    const answers = table[host];
    if (!answers) throw Object.assign(new Error('not found'), { code: 'ENOTFOUND' });
    return answers.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  };

const resolve = dns({
  'hooks.example.com': ['93.184.215.14', '2606:2800:21f:cb07:6820:80da:af6b:8b2c'],
  'rebind.example.com': ['93.184.215.14', '10.0.0.5'],
  'internal.example.com': ['10.20.30.40'],
  'mapped.example.com': ['::ffff:127.0.0.1'],
  'meta.example.com': ['169.254.169.254'],
});

async function refusal(url: string, opts: Parameters<typeof assertPublicUrl>[1] = { resolve }) {
  try {
    await assertPublicUrl(url, opts);
  } catch (err) {
    // The rule that refused it (the caller sees only the general reason, tested below).
    if (err instanceof UrlNotAllowedError) return err.check;
    throw err;
  }
  return null;
}

describe('assertPublicUrl', () => {
  it('accepts http(s) URLs whose every address is public, and returns those addresses', async () => {
    const checked = await assertPublicUrl('https://hooks.example.com/in?x=1', { resolve });
    expect(checked.host).toBe('hooks.example.com');
    expect(checked.addresses.map((a) => a.address)).toEqual(['93.184.215.14', '2606:2800:21f:cb07:6820:80da:af6b:8b2c']);
    expect((await assertPublicUrl('http://8.8.8.8:8080/', { resolve })).addresses).toEqual([{ address: '8.8.8.8', family: 4 }]);
  });

  it('refuses other schemes, credentials and garbage', async () => {
    expect(await refusal('ftp://hooks.example.com/')).toBe('scheme');
    expect(await refusal('file:///etc/passwd')).toBe('scheme');
    expect(await refusal('gopher://hooks.example.com/')).toBe('scheme');
    expect(await refusal('https://user:pw@hooks.example.com/')).toBe('credentials');
    expect(await refusal('https://user@hooks.example.com/')).toBe('credentials');
    expect(await refusal('not a url')).toBe('invalid');
  });

  it('refuses loopback, private, link-local (metadata) and unspecified addresses in any spelling', async () => {
    for (const url of [
      'http://127.0.0.1/',
      'http://127.1/',
      'http://0x7f.0.0.1/',
      'http://2130706433/',
      'http://0.0.0.0/',
      'http://10.0.0.1/',
      'http://192.168.0.10:8080/',
      'http://100.64.1.1/',
      'http://169.254.169.254/latest/meta-data/',
      'http://[::1]/',
      'http://[::]/',
      'http://[::ffff:127.0.0.1]/',
      'http://[::ffff:a9fe:a9fe]/',
      'http://[fe80::1]/',
      'http://[fd00::1]/',
      'http://[ff02::1]/',
      'http://224.0.0.1/',
    ]) {
      expect(await refusal(url), url).toBe('blocked_address');
    }
  });

  it('refuses names that resolve to a non-public address, even if only one answer does', async () => {
    expect(await refusal('https://internal.example.com/')).toBe('blocked_address');
    expect(await refusal('https://rebind.example.com/')).toBe('blocked_address');
    expect(await refusal('https://mapped.example.com/')).toBe('blocked_address');
    expect(await refusal('https://meta.example.com/')).toBe('blocked_address');
  });

  it('refuses localhost through the system resolver (it resolves to loopback) and reserved names', async () => {
    expect(await refusal('http://localhost:3000/', {})).toBe('blocked_host');
    expect(await refusal('http://metadata.google.internal/computeMetadata/v1/')).toBe('blocked_host');
    expect(await refusal('http://printer.local/')).toBe('blocked_host');
    expect(await refusal('http://intranet/')).toBe('blocked_host');
  });

  it('refuses names that do not resolve', async () => {
    expect(await refusal('https://nowhere.example.com/')).toBe('unresolvable');
  });

  it('lets the allow list permit addresses by IP or CIDR, and hosts by name', async () => {
    const byIp = parseAllowList(['127.0.0.1']);
    expect(await refusal('http://127.0.0.1:9000/hook', { resolve, allow: byIp })).toBeNull();
    expect(await refusal('http://127.0.0.2:9000/hook', { resolve, allow: byIp })).toBe('blocked_address');
    expect(await refusal('http://169.254.169.254/', { resolve, allow: byIp })).toBe('blocked_address');
    // An allowed address does not make a reserved name acceptable: `localhost` must be listed itself.
    expect(await refusal('http://localhost/', { resolve, allow: byIp })).toBe('blocked_host');

    const byCidr = parseAllowList(['10.20.0.0/16', '169.254.169.254/32']);
    expect(await refusal('https://internal.example.com/', { resolve, allow: byCidr })).toBeNull();
    expect(await refusal('http://169.254.169.254/', { resolve, allow: byCidr })).toBeNull();
    expect(await refusal('https://rebind.example.com/', { resolve, allow: byCidr })).toBe('blocked_address');

    const byHost = parseAllowList(['rebind.example.com', 'metadata.google.internal']);
    expect(await refusal('https://rebind.example.com/', { resolve, allow: byHost })).toBeNull();
    expect(await refusal('http://metadata.google.internal/', { resolve: dns({ 'metadata.google.internal': ['169.254.169.254'] }), allow: byHost })).toBeNull();
    expect(await refusal('https://internal.example.com/', { resolve, allow: byHost })).toBe('blocked_address');
  });

  it('still refuses other schemes and credentials for allowed hosts', async () => {
    const allow = parseAllowList(['127.0.0.1', 'hooks.example.com']);
    expect(await refusal('ftp://127.0.0.1/', { resolve, allow })).toBe('scheme');
    expect(await refusal('https://a:b@hooks.example.com/', { resolve, allow })).toBe('credentials');
  });
});

describe('what a refusal tells the caller', () => {
  /** Text that would map internal DNS: addresses the names resolved to, resolver errors, the names themselves. */
  const LEAKS = /10\.20\.30\.40|10\.0\.0\.5|169\.254|127\.0\.0\.1|::1|ENOTFOUND|EAI_AGAIN|getaddrinfo|resolve|example\.com|localhost/i;

  it('is one general reason and message for every host that is not public, whether it resolves or not', async () => {
    const urls = [
      'https://nowhere.example.com/', // does not resolve
      'https://internal.example.com/', // resolves to a private address
      'https://rebind.example.com/', // one of its answers is private
      'https://meta.example.com/', // resolves to the metadata address
      'http://localhost/', // a reserved name
      'http://10.0.0.5/', // a private address given as such
      'http://[::1]/',
    ];
    const refusals: UrlNotAllowedError[] = [];
    for (const url of urls) refusals.push(await assertPublicUrl(url, { resolve }).catch((err) => err));
    for (const [i, err] of refusals.entries()) {
      expect(err, urls[i]).toBeInstanceOf(UrlNotAllowedError);
      expect({ reason: err.reason, message: err.message }, urls[i]).toEqual({ reason: 'not_public', message: refusals[0].message });
      expect(err.message, urls[i]).not.toMatch(LEAKS);
    }
  });

  it('keeps the detail for the server log', async () => {
    const err = await assertPublicUrl('https://internal.example.com/', { resolve }).catch((e) => e);
    expect(err.check).toBe('blocked_address');
    expect(err.detail).toContain('10.20.30.40');
    const gone = await assertPublicUrl('https://nowhere.example.com/', { resolve }).catch((e) => e);
    expect(gone.check).toBe('unresolvable');
    expect(gone.detail).toContain('ENOTFOUND');
  });

  it('names the other rules without echoing the URL', async () => {
    for (const [url, reason] of [
      ['gopher://internal.example.com/', 'scheme'],
      ['https://user:pw@internal.example.com/', 'credentials'],
      ['not a url', 'invalid'],
    ] as const) {
      const err = await assertPublicUrl(url, { resolve }).catch((e) => e);
      expect({ reason: err.reason, message: err.message }, url).toEqual({ reason, message: REFUSAL_MESSAGES[reason] });
    }
  });
});
