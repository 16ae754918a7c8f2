// HTTP only: schema in, service call, schema out.
import { Type } from 'typebox';
import { actorOf } from '../../core/context/actor.ts';
import type { ProblemType } from '../../core/errors.ts';
import { pageOf } from '../../core/http/pagination.ts';
import type { HttpServer } from '../../core/http/server.ts';
import { OrgProblems } from '../organizations/index.ts';
import { ChatProblems } from './problems.ts';
import * as S from './schemas.ts';
import type { ChatService } from './service.ts';

const tags = ['chat'];
// The problems each route can answer beyond core's (decision 0028).
const read = (...problems: ProblemType[]) => ({ auth: { scope: 'chat:read' }, problems: [OrgProblems.notFound, ...problems] });
const write = (...problems: ProblemType[]) => ({ auth: { scope: 'chat:write' }, problems: [OrgProblems.notFound, ...problems] });

export function chatRoutes(service: ChatService) {
  return async (app: HttpServer) => {
    app.post('/orgs/:orgId/chat/items', {
      config: write(ChatProblems.nameTaken),
      schema: { tags, operationId: 'createChatItem', summary: 'Add an item', params: S.OrgParams, body: S.CreateItemBody, response: { 201: S.ItemView } },
      handler: async (req, reply) => reply.status(201).send(await service.create(actorOf(req), req.params.orgId, req.body)),
    });

    app.get('/orgs/:orgId/chat/items', {
      config: read(),
      schema: { tags, operationId: 'listChatItems', summary: 'List items, newest first', params: S.OrgParams, querystring: S.ListItemsQuery, response: { 200: pageOf(S.ItemView) } },
      handler: async (req) => service.list(actorOf(req), req.params.orgId, req.query),
    });

    app.get('/orgs/:orgId/chat/items/:itemId', {
      config: read(ChatProblems.itemNotFound),
      schema: { tags, operationId: 'getChatItem', summary: 'Get an item', params: S.ItemParams, response: { 200: S.ItemView } },
      handler: async (req) => service.get(actorOf(req), req.params.orgId, req.params.itemId),
    });

    app.delete('/orgs/:orgId/chat/items/:itemId', {
      config: write(ChatProblems.itemNotFound),
      schema: { tags, operationId: 'deleteChatItem', summary: 'Delete an item (admin)', params: S.ItemParams, response: { 204: Type.Null() } },
      handler: async (req, reply) => {
        await service.remove(actorOf(req), req.params.orgId, req.params.itemId);
        return reply.status(204).send(null);
      },
    });
  };
}
