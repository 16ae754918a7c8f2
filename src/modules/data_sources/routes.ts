// HTTP only: schema in, service call, schema out.
import { Type } from 'typebox';
import { actorOf } from '../../core/context/actor.ts';
import type { ProblemType } from '../../core/errors.ts';
import { pageOf } from '../../core/http/pagination.ts';
import { acceptRawBodies, keepRawBody, rawBodyOf } from '../../core/http/raw-body.ts';
import type { HttpServer } from '../../core/http/server.ts';
import { StorageProblems } from '../../core/storage/index.ts';
import { OrgProblems } from '../organizations/index.ts';
import type { Catalog } from './catalog.ts';
import type { Files } from './files.ts';
import { DataSourcesProblems as P } from './problems.ts';
import * as S from './schemas.ts';
import type { SourcesService } from './service.ts';

const tags = ['data_sources'];
const BASE = '/orgs/:orgId/data-sources';
const ONE = `${BASE}/:sourceId`;
// The problems each route can answer beyond core's (decision 0028).
const read = (...problems: ProblemType[]) => ({ auth: { scope: 'data_sources:read' }, problems: [OrgProblems.notFound, ...problems] });
const write = (...problems: ProblemType[]) => ({ auth: { scope: 'data_sources:write' }, problems: [OrgProblems.notFound, ...problems] });


