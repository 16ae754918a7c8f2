import { Type } from 'typebox';
import { CoreProblems, type ProblemType } from '../../core/errors.ts';
import { pageOf } from '../../core/http/pagination.ts';
import { principalOf } from '../../core/http/principal.ts';
import type { HttpServer } from '../../core/http/server.ts';
import { AuthProblems } from '../auth/index.ts';
import { UserProblems } from './problems.ts';
import * as S from './schemas.ts';
import type { UsersService } from './service.ts';

const tags = ['users'];
// The problems each route can answer beyond core's (decision 0028).
const admin = (scope: string, ...problems: ProblemType[]) => ({ auth: { role: 'admin' as const, scope }, problems });
/** No such user (to change or unlock: no such account, or a deleted one). */
const noUser = CoreProblems.notFound;

export function usersRoutes(users: UsersService) {
  return async (app: HttpServer) => {
    app.get('/users/me', {
      config: { auth: { scope: 'profile:read' } },
      schema: { tags, operationId: 'getCurrentUser', summary: 'My account and profile', response: { 200: S.UserView } },
      handler: (req) => users.me(principalOf(req)),
    });

    app.patch('/users/me', {
      config: { auth: { scope: 'profile:write' }, problems: [UserProblems.profileNotReady] },
      schema: { tags, operationId: 'updateCurrentUser', summary: 'Update my profile', body: S.UpdateMeBody, response: { 200: S.UserView } },
      handler: async (req) => users.updateMe(principalOf(req), req.body),
    });

    app.delete('/users/me', {
      config: { auth: true, problems: [AuthProblems.wrongPassword] },
      schema: {
        tags,
        operationId: 'deleteCurrentUser',
        summary: 'Delete my account',
        description: 'Checks the password, signs out everywhere and removes personal data.',
        body: S.DeleteMeBody,
        response: { 204: Type.Null() },
      },
      handler: async (req, reply) => {
        await users.deleteMe(principalOf(req), req.body.password);
        return reply.status(204).send(null);
      },
    });

    app.get('/users', {
      config: admin('users:read'),
      schema: { tags, operationId: 'listUsers', summary: 'List users (admin)', querystring: S.ListQuery, response: { 200: pageOf(S.UserView) } },
      handler: async (req) => users.list(req.query),
    });

    app.get('/users/:id', {
      config: admin('users:read', noUser),
      schema: { tags, operationId: 'getUser', summary: 'Get a user (admin)', params: S.UserIdParams, response: { 200: S.UserView } },
      handler: async (req) => users.get(req.params.id),
    });

    app.patch('/users/:id', {
      config: admin('users:write', noUser, AuthProblems.cannotDisableSelf),
      schema: {
        tags,
        operationId: 'updateUser',
        summary: 'Change role or status (admin)',
        description: 'Disabling signs the user out everywhere at once.',
        params: S.UserIdParams,
        body: S.AdminPatchBody,
        response: { 200: S.UserView },
      },
      handler: async (req) => users.adminUpdate(principalOf(req), req.params.id, req.body),
    });

    app.post('/users/:id/unlock', {
      config: admin('users:write', noUser),
      schema: { tags, operationId: 'unlockUser', summary: 'Lift a sign-in lockout (admin)', params: S.UserIdParams, response: { 204: Type.Null() } },
      handler: async (req, reply) => {
        await users.unlock(principalOf(req), req.params.id);
        return reply.status(204).send(null);
      },
    });
  };
}
