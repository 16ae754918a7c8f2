// HTTP only: schema in, service call, schema out.
import { Type } from 'typebox';
import { actorOf } from '../../core/context/actor.ts';
import type { ProblemType } from '../../core/errors.ts';
import type { HttpServer } from '../../core/http/server.ts';
import { OrgProblems } from '../organizations/index.ts';
import { DashboardsProblems as P } from './problems.ts';
import { OrgParams } from './schemas.ts';
import { type Subscriptions, SubscriptionProblems as SP } from './subscriptions.ts';
import * as S from './subscriptions-schemas.ts';

const tags = ['dashboards'];
const read = (...problems: ProblemType[]) => ({ auth: { scope: 'dashboards:read' }, problems: [OrgProblems.notFound, ...problems] });
const write = (...problems: ProblemType[]) => ({ auth: { scope: 'dashboards:write' }, problems: [OrgProblems.notFound, ...problems] });

export function subscriptionsRoutes(subs: Subscriptions) {
  return async (app: HttpServer) => {
    app.post('/orgs/:orgId/dashboard-subscriptions', {
      config: write(P.notFound, SP.schedule, SP.recipients),
      schema: {
        tags,
        operationId: 'createDashboardSubscription',
        summary: 'Mail a dashboard to members on a schedule (those who may edit it)',
        description:
          "Sent on its cron schedule in the org's time zone. Each mail is computed as its recipient, with their rights at send time: a recipient who can no longer see the dashboard gets nothing, and the owner is notified (`subscription_recipient_dropped`).",
        params: OrgParams,
        body: S.CreateSubscriptionBody,
        response: { 201: S.SubscriptionView },
      },
      handler: async (req, reply) => reply.status(201).send(await subs.create(actorOf(req), req.params.orgId, req.body)),
    });

    app.get('/orgs/:orgId/dashboard-subscriptions', {
      config: read(),
      schema: { tags, operationId: 'listDashboardSubscriptions', summary: "Your dashboard subscriptions (an admin sees everyone's)", params: OrgParams, response: { 200: S.SubscriptionList } },
      handler: async (req) => subs.list(actorOf(req), req.params.orgId),
    });

    app.get('/orgs/:orgId/dashboard-subscriptions/:subscriptionId', {
      config: read(SP.notFound),
      schema: { tags, operationId: 'getDashboardSubscription', summary: 'Get a dashboard subscription (its owner or an admin)', params: S.SubscriptionParams, response: { 200: S.SubscriptionView } },
      handler: async (req) => subs.get(actorOf(req), req.params.orgId, req.params.subscriptionId),
    });

    app.patch('/orgs/:orgId/dashboard-subscriptions/:subscriptionId', {
      config: write(SP.notFound, SP.schedule, SP.recipients),
      schema: { tags, operationId: 'updateDashboardSubscription', summary: 'Change the recipients or schedule of a subscription (its owner or an admin)', params: S.SubscriptionParams, body: S.UpdateSubscriptionBody, response: { 200: S.SubscriptionView } },
      handler: async (req) => subs.update(actorOf(req), req.params.orgId, req.params.subscriptionId, req.body),
    });

    app.delete('/orgs/:orgId/dashboard-subscriptions/:subscriptionId', {
      config: write(SP.notFound),
      schema: { tags, operationId: 'deleteDashboardSubscription', summary: 'Delete a dashboard subscription (its owner or an admin)', params: S.SubscriptionParams, response: { 204: Type.Null() } },
      handler: async (req, reply) => {
        await subs.remove(actorOf(req), req.params.orgId, req.params.subscriptionId);
        return reply.status(204).send(null);
      },
    });

    app.post('/orgs/:orgId/dashboard-subscriptions/:subscriptionId/send', {
      config: write(SP.notFound),
      schema: { tags, operationId: 'sendDashboardSubscription', summary: 'Send a subscription now, as on its schedule (its owner or an admin)', params: S.SubscriptionParams, response: { 200: S.SubscriptionRunView } },
      handler: async (req) => subs.sendNow(actorOf(req), req.params.orgId, req.params.subscriptionId),
    });
  };
}
