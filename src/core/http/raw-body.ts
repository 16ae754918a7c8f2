// Routes whose body is a file sent as it is (an upload), read as a stream by the use case, never
// buffered or parsed by the server: their own content-type parser hands over the request
// stream for any media type, and `keepRawBody` (their preValidation) puts it aside, so the
// schema's validation sees an empty string while the OpenAPI document still shows the body as
// binary. The use case reads it through `rawBodyOf`, with its own caps.
import type { Readable } from 'node:stream';
import type { HttpServer } from './server.ts';

const bodies = new WeakMap<object, Readable>();

/** In an encapsulated plugin (`app.register`): every media type reaches the routes as the request stream. */
export function acceptRawBodies(scope: HttpServer): void {
  scope.removeAllContentTypeParsers();
  scope.addContentTypeParser('*', (_req, payload, done) => done(null, payload));
}

/** A route's preValidation: keeps the request stream aside for the handler. */
export async function keepRawBody(req: object): Promise<void> {
  const request = req as { body: unknown };
  bodies.set(req, request.body as Readable);
  request.body = '';
}

/** The body `keepRawBody` kept: a stream the handler's use case reads (and never needs to destroy). */
export function rawBodyOf(req: object): Readable {
  const body = bodies.get(req);
  if (!body) throw new Error('rawBodyOf: the route has no keepRawBody preValidation');
  return body;
}
