// HTTP only: schema in -> service -> schema out. Reads and CSV exports; no route changes a
// record. API keys need the `audit:read` scope (and an owner who may read the log).
import type { Readable } from 'node:stream';
import type { FastifyReply } from 'fastify';
import { pageOf } from '../../core/http/pagination.ts';
import { actorOf } from '../../core/context/actor.ts';
import type { HttpServer } from '../../core/http/server.ts';
import { OrgProblems } from '../organizations/index.ts';
import * as S from './schemas.ts';
import type { AuditService } from './service.ts';

const tags = ['audit'];
// The problems each route can answer beyond core's (decision 0028): the audit module has no
// codes of its own; an org's log is read after the role check, which answers 404 for an org the
// caller cannot see (403 FORBIDDEN below admin is core's).
const orgAdmins = { auth: { scope: 'audit:read' }, problems: [OrgProblems.notFound] };
const globalAdmins = { auth: { role: 'admin' as const, scope: 'audit:read' } };

const FILTERS =
  'Filters: `actor` (user id), `type` (exact, or a prefix ending in `*`), `target` (id of what the event is about), ' +
  '`from` (inclusive) and `to` (exclusive) ISO date-times.';

export function auditRoutes(audit: AuditService) {
  return async (app: HttpServer) => {
    app.get('/orgs/:orgId/audit', {
      config: orgAdmins,
      schema: {
        tags,
        operationId: 'listOrganizationAuditEvents',
        summary: "The organization's audit log, newest first",
        description: `Org admins and owners. Every domain event recorded for this organization: who (user, API key), from where (IP, user agent), what (type, target, payload without secrets). ${FILTERS}`,
        params: S.OrgParams,
        querystring: S.OrgAuditQuery,
        response: { 200: pageOf(S.AuditRecordView) },
      },
      handler: async (req) => audit.list(actorOf(req), { orgId: req.params.orgId }, req.query),
    });

    app.get('/orgs/:orgId/audit/export.csv', {
      config: orgAdmins,
      schema: {
        tags,
        operationId: 'exportOrganizationAuditEvents',
        summary: "The organization's audit log as CSV",
        description: `Org admins and owners. The same records and filters as the list, every matching row, streamed. The download is itself recorded (audit.exported). ${FILTERS}`,
        params: S.OrgParams,
        querystring: S.OrgExportQuery,
        response: { 200: S.CsvResponse },
      },
      handler: async (req, reply) => {
        const { filename, stream } = await audit.exportCsv(actorOf(req), { orgId: req.params.orgId }, req.query);
        return sendCsv(reply, filename, stream);
      },
    });

    app.get('/admin/audit', {
      config: globalAdmins,
      schema: {
        tags,
        operationId: 'listAuditEvents',
        summary: 'Every audit record, newest first',
        description: `Global admins. Records of every organization and those of no organization (sign-ins, accounts, API keys). ${FILTERS} \`org\` narrows to one organization.`,
        querystring: S.AdminAuditQuery,
        response: { 200: pageOf(S.AuditRecordView) },
      },
      handler: async (req) => audit.list(actorOf(req), { all: true }, req.query),
    });

    app.get('/admin/audit/export.csv', {
      config: globalAdmins,
      schema: {
        tags,
        operationId: 'exportAuditEvents',
        summary: 'Every audit record as CSV',
        description: `Global admins. The same records and filters as the list, every matching row, streamed. The download is itself recorded (audit.exported). ${FILTERS}`,
        querystring: S.AdminExportQuery,
        response: { 200: S.CsvResponse },
      },
      handler: async (req, reply) => {
        const { filename, stream } = await audit.exportCsv(actorOf(req), { all: true }, req.query);
        return sendCsv(reply, filename, stream);
      },
    });
  };
}

function sendCsv(reply: FastifyReply, filename: string, stream: Readable) {
  return reply
    .type('text/csv; charset=utf-8')
    .header('content-disposition', `attachment; filename="${filename}"`)
    .header('cache-control', 'private, no-store')
    .send(stream);
}
