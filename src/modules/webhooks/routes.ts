// HTTP only: schema in -> service -> schema out. Org admins manage webhooks; API keys need
// webhooks:read for reads and webhooks:write for everything that changes state or sends.
import { Type } from 'typebox';
import { actorOf } from '../../core/context/actor.ts';
import type { ProblemType } from '../../core/errors.ts';
import { pageOf } from '../../core/http/pagination.ts';
import type { HttpServer } from '../../core/http/server.ts';
import { OrgProblems } from '../organizations/index.ts';
import type { DeliveriesService } from './deliveries.ts';
import { WebhookProblems } from './problems.ts';
import * as S from './schemas.ts';
import type { EndpointsService } from './service.ts';

const tags = ['webhooks'];
const read = { auth: { scope: 'webhooks:read' } };
const write = { auth: { scope: 'webhooks:write' } };
// The problems each route can answer beyond core's (decision 0028).
const P = WebhookProblems;
const withRead = (...problems: ProblemType[]) => ({ ...read, problems });
const withWrite = (...problems: ProblemType[]) => ({ ...write, problems });
/** Every route checks the caller's org role (admin) first: 404 for an org the caller cannot see. */
const inOrg = [OrgProblems.notFound];
/** Routes under an endpoint: 404 for one that is not in the org. */
const onEndpoint = [...inOrg, P.notFound];

const BASE = '/orgs/:orgId/webhooks';
const ONE = `${BASE}/:webhookId`;

export function webhooksRoutes(s: { endpoints: EndpointsService; deliveries: DeliveriesService }) {
  return async (app: HttpServer) => {
    app.post(BASE, {
      config: withWrite(...inOrg, P.urlNotAllowed, P.unknownEvents, P.tooManyEndpoints),
      schema: {
        tags,
        operationId: 'createWebhookEndpoint',
        summary: 'Create a webhook endpoint',
        description:
          'Org admins. The URL must be http(s) and reach a public address (400 WEBHOOKS.URL_NOT_ALLOWED otherwise). The answer holds the signing secret (`whsec_…`): it is shown only here.',
        params: S.OrgParams,
        body: S.CreateEndpointBody,
        response: { 201: S.EndpointWithSecret },
      },
      handler: async (req, reply) => reply.status(201).send(await s.endpoints.create(actorOf(req), req.params.orgId, req.body)),
    });

    app.get(BASE, {
      config: withRead(...inOrg),
      schema: { tags, operationId: 'listWebhookEndpoints', summary: 'List webhook endpoints', params: S.OrgParams, querystring: S.ListEndpointsQuery, response: { 200: pageOf(S.EndpointView) } },
      handler: async (req) => s.endpoints.list(actorOf(req), req.params.orgId, req.query),
    });

    app.get(ONE, {
      config: withRead(...onEndpoint),
      schema: { tags, operationId: 'getWebhookEndpoint', summary: 'Get a webhook endpoint', params: S.EndpointParams, response: { 200: S.EndpointView } },
      handler: async (req) => s.endpoints.get(actorOf(req), req.params.orgId, req.params.webhookId),
    });

    app.patch(ONE, {
      config: withWrite(...onEndpoint, P.urlNotAllowed, P.unknownEvents),
      schema: {
        tags,
        operationId: 'updateWebhookEndpoint',
        summary: 'Update a webhook endpoint',
        description: '`enabled: true` re-enables an endpoint that was disabled (by hand, after a 410, or after repeated failures) and resets its failure count.',
        params: S.EndpointParams,
        body: S.UpdateEndpointBody,
        response: { 200: S.EndpointView },
      },
      handler: async (req) => s.endpoints.update(actorOf(req), req.params.orgId, req.params.webhookId, req.body),
    });

    app.delete(ONE, {
      config: withWrite(...onEndpoint),
      schema: { tags, operationId: 'deleteWebhookEndpoint', summary: 'Delete a webhook endpoint and its delivery log', params: S.EndpointParams, response: { 204: Type.Null() } },
      handler: async (req, reply) => {
        await s.endpoints.remove(actorOf(req), req.params.orgId, req.params.webhookId);
        return reply.status(204).send(null);
      },
    });

    app.post(`${ONE}/rotate-secret`, {
      config: withWrite(...onEndpoint),
      schema: {
        tags,
        operationId: 'rotateWebhookSecret',
        summary: 'Rotate the signing secret',
        description: 'The new secret is shown only here. For 24 h deliveries carry two signatures, one with each secret, so receivers can switch without losing deliveries.',
        params: S.EndpointParams,
        response: { 200: S.EndpointWithSecret },
      },
      handler: async (req) => s.endpoints.rotateSecret(actorOf(req), req.params.orgId, req.params.webhookId),
    });

    app.post(`${ONE}/test`, {
      config: withWrite(...onEndpoint, P.endpointDisabled),
      schema: {
        tags,
        operationId: 'sendTestWebhook',
        summary: 'Send a test event',
        description: 'Queues a signed `webhook.test` event to this endpoint only (one attempt); its outcome appears in the delivery log. 409 WEBHOOKS.ENDPOINT_DISABLED on a disabled endpoint.',
        params: S.EndpointParams,
        response: { 202: S.DeliveryView },
      },
      handler: async (req, reply) => reply.status(202).send(await s.deliveries.sendTest(actorOf(req), req.params.orgId, req.params.webhookId)),
    });

    app.get(`${ONE}/deliveries`, {
      config: withRead(...onEndpoint),
      schema: {
        tags,
        operationId: 'listWebhookDeliveries',
        summary: 'Delivery log of an endpoint',
        description: 'Newest first, each with the body sent and every attempt (request headers, response status and body excerpt, latency, error).',
        params: S.EndpointParams,
        querystring: S.ListDeliveriesQuery,
        response: { 200: pageOf(S.DeliveryView) },
      },
      handler: async (req) => s.deliveries.list(actorOf(req), req.params.orgId, req.params.webhookId, req.query),
    });

    app.get(`${ONE}/deliveries/:deliveryId`, {
      config: withRead(...onEndpoint, P.deliveryNotFound),
      schema: { tags, operationId: 'getWebhookDelivery', summary: 'One delivery with its attempts', params: S.DeliveryParams, response: { 200: S.DeliveryView } },
      handler: async (req) => s.deliveries.get(actorOf(req), req.params.orgId, req.params.webhookId, req.params.deliveryId),
    });

    app.post(`${ONE}/deliveries/:deliveryId/redeliver`, {
      config: withWrite(...onEndpoint, P.deliveryNotFound, P.endpointDisabled, P.deliveryPending),
      schema: {
        tags,
        operationId: 'redeliverWebhookDelivery',
        summary: 'Send a delivery again',
        description: 'Once, with the same webhook-id and body (receivers deduplicate on webhook-id). Only a delivered or failed delivery (409 WEBHOOKS.DELIVERY_PENDING otherwise), on an enabled endpoint.',
        params: S.DeliveryParams,
        response: { 202: S.DeliveryView },
      },
      handler: async (req, reply) => reply.status(202).send(await s.deliveries.redeliver(actorOf(req), req.params.orgId, req.params.webhookId, req.params.deliveryId)),
    });
  };
}
