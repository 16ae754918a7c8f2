// HTTP only: schema in -> service -> schema out. Scopes: projects:read for reads,
// projects:write for everything that changes state.
import { Type } from 'typebox';
import type { ProblemType } from '../../core/errors.ts';
import { actorOf } from '../../core/context/actor.ts';
import { pageOf } from '../../core/http/pagination.ts';
import type { HttpServer } from '../../core/http/server.ts';
import { OrgProblems } from '../organizations/index.ts';
import type { MembersService } from './members.ts';
import { ProjectProblems } from './problems.ts';
import * as S from './schemas.ts';
import type { ProjectsService } from './service.ts';
import type { TasksService } from './tasks.ts';
import type { TemplatesService } from './templates.ts';

const tags = ['projects'];
const read = { auth: { scope: 'projects:read' } };
const write = { auth: { scope: 'projects:write' } };
// The problems each route can answer beyond core's (decision 0028).
const P = ProjectProblems;
const withRead = (...problems: ProblemType[]) => ({ ...read, problems });
const withWrite = (...problems: ProblemType[]) => ({ ...write, problems });
/** Every route checks the caller's org role first: 404 for an org the caller cannot see. */
const inOrg = [OrgProblems.notFound];
/** Routes under a project: 404 for one that is not there or not visible to the caller. */
const inProject = [...inOrg, P.notFound];

const PROJECT = '/orgs/:orgId/projects/:projectId';

export interface ProjectsServices {
  projects: ProjectsService;
  members: MembersService;
  tasks: TasksService;
  templates: TemplatesService;
}

