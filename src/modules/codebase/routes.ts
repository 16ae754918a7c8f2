// HTTP only: schema in, service call, schema out.
import { Type } from 'typebox';
import { actorOf } from '../../core/context/actor.ts';
import type { ProblemType } from '../../core/errors.ts';
import { pageOf } from '../../core/http/pagination.ts';
import { acceptRawBodies, keepRawBody, rawBodyOf } from '../../core/http/raw-body.ts';
import type { HttpServer } from '../../core/http/server.ts';
import { attachmentDisposition } from '../../core/storage/file-names.ts';
import { StorageProblems } from '../../core/storage/index.ts';
import { OrgProblems } from '../organizations/index.ts';
import { ProjectProblems } from '../projects/index.ts';
import type { Browse } from './browse.ts';
import { CodebaseProblems as P } from './problems.ts';
import * as S from './schemas.ts';
import type { Exports } from './exports.ts';
import type { Imports } from './imports.ts';
import type { Search } from './search.ts';
import type { Uploads } from './uploads.ts';
import type { UploadSessions } from './upload-sessions.ts';
import { sessionUrl } from './upload-sessions-routes.ts';
import { PreferHeaders, respondsAsync, SessionView } from './upload-sessions-schemas.ts';

const tags = ['codebase'];
const BASE = '/orgs/:orgId/projects/:projectId/codebase';
// The problems each route can answer beyond core's (decision 0028).
const read = (...problems: ProblemType[]) => ({ auth: { scope: 'codebase:read' }, problems: [OrgProblems.notFound, ProjectProblems.notFound, ...problems] });
const write = (...problems: ProblemType[]) => ({ auth: { scope: 'codebase:write' }, problems: [OrgProblems.notFound, ProjectProblems.notFound, ...problems] });


const Binary = (description: string) => ({ schema: { type: 'string', format: 'binary', description } });
const FileResponse = {
  description: 'A text file as JSON; a binary one (or any with `download=true`) as its bytes, `application/octet-stream` with `Content-Disposition: attachment` and `X-Content-Type-Options: nosniff`: never rendered',
  content: { 'application/json': { schema: S.FileView }, 'application/octet-stream': Binary('The file\'s bytes') },
};

const IMPORT_PROBLEMS = [ProjectProblems.archived, P.gitImportFailed, P.archiveRefused, P.uploadConflict, StorageProblems.tooLarge, StorageProblems.quotaExceeded];

