// The Trellis API client: openapi-fetch typed by the generated `paths` (schema.d.ts), plus the
// two things every caller needs: the credential on each request and the request id. Nothing
// per operation is written by hand: `client.GET('/orgs/{orgId}/time-entries', …)` is checked
// against the document, parameters, body, answer and error alike.
import createClient, { type Client, type Middleware } from 'openapi-fetch';
import type { operations, paths } from './schema.js';

export type * from './schema.js';

/** The client createTrellisClient returns: openapi-fetch's, typed by the Trellis document. */
export type TrellisClient = Client<paths>;

/** A credential, or a function giving the current one (a refreshed access token). */
export type TokenSource = string | (() => string | null | undefined | Promise<string | null | undefined>);

export interface TrellisClientOptions {
  /** The API's URL, with its prefix: `https://trellis.example.com/api/v1`. */
  baseUrl: string;
  /**
   * Sent as `Authorization: Bearer …` on every request that has no Authorization header of
   * its own: an access token, or an API key (`trl_…`) on the operations that accept keys.
   */
  token?: TokenSource;
  /**
   * Gives each request an `X-Request-Id` (1–128 of `A-Z a-z 0-9 . _ : -`), which the server
   * adopts, logs and returns, to match your logs with its. Unset: the server makes one.
   */
  requestId?: () => string;
  /** Another fetch (a test server, a proxy agent); default: the global fetch. */
  fetch?: (input: Request) => Promise<Response>;
}

/**
 * A client of the Trellis API. Every call answers `{ data, error, response }`: `data` on a 2xx,
 * else `error`, the problem document (RFC 9457) narrowed by the operation's declared problems;
 * `requestIdOf(result)` is the id to quote in a support request.
 */
export function createTrellisClient(options: TrellisClientOptions): TrellisClient {
  const client = createClient<paths>({ baseUrl: options.baseUrl, ...(options.fetch ? { fetch: options.fetch } : {}) });
  client.use(requestHeaders(options));
  return client;
}

function requestHeaders({ token, requestId }: TrellisClientOptions): Middleware {
  return {
    async onRequest({ request }) {
      const credential = typeof token === 'function' ? await token() : token;
      if (credential && !request.headers.has('authorization')) request.headers.set('authorization', `Bearer ${credential}`);
      if (requestId && !request.headers.has('x-request-id')) request.headers.set('x-request-id', requestId());
    },
  };
}

/**
 * The `X-Request-Id` of an answer (the one sent, or the server's). Problems carry it as
 * `requestId` too; this reads it on successes as well. Cross-origin, the server exposes it
 * to the browser (CORS `Access-Control-Expose-Headers`).
 */
export function requestIdOf(result: { response: Response }): string | null {
  return result.response.headers.get('x-request-id');
}

type ErrorStatusOf<R> = { [S in keyof R]: `${S & (string | number)}` extends `4${string}` | `5${string}` ? S : never }[keyof R];
type BodyOf<R> = R extends { content: infer C } ? C[keyof C] : never;

/**
 * The problems an operation declares, by its operationId: the type of `error` of its call,
 * for code that handles them apart (`function explain(p: ProblemOf<'createTimeEntry'>)`).
 */
export type ProblemOf<Id extends keyof operations> = BodyOf<operations[Id]['responses'][ErrorStatusOf<operations[Id]['responses']>]>;