export function dataSourcesRoutes(service: SourcesService, catalog: Catalog, files: Files) {
  return async (app: HttpServer) => {
    await app.register(async (uploads: HttpServer) => {
      // Any media type: the format comes from the name (or `format`), never from a header.
      acceptRawBodies(uploads);
      uploads.post(`${ONE}/files`, {
        config: write(P.notFound, P.notAFilesSource, P.fileRefused, StorageProblems.tooLarge, StorageProblems.quotaExceeded),
        // The raw body is validated by what reads it (storage's caps, the ingest); the schema documents it.
        preValidation: keepRawBody,
        schema: {
          tags,
          operationId: 'uploadDataSourceFile',
          summary: 'Upload a CSV, TSV, JSON, NDJSON, Parquet or XLSX file to a files source as a table (admin)',
          description:
            'The request body is the file itself (any Content-Type). It is stored under a key the server makes (never the file name), within STORAGE_MAX_UPLOAD_BYTES and the org\'s quota, then read into the source\'s DuckDB database; a file that cannot be read is refused and nothing is kept.',
          consumes: ['application/octet-stream'],
          params: S.SourceParams,
          querystring: S.UploadQuery,
          body: Type.String({ format: 'binary', description: 'The file\'s bytes' }),
          response: { 201: S.SourceView },
        },
        handler: async (req, reply) => {
          const body = rawBodyOf(req);
          return reply.status(201).send(await files.upload(actorOf(req), req.params.orgId, req.params.sourceId, { fileName: req.query.name, format: req.query.format, body }));
        },
      });
    });

    app.delete(`${ONE}/files/:fileId`, {
      config: write(P.notFound, P.notAFilesSource, P.fileNotFound),
      schema: { tags, operationId: 'deleteDataSourceFile', summary: 'Remove a file and its tables from a files source (admin)', params: S.FileParams, response: { 204: Type.Null() } },
      handler: async (req, reply) => {
        await files.remove(actorOf(req), req.params.orgId, req.params.sourceId, req.params.fileId);
        return reply.status(204).send(null);
      },
    });

    app.post(BASE, {
      config: write(P.nameTaken, P.tooMany, P.connectionInvalid, P.hostNotAllowed, P.kindUnavailable),
      schema: { tags, operationId: 'createDataSource', summary: 'Add a data source (admin)', params: S.OrgParams, body: S.CreateSourceBody, response: { 201: S.SourceView } },
      handler: async (req, reply) => reply.status(201).send(await service.create(actorOf(req), req.params.orgId, req.body)),
    });

    app.get(BASE, {
      config: read(),
      schema: { tags, operationId: 'listDataSources', summary: 'List the data sources, newest first (members)', params: S.OrgParams, querystring: S.ListSourcesQuery, response: { 200: pageOf(S.SourceView) } },
      handler: async (req) => service.list(actorOf(req), req.params.orgId, req.query),
    });

    app.get(ONE, {
      config: read(P.notFound),
      schema: { tags, operationId: 'getDataSource', summary: 'Get a data source (members); secrets are never shown', params: S.SourceParams, response: { 200: S.SourceView } },
      handler: async (req) => service.get(actorOf(req), req.params.orgId, req.params.sourceId),
    });

    app.patch(ONE, {
      config: write(P.notFound, P.nameTaken, P.connectionInvalid, P.hostNotAllowed),
      schema: {
        tags,
        operationId: 'updateDataSource',
        summary: 'Change a data source (admin); a connection without `password` keeps the current one',
        params: S.SourceParams,
        body: S.UpdateSourceBody,
        response: { 200: S.SourceView },
      },
      handler: async (req) => service.update(actorOf(req), req.params.orgId, req.params.sourceId, req.body),
    });

    app.delete(ONE, {
      config: write(P.notFound),
      schema: { tags, operationId: 'deleteDataSource', summary: 'Delete a data source with its files, schema and glossary (admin)', params: S.SourceParams, response: { 204: Type.Null() } },
      handler: async (req, reply) => {
        await service.remove(actorOf(req), req.params.orgId, req.params.sourceId);
        return reply.status(204).send(null);
      },
    });

    app.post(`${ONE}/test`, {
      config: write(P.notFound, P.kindUnavailable),
      schema: {
        tags,
        operationId: 'testDataSource',
        summary: 'Connect and report the server version and latency, or the connection error in plain words (admin)',
        params: S.SourceParams,
        response: { 200: S.TestResult },
      },
      handler: async (req) => service.test(actorOf(req), req.params.orgId, req.params.sourceId),
    });

    app.post(`${ONE}/sync`, {
      config: write(P.notFound),
      schema: {
        tags,
        operationId: 'syncDataSource',
        summary: 'Read the source\'s schema (schemas, tables, columns, keys, row estimates) as a job (admin)',
        params: S.SourceParams,
        response: { 202: S.SyncStarted },
      },
      handler: async (req, reply) => reply.status(202).send(await service.sync(actorOf(req), req.params.orgId, req.params.sourceId)),
    });

    app.get(`${ONE}/schema`, {
      config: read(P.notFound),
      schema: { tags, operationId: 'getDataSourceSchema', summary: 'The synced schema with its descriptions (members)', params: S.SourceParams, response: { 200: S.SchemaView } },
      handler: async (req) => catalog.getSchema(actorOf(req), req.params.orgId, req.params.sourceId),
    });

    app.put(`${ONE}/descriptions`, {
      config: write(P.notFound, P.unknownTable),
      schema: {
        tags,
        operationId: 'describeDataSourceTable',
        summary: 'Describe a synced table or column, for people and the question generator (admin); empty removes it',
        params: S.SourceParams,
        body: S.DescriptionBody,
        response: { 204: Type.Null() },
      },
      handler: async (req, reply) => {
        await catalog.describe(actorOf(req), req.params.orgId, req.params.sourceId, req.body);
        return reply.status(204).send(null);
      },
    });

    app.get(`${ONE}/glossary`, {
      config: read(P.notFound),
      schema: { tags, operationId: 'listGlossaryTerms', summary: 'The source\'s glossary (members)', params: S.SourceParams, response: { 200: S.GlossaryList } },
      handler: async (req) => catalog.listTerms(actorOf(req), req.params.orgId, req.params.sourceId),
    });

    app.post(`${ONE}/glossary`, {
      config: write(P.notFound, P.termTaken),
      schema: { tags, operationId: 'addGlossaryTerm', summary: 'Add a term to the source\'s glossary (admin)', params: S.SourceParams, body: S.CreateTermBody, response: { 201: S.GlossaryTermView } },
      handler: async (req, reply) => reply.status(201).send(await catalog.addTerm(actorOf(req), req.params.orgId, req.params.sourceId, req.body)),
    });

    app.patch(`${ONE}/glossary/:termId`, {
      config: write(P.termNotFound, P.termTaken),
      schema: { tags, operationId: 'updateGlossaryTerm', summary: 'Change a glossary term (admin)', params: S.TermParams, body: S.UpdateTermBody, response: { 200: S.GlossaryTermView } },
      handler: async (req) => catalog.updateTerm(actorOf(req), req.params.orgId, req.params.sourceId, req.params.termId, req.body),
    });

    app.delete(`${ONE}/glossary/:termId`, {
      config: write(P.termNotFound),
      schema: { tags, operationId: 'deleteGlossaryTerm', summary: 'Remove a glossary term (admin)', params: S.TermParams, response: { 204: Type.Null() } },
      handler: async (req, reply) => {
        await catalog.removeTerm(actorOf(req), req.params.orgId, req.params.sourceId, req.params.termId);
        return reply.status(204).send(null);
      },
    });
  };
}