export function projectsRoutes(s: ProjectsServices) {
  return async (app: HttpServer) => {
    app.post('/orgs/:orgId/projects', {
      config: withWrite(...inOrg, P.templateNotFound, P.keyTaken),
      schema: {
        tags,
        operationId: 'createProject',
        summary: 'Create a project',
        description: 'Org members and above. The creator becomes the project manager. With templateId, the template gives tasks and settings; fields given here override it.',
        params: S.OrgParams,
        body: S.CreateProjectBody,
        response: { 201: S.ProjectView },
      },
      handler: async (req, reply) => reply.status(201).send(await s.projects.create(actorOf(req), req.params.orgId, req.body)),
    });

    app.get('/orgs/:orgId/projects', {
      config: withRead(...inOrg),
      schema: {
        tags,
        operationId: 'listProjects',
        summary: 'List projects',
        description: 'Org admins see every project, other members the projects they belong to. Keyset pages per sort.',
        params: S.OrgParams,
        querystring: S.ListProjectsQuery,
        response: { 200: pageOf(S.ProjectView) },
      },
      handler: async (req) => s.projects.list(actorOf(req), req.params.orgId, req.query),
    });

    app.get(PROJECT, {
      config: withRead(...inProject),
      schema: { tags, operationId: 'getProject', summary: 'Get a project', params: S.ProjectParams, response: { 200: S.ProjectView } },
      handler: async (req) => s.projects.get(actorOf(req), req.params.orgId, req.params.projectId),
    });

    app.patch(PROJECT, {
      config: withWrite(...inProject, P.archived, P.keyTaken),
      schema: {
        tags,
        operationId: 'updateProject',
        summary: 'Update a project',
        description: 'Project managers and org admins. An archived project must be unarchived first.',
        params: S.ProjectParams,
        body: S.UpdateProjectBody,
        response: { 200: S.ProjectView },
      },
      handler: async (req) => s.projects.update(actorOf(req), req.params.orgId, req.params.projectId, req.body),
    });

    for (const [verb, fn, operationId, summary, problems] of [
      ['archive', s.projects.archive, 'archiveProject', 'Archive a project (its tasks become read-only)', inProject],
      ['unarchive', s.projects.unarchive, 'unarchiveProject', 'Unarchive a project', inProject],
      // Another project may have taken the key while this one was deleted.
      ['restore', s.projects.restore, 'restoreProject', 'Restore a deleted project', [...inProject, P.keyTaken]],
    ] as const) {
      app.post(`${PROJECT}/${verb}`, {
        config: withWrite(...problems),
        schema: { tags, operationId, summary, params: S.ProjectParams, response: { 200: S.ProjectView } },
        handler: async (req) => fn(actorOf(req), req.params.orgId, req.params.projectId),
      });
    }

    app.delete(PROJECT, {
      config: withWrite(...inProject),
      schema: { tags, operationId: 'deleteProject', summary: 'Delete a project (soft; restore undoes it)', params: S.ProjectParams, response: { 204: Type.Null() } },
      handler: async (req, reply) => {
        await s.projects.remove(actorOf(req), req.params.orgId, req.params.projectId);
        return reply.status(204).send(null);
      },
    });

    app.get(`${PROJECT}/members`, {
      config: withRead(...inProject),
      schema: { tags, operationId: 'listProjectMembers', summary: 'Project members', params: S.ProjectParams, response: { 200: S.MemberList } },
      handler: async (req) => ({ data: await s.members.list(actorOf(req), req.params.orgId, req.params.projectId) }),
    });

    app.get(`${PROJECT}/members/:userId`, {
      config: withRead(...inProject, P.memberNotFound),
      schema: { tags, operationId: 'getProjectMember', summary: 'One project member', params: S.MemberParams, response: { 200: S.MemberView } },
      handler: async (req) => s.members.get(actorOf(req), req.params.orgId, req.params.projectId, req.params.userId),
    });

    app.put(`${PROJECT}/members/:userId`, {
      config: withWrite(...inProject, P.notOrgMember),
      schema: {
        tags,
        operationId: 'setProjectMember',
        summary: 'Add a project member or replace their role and rate',
        description: 'The user must be a member of the organization (422 PROJECTS.NOT_ORG_MEMBER). 201 when added, 200 when changed.',
        params: S.MemberParams,
        body: S.PutMemberBody,
        response: { 200: S.MemberView, 201: S.MemberView },
      },
      handler: async (req, reply) => {
        const { member, created } = await s.members.put(actorOf(req), req.params.orgId, req.params.projectId, req.params.userId, req.body);
        return reply.status(created ? 201 : 200).send(member);
      },
    });

    app.delete(`${PROJECT}/members/:userId`, {
      config: withWrite(...inProject, P.memberNotFound),
      schema: { tags, operationId: 'removeProjectMember', summary: 'Remove a project member', params: S.MemberParams, response: { 204: Type.Null() } },
      handler: async (req, reply) => {
        await s.members.remove(actorOf(req), req.params.orgId, req.params.projectId, req.params.userId);
        return reply.status(204).send(null);
      },
    });

    app.get(`${PROJECT}/tasks`, {
      config: withRead(...inProject),
      schema: { tags, operationId: 'listTasks', summary: 'List tasks', params: S.ProjectParams, querystring: S.ListTasksQuery, response: { 200: pageOf(S.TaskView) } },
      handler: async (req) => s.tasks.list(actorOf(req), req.params.orgId, req.params.projectId, req.query),
    });

    app.post(`${PROJECT}/tasks`, {
      config: withWrite(...inProject, P.archived, P.invalidAssignee),
      schema: {
        tags,
        operationId: 'createTask',
        summary: 'Create a task',
        description: 'Project managers and contributors, and org admins. 409 PROJECTS.ARCHIVED on an archived project.',
        params: S.ProjectParams,
        body: S.CreateTaskBody,
        response: { 201: S.TaskView },
      },
      handler: async (req, reply) => reply.status(201).send(await s.tasks.create(actorOf(req), req.params.orgId, req.params.projectId, req.body)),
    });

    app.get(`${PROJECT}/tasks/:taskId`, {
      config: withRead(...inProject, P.taskNotFound),
      schema: { tags, operationId: 'getTask', summary: 'Get a task', params: S.TaskParams, response: { 200: S.TaskView } },
      handler: async (req) => s.tasks.get(actorOf(req), req.params.orgId, req.params.projectId, req.params.taskId),
    });

    app.patch(`${PROJECT}/tasks/:taskId`, {
      config: withWrite(...inProject, P.taskNotFound, P.archived, P.invalidAssignee),
      schema: { tags, operationId: 'updateTask', summary: 'Update a task', params: S.TaskParams, body: S.UpdateTaskBody, response: { 200: S.TaskView } },
      handler: async (req) => s.tasks.update(actorOf(req), req.params.orgId, req.params.projectId, req.params.taskId, req.body),
    });

    app.delete(`${PROJECT}/tasks/:taskId`, {
      config: withWrite(...inProject, P.taskNotFound, P.archived),
      schema: { tags, operationId: 'deleteTask', summary: 'Delete a task (managers and org admins)', params: S.TaskParams, response: { 204: Type.Null() } },
      handler: async (req, reply) => {
        await s.tasks.remove(actorOf(req), req.params.orgId, req.params.projectId, req.params.taskId);
        return reply.status(204).send(null);
      },
    });

    app.post(`${PROJECT}/save-as-template`, {
      config: withWrite(...inProject),
      schema: {
        tags,
        operationId: 'saveProjectAsTemplate',
        summary: 'Save a project as a template',
        description: 'Copies the tasks, tags and settings (colour, billable default, rate, budget, currency, client).',
        params: S.ProjectParams,
        body: S.SaveTemplateBody,
        response: { 201: S.TemplateView },
      },
      handler: async (req, reply) => reply.status(201).send(await s.templates.saveAsTemplate(actorOf(req), req.params.orgId, req.params.projectId, req.body)),
    });

    app.get('/orgs/:orgId/project-templates', {
      config: withRead(...inOrg),
      schema: { tags, operationId: 'listProjectTemplates', summary: 'List project templates', params: S.OrgParams, querystring: S.ListTemplatesQuery, response: { 200: pageOf(S.TemplateView) } },
      handler: async (req) => s.templates.list(actorOf(req), req.params.orgId, req.query),
    });

    app.delete('/orgs/:orgId/project-templates/:templateId', {
      config: withWrite(...inOrg, P.templateNotFound),
      schema: { tags, operationId: 'deleteProjectTemplate', summary: 'Delete a project template (its author or an org admin)', params: S.TemplateParams, response: { 204: Type.Null() } },
      handler: async (req, reply) => {
        await s.templates.remove(actorOf(req), req.params.orgId, req.params.templateId);
        return reply.status(204).send(null);
      },
    });
  };
}
