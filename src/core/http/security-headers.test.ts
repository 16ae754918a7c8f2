import { describe, expect, it } from 'vitest';
import { docsSecurityOptions, securityHeaders } from './security-headers.ts';

describe('security headers', () => {
  it('records helmet’s headers once, with the API’s content security policy', () => {
    const h = securityHeaders(docsSecurityOptions(true));
    expect(h['x-content-type-options']).toBe('nosniff');
    expect(h['strict-transport-security']).toBe('max-age=31536000; includeSubDomains');
    expect(h['x-frame-options']).toBe('SAMEORIGIN');
    expect(h['referrer-policy']).toBe('no-referrer');
    expect(h['content-security-policy']).toContain("default-src 'self'");
    expect(h['content-security-policy']).toContain("object-src 'none'");
    expect(h['x-powered-by']).toBeUndefined();
  });

  it('asks browsers to upgrade the docs page’s requests to https only when it came over TLS', () => {
    expect(securityHeaders(docsSecurityOptions(true))['content-security-policy']).toContain('upgrade-insecure-requests');
    const plain = securityHeaders(docsSecurityOptions(false))['content-security-policy'];
    expect(plain).not.toContain('upgrade-insecure-requests');
    expect(plain).toContain("default-src 'self'");
  });

  it('follows the options it is given', () => {
    const h = securityHeaders({ frameguard: { action: 'deny' }, contentSecurityPolicy: false });
    expect(h['x-frame-options']).toBe('DENY');
    expect(h['content-security-policy']).toBeUndefined();
  });
});
