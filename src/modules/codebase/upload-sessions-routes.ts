// HTTP only, for resumable uploads (upload-sessions.ts): schema in, service call, schema out.
import { Type } from 'typebox';
import { actorOf } from '../../core/context/actor.ts';
import type { ProblemType } from '../../core/errors.ts';
import { acceptRawBodies, keepRawBody, rawBodyOf } from '../../core/http/raw-body.ts';
import { API_PREFIX, type HttpServer } from '../../core/http/server.ts';
import { StorageProblems } from '../../core/storage/index.ts';
import { OrgProblems } from '../organizations/index.ts';
import { ProjectProblems } from '../projects/index.ts';
import { announcedSha256 } from './part-checksums.ts';
import { CodebaseProblems as P } from './problems.ts';
import { ProjectParams, UploadView } from './schemas.ts';
import * as S from './upload-sessions-schemas.ts';
import type { UploadSessions } from './upload-sessions.ts';

const tags = ['codebase'];
const BASE = '/orgs/:orgId/projects/:projectId/codebase/upload-sessions';
const ONE = `${BASE}/:sessionId`;
// Every route is a writer's (the plain upload's rights); a session is its creator's.
const write = (...problems: ProblemType[]) => ({ auth: { scope: 'codebase:write' }, problems: [OrgProblems.notFound, ProjectProblems.notFound, ...problems] });
/** The session's URL, the `Location` of an answer given before its upload is read. */
export const sessionUrl = (orgId: string, projectId: string, id: string) => `${API_PREFIX}/orgs/${orgId}/projects/${projectId}/codebase/upload-sessions/${id}`;
const header = (value: string | string[] | undefined) => (Array.isArray(value) ? value.join(',') : value);

export function uploadSessionRoutes(sessions: UploadSessions) {
  return async (app: HttpServer) => {
    app.post(BASE, {
      config: write(ProjectProblems.archived, P.archiveRefused, StorageProblems.tooLarge),
      schema: {
        tags,
        operationId: 'createCodebaseUploadSession',
        summary: 'Start a resumable upload of a codebase, sent in parts (project contributors and managers)',
        description:
          'For uploads too large to send in one request that must survive a dropped connection: PUT the parts (any size up to `limits.maxPartBytes`, in any order, again to replace one), ' +
          'then complete with the list of parts. The result is the plain upload\'s (`POST …/codebase/uploads`), held to the same rules. The session expires at `expiresAt` (CODEBASE_UPLOAD_SESSION_EXPIRY).',
        params: ProjectParams,
        body: S.CreateSessionBody,
        response: { 201: S.SessionView },
      },
      handler: async (req, reply) => {
        const { name, path, totalBytes } = req.body;
        return reply.status(201).send(await sessions.create(actorOf(req), req.params.orgId, req.params.projectId, { fileName: name, path, totalBytes }));
      },
    });

    app.get(ONE, {
      config: write(P.uploadSessionNotFound),
      schema: { tags, operationId: 'getCodebaseUploadSession', summary: 'An upload session: its status and the parts received, to resume by sending the others (its creator)', params: S.SessionParams, response: { 200: S.SessionView } },
      handler: async (req) => sessions.get(actorOf(req), req.params.orgId, req.params.projectId, req.params.sessionId),
    });

    await app.register(async (scope: HttpServer) => {
      // Any media type: a part is bytes, whatever the header says.
      acceptRawBodies(scope);
      scope.put(`${ONE}/parts/:partNumber`, {
        config: write(ProjectProblems.archived, P.uploadSessionNotFound, P.uploadSessionClosed, P.checksumMismatch, StorageProblems.tooLarge, StorageProblems.quotaExceeded),
        preValidation: keepRawBody,
        schema: {
          tags,
          operationId: 'putCodebaseUploadPart',
          summary: 'Send one part of a resumable upload, or send it again to replace it (its creator)',
          description:
            'The body is the part\'s bytes (any Content-Type), streamed to storage, at most `limits.maxPartBytes`, and the parts together at most `limits.maxTotalBytes` (413 `STORAGE.TOO_LARGE`); held, it counts against the organization\'s storage quota. ' +
            'Sending a part number again replaces the part (the retry of a part that failed or was damaged). With `x-checksum-sha256` (base64 as S3 takes it, or hex) or `Content-Digest: sha-256=:<base64>:` (RFC 9530), ' +
            'bytes whose SHA-256 differs are refused with 422 `CODEBASE.CHECKSUM_MISMATCH` and not kept.',
          consumes: ['application/octet-stream'],
          params: S.PartParams,
          body: Type.String({ format: 'binary', description: 'The part\'s bytes' }),
          response: { 200: S.PartView },
        },
        handler: async (req) => {
          const { orgId, projectId, sessionId, partNumber } = req.params;
          const announced = announcedSha256({ 'x-checksum-sha256': header(req.headers['x-checksum-sha256']), 'content-digest': header(req.headers['content-digest']) });
          return sessions.putPart(actorOf(req), orgId, projectId, sessionId, partNumber, rawBodyOf(req), announced);
        },
      });
    });

    app.post(`${ONE}/complete`, {
      config: write(ProjectProblems.archived, P.uploadSessionNotFound, P.uploadSessionClosed, P.partListMismatch, P.archiveRefused, P.uploadConflict, StorageProblems.tooLarge, StorageProblems.quotaExceeded),
      schema: {
        tags,
        operationId: 'completeCodebaseUploadSession',
        summary: 'Complete a resumable upload: its parts, in order, become a new snapshot (its creator)',
        description:
          'The list must be every part received, ascending, with the SHA-256 each PUT answered (else 422 `CODEBASE.PART_LIST_MISMATCH`, the session still open). The parts are then read back from storage in order, ' +
          'as one stream, through the plain upload\'s pipeline: the answer is its answer (201), within this request. A refused archive (422 `CODEBASE.ARCHIVE_REFUSED`) or an over-sized one fails the session; ' +
          'other failures (409 `CODEBASE.UPLOAD_CONFLICT`, the quota, storage unavailable) leave it open, to complete again. Afterwards the parts are removed.',
        params: S.SessionParams,
        headers: S.PreferHeaders,
        body: S.CompleteBody,
        response: { 201: UploadView, 202: S.SessionView },
      },
      handler: async (req, reply) => {
        const { orgId, projectId, sessionId } = req.params;
        if (S.respondsAsync(req.headers.prefer)) {
          const session = await sessions.completeLater(actorOf(req), orgId, projectId, sessionId, req.body.parts);
          return reply.status(202).header('location', sessionUrl(orgId, projectId, session.id)).header('preference-applied', 'respond-async').send(session);
        }
        return reply.status(201).send(await sessions.complete(actorOf(req), orgId, projectId, sessionId, req.body.parts));
      },
    });

    app.delete(ONE, {
      config: write(P.uploadSessionNotFound, P.uploadSessionClosed),
      schema: {
        tags,
        operationId: 'abortCodebaseUploadSession',
        summary: 'Abort a resumable upload and remove its parts (its creator); a completed one cannot be aborted (409)',
        params: S.SessionParams,
        response: { 204: Type.Null() },
      },
      handler: async (req, reply) => {
        await sessions.abort(actorOf(req), req.params.orgId, req.params.projectId, req.params.sessionId);
        return reply.status(204).send(null);
      },
    });
  };
}
