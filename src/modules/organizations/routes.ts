// HTTP only: schema in, service call, schema out.
import { Type } from 'typebox';
import { pageOf } from '../../core/http/pagination.ts';
import { actorOf } from '../../core/context/actor.ts';
import type { HttpServer } from '../../core/http/server.ts';
import type { ProblemType } from '../../core/errors.ts';
import type { InvitationsService } from './invitations.ts';
import type { MembersService } from './members.ts';
import { OrgProblems } from './problems.ts';
import * as S from './schemas.ts';
import type { OrganizationsService } from './service.ts';

const tags = ['organizations'];
const read = { auth: { scope: 'orgs:read' } };
const write = { auth: { scope: 'orgs:write' } };
const NoContent = { 204: Type.Null() };
// The problems each route can answer beyond core's (decision 0028).
const P = OrgProblems;
const withRead = (...problems: ProblemType[]) => ({ ...read, problems });
const withWrite = (...problems: ProblemType[]) => ({ ...write, problems });
/** Placing an organization under a parent: the parent must be visible (404) and not too deep. */
const placing = [P.notFound, P.maxDepthExceeded];

export function organizationsRoutes(deps: { orgs: OrganizationsService; members: MembersService; invitations: InvitationsService }) {
  const { orgs, members, invitations } = deps;
  return async (app: HttpServer) => {
    app.post('/orgs', {
      config: withWrite(...placing, P.slugTaken),
      schema: {
        tags,
        operationId: 'createOrganization',
        summary: 'Create an organization',
        description: 'The caller becomes its owner. With `parentId`, it is created under that organization (admin+ there).',
        body: S.CreateOrgBody,
        response: { 201: S.Organization },
      },
      handler: async (req, reply) => reply.status(201).send(await orgs.create(actorOf(req), req.body)),
    });

    app.get('/orgs', {
      config: read,
      schema: {
        tags,
        operationId: 'listOrganizations',
        summary: 'My organizations',
        description: 'Direct and inherited, each with my effective role.',
        querystring: S.ListQuery,
        response: { 200: pageOf(S.Organization) },
      },
      handler: async (req) => orgs.listMine(actorOf(req), req.query),
    });

    app.get('/orgs/:orgId', {
      config: withRead(P.notFound),
      schema: { tags, operationId: 'getOrganization', summary: 'Get an organization', params: S.OrgParams, response: { 200: S.Organization } },
      handler: async (req) => orgs.get(actorOf(req), req.params.orgId),
    });

    app.patch('/orgs/:orgId', {
      config: withWrite(...placing, P.slugTaken, P.hierarchyCycle, P.lastOwner),
      schema: {
        tags,
        operationId: 'updateOrganization',
        summary: 'Change or move an organization (admin+)',
        description: 'Moving (`parentId`) also needs admin+ in the old and the new parent.',
        params: S.OrgParams,
        body: S.UpdateOrgBody,
        response: { 200: S.Organization },
      },
      handler: async (req) => orgs.update(actorOf(req), req.params.orgId, req.body),
    });

    app.delete('/orgs/:orgId', {
      config: withWrite(P.notFound, P.hasChildren),
      schema: {
        tags,
        operationId: 'deleteOrganization',
        summary: 'Delete an organization (owner)',
        description: 'Soft delete: an owner can restore it within ORG_RESTORE_DAYS. Refused while it has organizations under it.',
        params: S.OrgParams,
        response: NoContent,
      },
      handler: async (req, reply) => {
        await orgs.remove(actorOf(req), req.params.orgId);
        return reply.status(204).send(null);
      },
    });

    app.post('/orgs/:orgId/restore', {
      config: withWrite(...placing, P.notDeleted, P.parentDeleted, P.slugTaken),
      schema: { tags, operationId: 'restoreOrganization', summary: 'Restore a deleted organization (owner)', params: S.OrgParams, response: { 200: S.Organization } },
      handler: async (req) => orgs.restore(actorOf(req), req.params.orgId),
    });

    app.get('/orgs/:orgId/members', {
      config: withRead(P.notFound),
      schema: {
        tags,
        operationId: 'listOrganizationMembers',
        summary: 'Members (direct and inherited)',
        params: S.OrgParams,
        querystring: S.ListQuery,
        response: { 200: pageOf(S.Member) },
      },
      handler: async (req) => members.list(actorOf(req), req.params.orgId, req.query),
    });

    app.patch('/orgs/:orgId/members/:userId', {
      config: withWrite(P.notFound, P.memberNotFound, P.lastOwner),
      schema: {
        tags,
        operationId: 'updateOrganizationMember',
        summary: "Change a member's role (admin+)",
        description: 'Only an owner grants or changes `owner`. For an inherited member, this sets a role in this organization that overrides the inherited one.',
        params: S.MemberParams,
        body: S.MemberRoleBody,
        response: { 200: S.Member },
      },
      handler: async (req) => members.changeRole(actorOf(req), req.params.orgId, req.params.userId, req.body.role),
    });

    app.delete('/orgs/:orgId/members/:userId', {
      config: withWrite(P.notFound, P.memberNotFound, P.memberInherited, P.lastOwner),
      schema: {
        tags,
        operationId: 'removeOrganizationMember',
        summary: 'Remove a member (admin+), or leave (yourself)',
        params: S.MemberParams,
        response: NoContent,
      },
      handler: async (req, reply) => {
        await members.remove(actorOf(req), req.params.orgId, req.params.userId);
        return reply.status(204).send(null);
      },
    });

    app.post('/orgs/:orgId/invitations', {
      config: withWrite(P.notFound, P.alreadyMember),
      schema: {
        tags,
        operationId: 'createInvitation',
        summary: 'Invite someone by email (admin+)',
        description: 'Mails a link valid for 7 days. Only an owner invites an owner. Replaces a pending invitation to the same address.',
        params: S.OrgParams,
        body: S.InviteBody,
        response: { 201: S.Invitation },
      },
      handler: async (req, reply) => reply.status(201).send(await invitations.invite(actorOf(req), req.params.orgId, req.body)),
    });

    app.get('/orgs/:orgId/invitations', {
      config: withRead(P.notFound),
      schema: {
        tags,
        operationId: 'listInvitations',
        summary: 'Pending invitations (admin+)',
        params: S.OrgParams,
        querystring: S.ListQuery,
        response: { 200: pageOf(S.Invitation) },
      },
      handler: async (req) => invitations.listPending(actorOf(req), req.params.orgId, req.query),
    });

    app.delete('/orgs/:orgId/invitations/:id', {
      config: withWrite(P.notFound, P.invitationNotFound),
      schema: { tags, operationId: 'revokeInvitation', summary: 'Revoke a pending invitation (admin+)', params: S.InvitationParams, response: NoContent },
      handler: async (req, reply) => {
        await invitations.revoke(actorOf(req), req.params.orgId, req.params.id);
        return reply.status(204).send(null);
      },
    });

    app.post('/invitations/accept', {
      config: withWrite(P.invitationInvalid, P.invitationRevoked, P.invitationUsed, P.invitationExpired, P.invitationEmailMismatch, P.alreadyMember, P.lastOwner),
      schema: {
        tags,
        operationId: 'acceptInvitation',
        summary: 'Accept an invitation',
        description: 'The signed-in account must have the invited email address.',
        body: S.AcceptBody,
        response: { 200: S.Organization },
      },
      handler: async (req) => invitations.accept(actorOf(req), req.body.token),
    });
  };
}
