// HTTP only: schema in, service call, schema out.
import { Type } from 'typebox';
import type { ProblemType } from '../../core/errors.ts';
import { principalOf } from '../../core/http/principal.ts';
import type { HttpServer } from '../../core/http/server.ts';
import { NotificationProblems as P } from './problems.ts';
import * as S from './schemas.ts';
import type { NotificationsService } from './service.ts';

const tags = ['notifications'];
const read = { auth: { scope: 'notifications:read' } };
const write = { auth: { scope: 'notifications:write' } };
// The problems each route can answer beyond core's (decision 0028).
const withWrite = (...problems: ProblemType[]) => ({ ...write, problems });
const NoContent = { 204: Type.Null() };

export function notificationsRoutes(service: NotificationsService, typed: S.NotificationSchemas) {
  return async (app: HttpServer) => {
    app.get('/notifications', {
      config: read,
      schema: {
        tags,
        operationId: 'listNotifications',
        summary: 'My notifications',
        description: 'In-app notifications, unread first, then newest first. `unreadCount` counts all unread ones.',
        querystring: S.ListQuery,
        response: { 200: typed.NotificationPage },
      },
      handler: async (req) => service.list(principalOf(req), req.query),
    });

    app.post('/notifications/:id/read', {
      config: withWrite(P.notFound),
      schema: { tags, operationId: 'markNotificationRead', summary: 'Mark a notification read', params: S.IdParams, response: NoContent },
      handler: async (req, reply) => {
        await service.markRead(principalOf(req), req.params.id);
        return reply.status(204).send(null);
      },
    });

    app.post('/notifications/read-all', {
      config: write,
      schema: { tags, operationId: 'markAllNotificationsRead', summary: 'Mark every notification read', response: NoContent },
      handler: async (req, reply) => {
        await service.markAllRead(principalOf(req));
        return reply.status(204).send(null);
      },
    });

    app.get('/notifications/preferences', {
      config: read,
      schema: {
        tags,
        operationId: 'getNotificationPreferences',
        summary: 'My notification preferences',
        description: `Each notification type with its channels on or off (\`types\`), the defaults, and the phone number SMS go to.\n\n${typed.TYPES_DESCRIPTION}`,
        response: { 200: typed.Preferences },
      },
      handler: async (req) => service.getPreferences(principalOf(req)),
    });

    app.put('/notifications/preferences', {
      config: withWrite(P.phoneRequired),
      schema: {
        tags,
        operationId: 'setNotificationPreferences',
        summary: 'Change my notification preferences',
        description:
          'Switches given are set; others keep their value. `phoneNumber` (E.164) sets the number SMS go to, `null` removes it. SMS cannot be on for any type without a number (`NOTIFICATIONS.PHONE_REQUIRED`). Unknown types or channels are refused.',
        body: typed.PreferencesBody,
        response: { 200: typed.Preferences },
      },
      handler: async (req) => service.updatePreferences(principalOf(req), req.body),
    });
  };
}
