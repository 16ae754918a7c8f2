// Refusals that happen before a route runs answer problem+json like every other error, and
// never quote what the client sent (decision 0020):
//
// - Node's HTTP parser refuses a request it cannot read (a malformed request line, a header
//   with control characters, a bad or duplicate Content-Length, headers or URL over the 16 KiB
//   limit, a request that arrives too slowly) with `clientError` and a bare socket: there is no
//   request, no reply and no route, so the answer is written to the socket here;
// - Fastify's router refuses a path it cannot decode or a path parameter over maxParamLength
//   through `frameworkErrors`, which has a request but skipped the onRequest hooks.
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../errors.ts';
import type { Logger } from '../log/logger.ts';
import { sendProblem, toProblem } from './problem.ts';
import { createRequestIdGenerator } from './request-id.ts';
import { API_RESPONSE_HEADERS } from './security-headers.ts';

const contentLength = () =>
  new AppError('validation', 'VALIDATION_FAILED', 'The Content-Length header is not valid', {
    errors: [{ field: 'content-length', message: 'must be one non-negative integer' }],
  });

/** Node's parser error codes (llhttp's HPE_*), each with the refusal it becomes. */
const REFUSALS: Record<string, () => AppError> = {
  HPE_HEADER_OVERFLOW: () => new AppError('headers_too_large', 'HEADERS_TOO_LARGE', 'The request line and headers together are too large'),
  HPE_CHUNK_EXTENSIONS_OVERFLOW: () => new AppError('payload_too_large', 'PAYLOAD_TOO_LARGE', 'The chunk extensions of the body are too large'),
  ERR_HTTP_REQUEST_TIMEOUT: () => new AppError('request_timeout', 'REQUEST_TIMEOUT', 'The request did not arrive in time'),
  HPE_INVALID_CONTENT_LENGTH: contentLength,
  HPE_UNEXPECTED_CONTENT_LENGTH: contentLength,
};

const malformed = () => new AppError('validation', 'BAD_REQUEST', 'The request is not valid HTTP/1.1');

interface ClientSocket extends Socket {
  /** The response in progress on this connection, if any (Node's ServerResponse). */
  _httpMessage?: { headersSent?: boolean } | null;
}

/** The server's `clientErrorHandler`: one problem+json answer, then the connection closes. */
export function createClientErrorHandler(log: Logger) {
  const newRequestId = createRequestIdGenerator();
  return function onClientError(err: Error & { code?: string }, socket: ClientSocket): void {
    // A reset connection has no one to answer.
    if (err.code === 'ECONNRESET' || socket.destroyed) return;
    const requestId = newRequestId();
    const { problem } = toProblem((REFUSALS[err.code ?? ''] ?? malformed)(), requestId);
    // The code only: the error carries the raw bytes received (rawPacket), which are client input.
    log.info({ reqId: requestId, parserError: err.code, status: problem.status }, 'malformed request refused');
    // Another response already under way on this connection must not be cut into.
    if (socket.writable && !socket._httpMessage?.headersSent) {
      const body = JSON.stringify(problem);
      const headers = {
        ...API_RESPONSE_HEADERS,
        'content-type': 'application/problem+json',
        'content-length': String(Buffer.byteLength(body)),
        'x-request-id': requestId,
        connection: 'close',
      };
      const head = Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`);
      socket.write(`HTTP/1.1 ${problem.status} ${STATUS_CODES[problem.status]}\r\n${head.join('')}\r\n${body}`);
    }
    socket.destroy(err);
  };
}

/**
 * The server's `frameworkErrors`: the router's refusals (FST_ERR_BAD_URL, FST_ERR_MAX_PARAM_LENGTH)
 * get the headers the onRequest hook gives every other response, and problem.ts's fixed texts
 * instead of Fastify's, which quote the path.
 */
export function sendFrameworkProblem(err: Error, request: FastifyRequest, reply: FastifyReply): void {
  reply.headers(API_RESPONSE_HEADERS);
  reply.header('x-request-id', request.id);
  sendProblem(reply, request, err);
}