export function codebaseRoutes(deps: { uploads: Uploads; sessions: UploadSessions; browse: Browse; imports: Imports; exports: Exports; search: Search }) {
  const { uploads, sessions, browse, imports, exports, search } = deps;
  return async (app: HttpServer) => {
    app.get(`${BASE}/export`, {
      config: read(P.snapshotNotFound, P.exportTooLarge),
      schema: {
        tags,
        operationId: 'exportCodebase',
        summary: 'Download a snapshot as a ZIP, or the history as a Git bundle (project members)',
        params: S.ProjectParams,
        querystring: S.ExportQuery,
        response: { 200: { description: 'The file (Content-Disposition: attachment)', content: { 'application/zip': Binary('format=zip'), 'application/octet-stream': Binary('format=bundle') } } },
      },
      handler: async (req, reply) => {
        const { orgId, projectId } = req.params;
        const made = req.query.format === 'zip' ? await exports.zip(actorOf(req), orgId, projectId, req.query.snapshot) : await exports.bundle(actorOf(req), orgId, projectId, req.query.snapshot);
        return reply.header('content-type', made.contentType).header('content-disposition', attachmentDisposition(made.fileName)).header('x-content-type-options', 'nosniff').send(made.body);
      },
    });

    app.post(`${BASE}/imports`, {
      config: write(...IMPORT_PROBLEMS),
      schema: {
        tags,
        operationId: 'importCodebase',
        summary: 'Import the codebase from a Git URL as a new snapshot (project contributors and managers)',
        description:
          'A shallow clone (depth 1, one branch, no tags) through the SSRF guard, at most CODEBASE_GIT_MAX_BYTES downloaded within CODEBASE_GIT_TIMEOUT; its files are then held to the same rules as an uploaded archive (docs/codebase.md). ' +
          'The URL, branch and token (sealed) are kept for `POST …/codebase/imports/again`. Refusals: 422 `CODEBASE.GIT_IMPORT_FAILED` with `reason`; nothing is kept.',
        params: S.ProjectParams,
        body: S.ImportBody,
        response: { 201: S.UploadView },
      },
      handler: async (req, reply) => reply.status(201).send(await imports.importFrom(actorOf(req), req.params.orgId, req.params.projectId, req.body)),
    });

    app.post(`${BASE}/imports/again`, {
      config: write(P.noGitSource, ...IMPORT_PROBLEMS),
      schema: {
        tags,
        operationId: 'reimportCodebase',
        summary: 'Import the codebase again from its kept Git source, as a new snapshot (project contributors and managers)',
        params: S.ProjectParams,
        response: { 201: S.UploadView },
      },
      handler: async (req, reply) => reply.status(201).send(await imports.importAgain(actorOf(req), req.params.orgId, req.params.projectId)),
    });

    app.get(`${BASE}/git-source`, {
      config: read(P.noGitSource),
      schema: { tags, operationId: 'getCodebaseGitSource', summary: 'Where the codebase is imported from (its token is never shown) (project members)', params: S.ProjectParams, response: { 200: S.GitSourceView } },
      handler: async (req) => imports.source(actorOf(req), req.params.orgId, req.params.projectId),
    });

    await app.register(async (scope: HttpServer) => {
      // Any media type: what the body is comes from its first bytes, never from a header.
      acceptRawBodies(scope);
      scope.post(`${BASE}/uploads`, {
        config: write(ProjectProblems.archived, P.archiveRefused, P.uploadConflict, StorageProblems.tooLarge, StorageProblems.quotaExceeded),
        // The raw body is checked by what reads it (the caps, the archive defence); the schema documents it.
        preValidation: keepRawBody,
        schema: {
          tags,
          operationId: 'uploadCodebase',
          summary: 'Upload a codebase (ZIP, tar, tar.gz) or one file of it, as a new snapshot (project contributors and managers)',
          description:
            'The body is the archive or the file itself (any Content-Type), at most CODEBASE_MAX_UPLOAD_BYTES; its kind comes from its first bytes. An archive is the whole codebase: ' +
            'every entry is held to the archive defence (docs/codebase.md) and a breach refuses it with 422 `CODEBASE.ARCHIVE_REFUSED` naming the entry; files matched by the defaults or the codebase\'s .gitignore files, and files over CODEBASE_MAX_FILE_BYTES, are skipped and listed. ' +
            'With `path`, or when the body is not an archive, the body is one file at that path (else at `name`), the current snapshot\'s other files carried over. Nothing of a refused upload is kept. ' +
            'With `Prefer: respond-async` the answer is 202 once the body is stored (as the parts of an upload session of its own): the session\'s `status` then says how the reading ended.',
          consumes: ['application/octet-stream'],
          params: S.ProjectParams,
          querystring: S.UploadQuery,
          headers: PreferHeaders,
          body: Type.String({ format: 'binary', description: 'The archive\'s or file\'s bytes' }),
          response: { 201: S.UploadView, 202: SessionView },
        },
        handler: async (req, reply) => {
          const body = rawBodyOf(req);
          if (respondsAsync(req.headers.prefer)) {
            const { orgId, projectId } = req.params;
            const session = await sessions.acceptLater(actorOf(req), orgId, projectId, { fileName: req.query.name, path: req.query.path, body });
            return reply.status(202).header('location', sessionUrl(orgId, projectId, session.id)).header('preference-applied', 'respond-async').send(session);
          }
          return reply.status(201).send(await uploads.upload(actorOf(req), req.params.orgId, req.params.projectId, { fileName: req.query.name, path: req.query.path, body }));
        },
      });
    });

    app.get(`${BASE}/snapshots`, {
      config: read(),
      schema: { tags, operationId: 'listCodebaseSnapshots', summary: 'The snapshots of a project\'s codebase, newest first (project members)', params: S.ProjectParams, querystring: S.ListSnapshotsQuery, response: { 200: pageOf(S.SnapshotView) } },
      handler: async (req) => browse.list(actorOf(req), req.params.orgId, req.params.projectId, req.query),
    });

    app.get(`${BASE}/snapshots/:version`, {
      config: read(P.snapshotNotFound),
      schema: { tags, operationId: 'getCodebaseSnapshot', summary: 'One snapshot of a project\'s codebase (project members)', params: S.SnapshotParams, response: { 200: S.SnapshotView } },
      handler: async (req) => browse.get(actorOf(req), req.params.orgId, req.params.projectId, req.params.version),
    });

    app.delete(`${BASE}/snapshots/:version`, {
      config: write(P.snapshotNotFound, ProjectProblems.archived),
      schema: {
        tags,
        operationId: 'deleteCodebaseSnapshot',
        summary: 'Delete a snapshot (project managers and org admins); stored files other snapshots share are kept',
        params: S.SnapshotParams,
        response: { 204: Type.Null() },
      },
      handler: async (req, reply) => {
        await browse.remove(actorOf(req), req.params.orgId, req.params.projectId, req.params.version);
        return reply.status(204).send(null);
      },
    });

    app.get(`${BASE}/tree`, {
      config: read(P.snapshotNotFound, P.pathNotFound),
      schema: { tags, operationId: 'getCodebaseTree', summary: 'One folder of a snapshot: its files, and its folders with their file counts and sizes (project members)', params: S.ProjectParams, querystring: S.TreeQuery, response: { 200: S.TreeView } },
      handler: async (req) => browse.tree(actorOf(req), req.params.orgId, req.params.projectId, req.query),
    });

    app.get(`${BASE}/file`, {
      config: read(P.snapshotNotFound, P.pathNotFound),
      schema: {
        tags,
        operationId: 'getCodebaseFile',
        summary: 'One file of a snapshot: a text file\'s text as JSON, or the bytes as a download (project members)',
        description: 'The path is a query parameter: a path parameter cannot hold `/` in OpenAPI. Binaries (by their bytes), and any file with `download=true`, come as `application/octet-stream` attachments: nothing of a codebase is ever served to render.',
        params: S.ProjectParams,
        querystring: S.FileQuery,
        response: { 200: FileResponse },
      },
      handler: async (req, reply) => {
        const file = await browse.file(actorOf(req), req.params.orgId, req.params.projectId, req.query);
        if (file.as === 'text') {
          const { as: _, ...view } = file;
          return reply.type('application/json').send(view);
        }
        return reply
          .type('application/octet-stream')
          .header('content-length', file.size)
          .header('content-disposition', attachmentDisposition(file.fileName))
          .header('x-content-type-options', 'nosniff')
          .header('cache-control', 'private, no-store')
          .send(file.body);
      },
    });

    app.get(`${BASE}/search`, {
      config: read(P.snapshotNotFound, P.notSearchable),
      schema: {
        tags,
        operationId: 'searchCodebase',
        summary: 'Search a snapshot\'s file contents and paths (project members)',
        description:
          'Full text over the snapshot\'s text files (each up to CODEBASE_SEARCH_MAX_BYTES) and its paths, filtered by language and path prefix. Each match is a path, a line and a snippet with the matches\' offsets: ' +
          'the snippet is plain text, to be shown as text, never as HTML. A snapshot is searchable once its indexing job is done (`searchable` on the snapshot); before that, 409 `CODEBASE.NOT_SEARCHABLE`. A query with no word: 400.',
        params: S.ProjectParams,
        querystring: S.SearchQuery,
        response: { 200: S.SearchResultsView },
      },
      handler: async (req) => search.search(actorOf(req), req.params.orgId, req.params.projectId, req.query),
    });

    app.get(`${BASE}/compare`, {
      config: read(P.snapshotNotFound),
      schema: { tags, operationId: 'compareCodebaseSnapshots', summary: 'The files added, removed and changed from one snapshot to another (project members)', params: S.ProjectParams, querystring: S.CompareQuery, response: { 200: S.CompareView } },
      handler: async (req) => browse.compare(actorOf(req), req.params.orgId, req.params.projectId, req.query),
    });
  };
}
