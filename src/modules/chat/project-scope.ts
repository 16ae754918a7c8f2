// A conversation bound to a project (decision 0048). The binding is checked when it is made: the
// caller must be able to read the project (the projects module decides, as for its routes). Each
// answer then tells the model what the conversation is about and how to cite code, and hands the
// tools the project as their scope (`ctx.scope.projectId`): chat names no tool and imports no
// module that has them. The caller's rights are checked again at every tool call, so a member
// taken off the project since gets the tools' refusals, never the code.
import type { Actor } from '../../core/context/actor.ts';
import { AppError } from '../../core/errors.ts';
import { inertJson } from '../../core/llm/tools.ts';
import { ProjectProblems, type ProjectsApi, type ProjectSummary } from '../projects/index.ts';
import { ChatProblems } from './problems.ts';

export function createProjectScope(deps: { projects: Pick<ProjectsApi, 'assertProjectAccess'> }) {
  /** The project as `actor` may read it now, or null when they may not (absent, another org's, not on it). */
  async function readable(actor: Actor, orgId: string, projectId: string): Promise<ProjectSummary | null> {
    try {
      return (await deps.projects.assertProjectAccess(actor.principal, orgId, projectId, 'read')).project;
    } catch (err) {
      if (err instanceof AppError && err.code === ProjectProblems.notFound.code) return null;
      throw err;
    }
  }

  /** Refuses to bind a project the caller may not read: 404 CHAT.PROJECT_NOT_FOUND naming the field. */
  async function check(actor: Actor, orgId: string, projectId: string): Promise<void> {
    if (await readable(actor, orgId, projectId)) return;
    throw ChatProblems.projectNotFound.error('Project not found', { errors: [{ field: 'body.projectId', message: 'is not a project of this organization that you may read' }] });
  }

  /** What the system prompt says about the conversation's project, read as the caller now. */
  async function prompt(actor: Actor, orgId: string, projectId: string): Promise<string> {
    const project = await readable(actor, orgId, projectId);
    return projectPrompt(projectId, project);
  }

  return { check, prompt };
}

export type ProjectScope = ReturnType<typeof createProjectScope>;

/**
 * The system prompt's paragraph on the project. Its name is someone's text, so it is JSON-quoted
 * (inertJson) like any document's name. A project the user may no longer read is named by its
 * id alone: the tools will refuse it, and the model should say so rather than guess.
 */
export function projectPrompt(projectId: string, project: Pick<ProjectSummary, 'name' | 'key'> | null): string {
  if (!project) {
    return (
      `This conversation is about the project ${projectId}, which the user can no longer read: tools that work on it will refuse. ` +
      'Tell the user so rather than answering from memory.'
    );
  }
  return [
    `This conversation is about the project ${inertJson(project.name)} (key ${inertJson(project.key)}, id ${projectId}).`,
    'Tools that work on a project (its code, its files) use this one when you leave out their projectId, and refuse any other project.',
    'Read the code with the tools before answering questions about it. Cite code as path:line (for example src/users.ts:12), with the paths and line numbers the tools gave you; never cite a line you have not read.',
  ].join(' ');
}
