// What an assistant refers to in other modules, checked when it is set and narrowed when it is
// used: a model of the org's catalog (llm_admin), tools of the server's registry, projects
// (projects) and stored files (core storage) of the org. Checks run on the pool, before the
// use case opens its transaction: llm_admin's catalog takes no executor (decision 0033).
import type { Actor } from '../../core/context/actor.ts';
import type { Executor } from '../../core/db/database.ts';
import type { LlmTool, Registry } from '../../core/contributions.ts';
import { AppError, type FieldError } from '../../core/errors.ts';
import { LlmProblems } from '../../core/llm/index.ts';
import type { Storage } from '../../core/storage/index.ts';
import type { LlmAdminApi } from '../llm_admin/index.ts';
import type { OrganizationsApi } from '../organizations/index.ts';
import type { ProjectsApi } from '../projects/index.ts';
import { AssistantsProblems } from './problems.ts';
import type { Knowledge } from './repository.ts';

export interface ReferenceDeps {
  llm: Pick<LlmAdminApi, 'listModels'>;
  projects: Pick<ProjectsApi, 'assertProjectAccess'>;
  orgs: Pick<OrganizationsApi, 'roleOf' | 'roleAtLeast'>;
  storage: Pick<Storage, 'fileById'>;
  tools: Registry<LlmTool<any, any>>;
}

/** Each once, in the order first given. */
export const distinct = (items: readonly string[]): string[] => [...new Set(items)];

export function createReferences(deps: ReferenceDeps) {
  const { llm, projects, orgs, storage, tools } = deps;

  /** 400 ASSISTANTS.UNKNOWN_TOOL naming each tool the registry does not have. */
  function checkTools(names: readonly string[]): void {
    const errors = names.flatMap((name, i) => (tools.get(name) ? [] : [{ field: `body.tools.${i}`, message: `"${name}" is not a tool of this server` }]));
    if (errors.length) throw AssistantsProblems.unknownTool.error('The assistant names tools this server does not have', { errors });
  }

  /**
   * The model must be in the org's catalog (400 ASSISTANTS.MODEL_NOT_FOUND) and, when `allowed`
   * is asked, usable by the caller's role (403 LLM.MODEL_NOT_ALLOWED); with tools, it must
   * support tools (422 LLM.TOOLS_UNSUPPORTED). A null model is the default at the time of use,
   * checked then by llm_admin.
   */
  async function checkModel(actor: Actor, orgId: string, modelId: string | null, opts: { withTools: boolean; allowed: boolean }): Promise<void> {
    if (modelId === null) return;
    const model = (await llm.listModels(actor, orgId)).find((m) => m.id === modelId);
    if (!model) throw AssistantsProblems.modelNotFound.error("The model is not in this organization's catalog", { errors: [{ field: 'body.modelId', message: 'is not a model of this organization' }] });
    if (opts.allowed && !model.allowed) {
      const why = model.enabled ? `is for the role ${model.minimumRole} and above` : 'is disabled in this organization';
      throw LlmProblems.modelNotAllowed.error(`The model ${model.provider}/${model.model} is not open to you here`, { errors: [{ field: 'body.modelId', message: why }] });
    }
    if (opts.withTools && !model.supportsTools) {
      throw LlmProblems.toolsUnsupported.error(`The model ${model.provider}/${model.model} does not support tools`, { errors: [{ field: 'body.tools', message: 'must be empty for this model' }] });
    }
  }

  /** Whether the caller may read the project: the projects façade's own rule (admins all, others their projects). */
  async function seesProject(actor: Actor, orgId: string, projectId: string, exec?: Executor): Promise<boolean> {
    try {
      await projects.assertProjectAccess(actor.principal, orgId, projectId, 'read', exec);
      return true;
    } catch (err) {
      if (err instanceof AppError && err.kind === 'not_found') return false;
      throw err;
    }
  }

  async function isOrgFile(orgId: string, fileId: string, exec?: Executor): Promise<boolean> {
    return (await storage.fileById(fileId, exec))?.orgId === orgId;
  }

  /**
   * Whether the caller may give a file to an assistant: one of the org they uploaded (a chat
   * attachment), or any of the org's for its admins. Files have no readers of their own, so
   * a member cannot make an assistant read one another module keeps from them (a data
   * source's upload, a dashboard export) by naming its id.
   */
  async function mayGiveFile(actor: Actor, orgId: string, fileId: string): Promise<boolean> {
    const file = await storage.fileById(fileId);
    if (file?.orgId !== orgId) return false;
    if (file.createdBy === actor.principal.userId) return true;
    const role = await orgs.roleOf(actor.principal.userId, orgId);
    return role !== null && orgs.roleAtLeast(role, 'admin');
  }

  /**
   * 400 ASSISTANTS.KNOWLEDGE_NOT_FOUND naming each project the caller cannot see (absent,
   * another org's, or not theirs: all alike, so nothing leaks) and each file they may not give
   * (mayGiveFile).
   */
  async function checkKnowledge(actor: Actor, orgId: string, knowledge: Knowledge): Promise<void> {
    const errors: FieldError[] = [];
    for (const [i, id] of knowledge.projectIds.entries()) {
      if (!(await seesProject(actor, orgId, id))) errors.push({ field: `body.knowledge.projectIds.${i}`, message: 'is not a project of this organization you can see' });
    }
    for (const [i, id] of knowledge.fileIds.entries()) {
      if (!(await mayGiveFile(actor, orgId, id))) errors.push({ field: `body.knowledge.fileIds.${i}`, message: 'is not a file of this organization you uploaded (or, for admins, any of its files)' });
    }
    if (errors.length) throw AssistantsProblems.knowledgeNotFound.error('The knowledge names projects or files that are not there for you', { errors });
  }

  /**
   * The knowledge as `actor` may use it now: projects they can see and files still the org's.
   * Whoever set it checked it with their own rights; the member using an assistant shared with
   * the org gets no project they could not open themselves.
   */
  async function narrowKnowledge(actor: Actor, orgId: string, knowledge: Knowledge, exec?: Executor): Promise<Knowledge> {
    const projectIds: string[] = [];
    for (const id of knowledge.projectIds) if (await seesProject(actor, orgId, id, exec)) projectIds.push(id);
    const fileIds: string[] = [];
    for (const id of knowledge.fileIds) if (await isOrgFile(orgId, id, exec)) fileIds.push(id);
    return { projectIds, fileIds };
  }

  return { checkTools, checkModel, checkKnowledge, narrowKnowledge };
}

export type References = ReturnType<typeof createReferences>;
