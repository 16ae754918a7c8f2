// The projects module's problems (decision 0028): each code once, with the members it adds.
// Services throw them with `.error()`; routes list the ones they can answer (`config.problems`).
// Other modules' routes that reach a project list `ProjectProblems.notFound` too: it is the only
// code of this module the façade's `assertProjectAccess` answers (besides ORG.NOT_FOUND and
// FORBIDDEN).
import { Type } from 'typebox';
import { defineProblem } from '../../core/errors.ts';

export const ProjectProblems = {
  notFound: defineProblem('not_found', 'PROJECTS.NOT_FOUND', 'No such project in this organization, or not visible to you.'),
  memberNotFound: defineProblem('not_found', 'PROJECTS.MEMBER_NOT_FOUND', 'The user is not a member of the project.'),
  taskNotFound: defineProblem('not_found', 'PROJECTS.TASK_NOT_FOUND', 'No such task in the project (or it was deleted).'),
  templateNotFound: defineProblem(
    'not_found',
    'PROJECTS.TEMPLATE_NOT_FOUND',
    'No such project template in this organization (the path names it, or `templateId` when creating a project).',
  ),
  notOrgMember: defineProblem('unprocessable', 'PROJECTS.NOT_ORG_MEMBER', 'The user is not a member of the organization: invite them to it first.'),
  invalidAssignee: defineProblem(
    'unprocessable',
    'PROJECTS.INVALID_ASSIGNEE',
    'The assignee is neither a member of the project nor an admin of the organization: add them to the project first.',
  ),
  archived: defineProblem('conflict', 'PROJECTS.ARCHIVED', 'The project is archived: it and its tasks are read-only until it is unarchived.'),
  keyTaken: defineProblem('conflict', 'PROJECTS.KEY_TAKEN', 'Another live project of the organization uses the key: choose another (or change that project’s).', {
    extensions: { key: Type.String({ description: 'The key in use' }) },
  }),
};
