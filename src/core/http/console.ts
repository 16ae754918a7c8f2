// The web console, served by the API from the same origin (decision 0050): the files Vite built
// into web/dist. Hashed files under /assets/ are cached for a year (their name changes with
// their content); index.html is revalidated on every load (`no-cache`), so a deploy is seen
// at once. Any other GET that asks for HTML and is not the API's is a route of the console:
// it gets index.html, and the console's router shows the page (or its own "not found").
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { securityHeaders } from './security-headers.ts';
import type { HttpServer } from './server.ts';

/** Paths the console never answers: the API, probes, the document, the docs, metrics, its own files. */
const NOT_CONSOLE = /^\/(api([/?]|$)|health|openapi\.json|docs|metrics|assets\/)/;

/** The page's policy: its own scripts and styles only, no inline script, no framing. */
function pageHeaders(tls: boolean): Record<string, string> {
  return {
    ...securityHeaders({
      contentSecurityPolicy: {
        directives: {
          defaultSrc: ["'self'"],
          scriptSrc: ["'self'"],
          styleSrc: ["'self'"],
          imgSrc: ["'self'", 'data:'],
          connectSrc: ["'self'"],
          frameAncestors: ["'none'"],
          upgradeInsecureRequests: tls ? [] : null,
        },
      },
    }),
    'cache-control': 'no-cache',
    'content-type': 'text/html; charset=utf-8',
  };
}

export interface ConsoleHandle {
  /** Answers a GET for a route of the console with its page; false when the request is not one. */
  fallback(request: FastifyRequest, reply: FastifyReply): Promise<boolean>;
}

/** Serves the console in `dir` (web/dist); undefined when it was not built. */
export async function serveConsole(app: HttpServer, dir: string): Promise<ConsoleHandle | undefined> {
  const indexFile = join(dir, 'index.html');
  if (!existsSync(indexFile)) return undefined;
  const headers = { tls: pageHeaders(true), plain: pageHeaders(false) };

  await app.register(fastifyStatic, {
    root: join(dir, 'assets'),
    prefix: '/assets/',
    decorateReply: false,
    index: false,
    // Gzip and Brotli copies are not built: compression is the proxy's (docs/deploy.md).
    preCompressed: false,
    cacheControl: false,
    setHeaders: (reply) => {
      reply.header('cache-control', 'public, max-age=31536000, immutable');
    },
  });

  // Read per request (it is half a kilobyte): a rebuild while the server runs is served at once.
  const page = async (request: FastifyRequest, reply: FastifyReply) =>
    reply.headers(request.protocol === 'https' ? headers.tls : headers.plain).send(await readFile(indexFile));

  app.get('/', { schema: { hide: true } }, page);

  return {
    async fallback(request, reply) {
      if (request.method !== 'GET' && request.method !== 'HEAD') return false;
      if (NOT_CONSOLE.test(request.url)) return false;
      if (!String(request.headers.accept ?? '').includes('text/html')) return false;
      await page(request, reply);
      return true;
    },
  };
}
