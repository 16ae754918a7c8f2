// HTTP only: schema in, service call, schema out.
import { Type } from 'typebox';
import { actorOf } from '../../core/context/actor.ts';
import type { ProblemType } from '../../core/errors.ts';
import { pageOf } from '../../core/http/pagination.ts';
import type { HttpServer } from '../../core/http/server.ts';
import { OrgProblems } from '../organizations/index.ts';
import type { Alerts } from './alerts.ts';
import * as A from './alerts-schemas.ts';
import { AnalyticsProblems as P } from './problems.ts';
import { OrgParams } from './schemas.ts';

const tags = ['analytics'];
const read = (...problems: ProblemType[]) => ({ auth: { scope: 'analytics:read' }, problems: [OrgProblems.notFound, ...problems] });
const write = (...problems: ProblemType[]) => ({ auth: { scope: 'analytics:write' }, problems: [OrgProblems.notFound, ...problems] });

export function alertsRoutes(alerts: Alerts) {
  return async (app: HttpServer) => {
    app.post('/orgs/:orgId/alerts', {
      config: write(P.questionNotFound, P.alertSchedule),
      schema: {
        tags,
        operationId: 'createAlert',
        summary: 'Create an alert on a saved question (members)',
        description:
          "Checked on its cron schedule in the org's time zone, always as its owner (with the owner's rights at check time). It fires once per crossing: when the condition starts to hold, not again until it has stopped holding.",
        params: OrgParams,
        body: A.CreateAlertBody,
        response: { 201: A.AlertView },
      },
      handler: async (req, reply) => reply.status(201).send(await alerts.create(actorOf(req), req.params.orgId, req.body)),
    });

    app.get('/orgs/:orgId/alerts', {
      config: read(),
      schema: { tags, operationId: 'listAlerts', summary: 'Your alerts (an admin sees everyone\'s), newest first', params: OrgParams, querystring: A.ListAlertsQuery, response: { 200: pageOf(A.AlertView) } },
      handler: async (req) => alerts.list(actorOf(req), req.params.orgId, req.query),
    });

    app.get('/orgs/:orgId/alerts/:alertId', {
      config: read(P.alertNotFound),
      schema: { tags, operationId: 'getAlert', summary: 'Get an alert and its state (its owner or an admin)', params: A.AlertParams, response: { 200: A.AlertView } },
      handler: async (req) => alerts.get(actorOf(req), req.params.orgId, req.params.alertId),
    });

    app.patch('/orgs/:orgId/alerts/:alertId', {
      config: write(P.alertNotFound, P.alertSchedule),
      schema: { tags, operationId: 'updateAlert', summary: 'Change, pause or resume an alert (its owner or an admin)', params: A.AlertParams, body: A.UpdateAlertBody, response: { 200: A.AlertView } },
      handler: async (req) => alerts.update(actorOf(req), req.params.orgId, req.params.alertId, req.body),
    });

    app.delete('/orgs/:orgId/alerts/:alertId', {
      config: write(P.alertNotFound),
      schema: { tags, operationId: 'deleteAlert', summary: 'Delete an alert (its owner or an admin)', params: A.AlertParams, response: { 204: Type.Null() } },
      handler: async (req, reply) => {
        await alerts.remove(actorOf(req), req.params.orgId, req.params.alertId);
        return reply.status(204).send(null);
      },
    });

    app.post('/orgs/:orgId/alerts/:alertId/check', {
      config: read(P.alertNotFound),
      schema: {
        tags,
        operationId: 'checkAlert',
        summary: 'Check an alert now, as its owner (its owner or an admin)',
        description: 'The same check as the schedule\'s: it may fire the alert. A run that fails is recorded in `state.lastError`; an owner who may no longer run the question gets the alert paused.',
        params: A.AlertParams,
        response: { 200: A.AlertCheckView },
      },
      handler: async (req) => alerts.check(actorOf(req), req.params.orgId, req.params.alertId),
    });
  };
}
