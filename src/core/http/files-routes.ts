// GET /files/{token}: the download behind a signed link (core/storage/links.ts). No credentials:
// the token is the right to the file until it expires. The file is streamed from the driver,
// whole or the one byte range asked for, always as an attachment under its cleaned name, so a
// stored HTML or SVG file is never rendered in the API's origin.
import { Readable } from 'node:stream';
import { Type } from 'typebox';
import { attachmentDisposition } from '../storage/file-names.ts';
import { type Storage, StorageProblems } from '../storage/index.ts';
import { isProblem } from '../storage/problems.ts';
import { ifRangeHolds, parseRange } from './byte-range.ts';
import { Opaque } from './schema-types.ts';
import type { HttpServer } from './server.ts';

const P = StorageProblems;

// A Media Type Object has no description of its own (OpenAPI 3.1): it goes on the schema.
const AnyFile = (description: string) => ({ '*/*': { schema: { type: 'string', format: 'binary', description } } });
const header = (description: string) => Type.String({ description });
const FILE_HEADERS = {
  'Content-Disposition': header('`attachment`, with the file name as ASCII (`filename`) and as UTF-8 (`filename*`)'),
  'Content-Length': Type.Integer({ description: 'Bytes in this answer' }),
  'Accept-Ranges': header('`bytes`: a part can be asked for with `Range`'),
  ETag: header('The SHA-256 of the file: send it as `If-Range` to resume a download'),
  'Last-Modified': header('When the file was stored'),
  'X-Content-Type-Options': header('`nosniff`: the media type is the one stored, never guessed'),
};

const FileResponse = { description: 'The whole file, under the media type it was stored with', headers: FILE_HEADERS, content: AnyFile('The file') };
const PartResponse = {
  description: 'The part of the file `Range` asked for',
  headers: { ...FILE_HEADERS, 'Content-Range': header('`bytes <first>-<last>/<size>`: the part sent, and the size of the file') },
  content: AnyFile('The bytes asked for'),
};

/** 416 names the file's size in `Content-Range`, as RFC 9110 asks. */
const unsatisfiable = (size: number) => P.rangeNotSatisfiable.error('The range starts past the end of the file', { details: { size } });

export function fileRoutes(deps: { storage: Storage }) {
  const { storage } = deps;
  return async (app: HttpServer) => {
    app.get('/files/:token', {
      config: { problems: [P.linkInvalid, P.linkExpired, P.notFound, P.rangeNotSatisfiable, P.unavailable] },
      schema: {
        tags: ['files'],
        operationId: 'downloadFile',
        summary: 'Download a file through a signed link',
        description:
          'The link is the right to the file: no credentials are needed, and anyone holding it can download until it expires ' +
          '(403 `STORAGE.LINK_EXPIRED`) or the file is removed (404). One byte range may be asked for with `Range: bytes=<first>-<last>` ' +
          '(206); a range starting past the end answers 416 with `Content-Range: bytes */<size>`; other `Range` values are ignored. ' +
          'Send the `ETag` back as `If-Range` to resume: if the file changed, the whole of it comes back.',
        params: Type.Object({ token: Opaque(100, { description: 'The signed token of the link' }) }),
        response: { 200: FileResponse, 206: PartResponse },
      },
      handler: async (req, reply) => {
        const file = await storage.resolveLink(req.params.token);
        const etag = `"${file.sha256}"`;
        const ifRange = req.headers['if-range'];
        const honoured = ifRangeHolds(typeof ifRange === 'string' ? ifRange : undefined, etag, file.createdAt);
        const asked = parseRange(honoured ? req.headers.range : undefined, file.size);
        if (asked.kind === 'unsatisfiable') {
          reply.header('content-range', `bytes */${file.size}`);
          throw unsatisfiable(file.size);
        }
        const range = asked.kind === 'range' ? { start: asked.start, end: asked.end } : undefined;
        // The bytes are asked for before any header is set, so a refusal carries none of the
        // file's. HEAD sends the headers only: the driver is not asked, and an empty stream keeps
        // the Content-Length set below (Fastify writes 0 for an empty string).
        let body: Readable;
        try {
          body = req.method === 'HEAD' ? Readable.from([]) : (await storage.open(file.key, range ? { range } : {})).body;
        } catch (err) {
          // The object is shorter than its record says: 416, with the size the driver found.
          if (isProblem(err, P.rangeNotSatisfiable)) reply.header('content-range', `bytes */${(err.details as { size: number }).size}`);
          throw err;
        }
        if (range) reply.status(206).header('content-range', `bytes ${range.start}-${range.end}/${file.size}`);
        return reply
          .header('content-length', range ? range.end - range.start + 1 : file.size)
          .header('accept-ranges', 'bytes')
          .header('etag', etag)
          .header('last-modified', file.createdAt.toUTCString())
          .header('content-disposition', attachmentDisposition(file.fileName))
          .header('x-content-type-options', 'nosniff')
          .header('cache-control', 'private, no-store')
          .type(file.contentType)
          .send(body);
      },
    });
  };
}
