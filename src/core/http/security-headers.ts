// Security headers, as helmet computes them. The policy is static, so helmet runs once at
// start-up against a recording response and every request gets the recorded headers in one
// call: running helmet's middleware per request measured ~9% of the CPU of a trivial route.
import helmet, { type HelmetOptions } from 'helmet';

export function securityHeaders(options: HelmetOptions): Record<string, string> {
  const headers: Record<string, string> = {};
  const recorder = {
    setHeader: (name: string, value: string | number | readonly string[]) => {
      headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : String(value);
    },
    removeHeader: (name: string) => {
      delete headers[name.toLowerCase()];
    },
  };
  let failed: unknown;
  helmet(options)({} as never, recorder as never, (err?: unknown) => {
    failed = err;
  });
  if (failed) throw failed;
  return headers;
}

/**
 * Helmet's full policy, for the HTML docs page, which needs its own scripts and styles.
 * `upgrade-insecure-requests` (helmet's default) only when the page came over TLS: served over
 * plain HTTP under any host name but localhost, it makes the browser fetch the page's own
 * scripts and styles over https, which this server does not answer, and the page stays blank.
 */
export function docsSecurityOptions(tls: boolean): HelmetOptions {
  return {
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'", "'unsafe-inline'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:', 'validator.swagger.io'],
        upgradeInsecureRequests: tls ? [] : null,
      },
    },
  };
}

/**
 * JSON responses get the headers OWASP's REST Security Cheat Sheet lists for APIs; the
 * document-only ones (COOP, CORP, Origin-Agent-Cluster, DNS prefetch, download options...)
 * guard HTML pages and only add bytes to every API answer.
 */
export const API_RESPONSE_HEADERS: Record<string, string> = {
  'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
  'strict-transport-security': 'max-age=31536000; includeSubDomains',
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
};
