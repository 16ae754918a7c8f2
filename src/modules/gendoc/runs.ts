// Documentation runs: asking for one (contributors of the project), following it, downloading
// what it made, deleting it (managers), and the project's standing order to generate again after
// each snapshot. The work itself is a job (generate.ts), as the member who asked.
import { uuidv7 } from 'uuidv7';
import type { Actor } from '../../core/context/actor.ts';
import type { Executor } from '../../core/db/database.ts';
import { AppError, CoreProblems, invalid } from '../../core/errors.ts';
import { decodeCursor, isUuidKey, type Page, toPage } from '../../core/http/pagination.ts';
import type { JobQueue } from '../../core/jobs/types.ts';
import type { Logger } from '../../core/log/logger.ts';
import type { Clock } from '../../core/module.ts';
import type { Storage } from '../../core/storage/index.ts';
import type { CodebaseApi } from '../codebase/index.ts';
import type { LlmAdminApi } from '../llm_admin/index.ts';
import type { ProjectsApi } from '../projects/index.ts';
import type { DocFormat } from './model.ts';
import { GendocProblems } from './problems.ts';
import { resolveValues } from './render/index.ts';
import { type ProjectSettingsRow, projectSettings, type RunRow, type RunsTable, runs } from './repository.ts';
import type { Templates } from './templates.ts';

export const GENERATE_JOB = 'gendoc.generate';
const API_PREFIX = '/api/v1';

export interface GenerateInput {
  snapshot?: number;
  template?: string;
  formats: DocFormat[];
  values?: Record<string, string>;
  summaryModelId?: string | null;
}

export interface GenerateJob {
  orgId: string;
  runId: string;
}

export const toRunView = (r: RunRow) => ({
  id: r.id,
  orgId: r.org_id,
  projectId: r.project_id,
  snapshot: r.snapshot_version,
  template: r.template_ref,
  formats: r.formats,
  values: r.values,
  summaryModelId: r.summary_model_id,
  trigger: r.trigger,
  status: r.status,
  jobId: r.job_id,
  outputs: r.outputs.map((o) => ({
    format: o.format,
    fileName: o.fileName,
    contentType: o.contentType,
    size: o.size,
    pages: o.pages,
    url: `${API_PREFIX}/orgs/${r.org_id}/projects/${r.project_id}/docs/${r.id}/download?format=${o.format}`,
  })),
  stats: r.stats,
  error: r.error,
  createdBy: r.created_by,
  createdAt: r.created_at.toISOString(),
  finishedAt: r.finished_at?.toISOString() ?? null,
});
export type RunView = ReturnType<typeof toRunView>;

const toSettingsView = (projectId: string, r: ProjectSettingsRow | undefined) => ({
  projectId,
  regenerate: r?.regenerate ?? false,
  template: r?.template_ref ?? 'default',
  formats: r?.formats ?? (['html'] as DocFormat[]),
  values: r?.values ?? {},
  summaryModelId: r?.summary_model_id ?? null,
  updatedBy: r?.updated_by ?? null,
  updatedAt: r?.updated_at.toISOString() ?? null,
});

export interface RunsDeps {
  db: Executor;
  jobs: JobQueue;
  clock: Clock;
  log: Logger;
  storage: Storage;
  projects: Pick<ProjectsApi, 'assertProjectAccess'>;
  codebase: CodebaseApi;
  models: Pick<LlmAdminApi, 'listModels'>;
  templates: Templates;
}

export function createRuns(deps: RunsDeps) {
  const { db, jobs, clock, log, storage, projects, codebase, models, templates } = deps;

  /** The choices of a run, checked: the template exists and has its values, the model is one the asker may use. */
  async function checkChoices(actor: Actor, orgId: string, input: Omit<GenerateInput, 'snapshot'>) {
    const template = await templates.resolve(orgId, input.template ?? 'default');
    const values = input.values ?? {};
    const resolved = resolveValues(template.template, values);
    if ('problems' in resolved) throw GendocProblems.templateInvalid.error("The values do not fit the template's variables", { errors: resolved.problems });
    const summaryModelId = input.summaryModelId ?? null;
    if (summaryModelId && !(await models.listModels(actor, orgId)).some((m) => m.id === summaryModelId && m.allowed)) {
      throw invalid('summaryModelId', 'is not a model of this organization that you may use');
    }
    return { template, values, summaryModelId };
  }

  /** Inserts a queued run and its job in one transaction: a run without its job never shows. */
  async function enqueue(actor: Actor, orgId: string, projectId: string, snapshot: number, input: GenerateInput, trigger: RunsTable['trigger'], exec: Executor = db): Promise<RunRow> {
    const { template, values, summaryModelId } = await checkChoices(actor, orgId, input);
    const row: RunsTable = {
      id: uuidv7(),
      org_id: orgId,
      project_id: projectId,
      snapshot_version: snapshot,
      template_ref: template.id,
      template: template.template,
      values,
      formats: input.formats,
      summary_model_id: summaryModelId,
      trigger,
      status: 'queued',
      job_id: null,
      stats: null,
      outputs: [],
      error: null,
      created_by: actor.principal.userId,
      created_at: clock.now(),
      finished_at: null,
    };
    const run = async (tx: Executor) => {
      await runs.insert(tx, row);
      const data: GenerateJob = { orgId, runId: row.id };
      row.job_id = await jobs.enqueue(GENERATE_JOB, data, { db: tx, ownerId: actor.principal.userId });
      await runs.setJob(tx, row.id, row.job_id);
    };
    if (exec === db) await db.transaction().execute(run);
    else await run(exec);
    return row;
  }

  async function generate(actor: Actor, orgId: string, projectId: string, input: GenerateInput): Promise<RunView> {
    await projects.assertProjectAccess(actor.principal, orgId, projectId, 'write');
    const snapshot = await codebase.snapshotFor(actor.principal, orgId, projectId, input.snapshot);
    return toRunView(await enqueue(actor, orgId, projectId, snapshot.version, input, 'request'));
  }

  async function list(actor: Actor, orgId: string, projectId: string, query: { cursor?: string; limit: number }): Promise<Page<RunView>> {
    await projects.assertProjectAccess(actor.principal, orgId, projectId, 'read');
    const before = decodeCursor(query.cursor, isUuidKey);
    const rows = await runs.list(db, orgId, projectId, before ? String(before[0]) : undefined, query.limit + 1);
    const page = toPage(rows, query.limit, (r) => [r.id]);
    return { data: page.data.map(toRunView), page: page.page };
  }

  async function found(actor: Actor, orgId: string, projectId: string, runId: string) {
    const access = await projects.assertProjectAccess(actor.principal, orgId, projectId, 'read');
    const row = await runs.byId(db, orgId, projectId, runId);
    if (!row) throw GendocProblems.runNotFound.error('The project has no such documentation run');
    return { row, access };
  }

  async function get(actor: Actor, orgId: string, projectId: string, runId: string): Promise<RunView> {
    return toRunView((await found(actor, orgId, projectId, runId)).row);
  }

  /** A format a finished run made, as its stored bytes. */
  async function download(actor: Actor, orgId: string, projectId: string, runId: string, format: DocFormat) {
    const { row } = await found(actor, orgId, projectId, runId);
    const output = row.status === 'done' ? row.outputs.find((o) => o.format === format) : undefined;
    if (!output) throw GendocProblems.outputNotReady.error(row.status === 'done' ? `The run was not asked for ${format}` : `The run is ${row.status}`);
    const { body } = await storage.open(output.storageKey);
    return { body, fileName: output.fileName, contentType: output.contentType, size: output.size };
  }

  /** Project managers (and org admins): the run and its files. */
  async function remove(actor: Actor, orgId: string, projectId: string, runId: string): Promise<void> {
    const { access } = await found(actor, orgId, projectId, runId);
    if (!access.canManage) throw CoreProblems.forbidden.error('Only the project managers and organization admins may delete documentation runs');
    const gone = await runs.delete(db, orgId, projectId, runId);
    for (const output of gone?.outputs ?? []) {
      await storage.remove(output.storageKey).catch((err: Error) => log.warn({ key: output.storageKey, err: err.message }, 'gendoc: a deleted run\'s file was not removed from storage'));
    }
  }

  async function getSettings(actor: Actor, orgId: string, projectId: string) {
    await projects.assertProjectAccess(actor.principal, orgId, projectId, 'read');
    return toSettingsView(projectId, await projectSettings.get(db, orgId, projectId));
  }

  /** Contributors: the runs it starts are theirs, with their rights and budgets. */
  async function putSettings(actor: Actor, orgId: string, projectId: string, input: { regenerate: boolean } & Partial<Omit<GenerateInput, 'snapshot'>>) {
    await projects.assertProjectAccess(actor.principal, orgId, projectId, 'write');
    const current = toSettingsView(projectId, await projectSettings.get(db, orgId, projectId));
    const formats = input.formats ?? current.formats;
    const choices = await checkChoices(actor, orgId, {
      template: input.template ?? current.template,
      formats,
      values: input.values ?? current.values,
      summaryModelId: input.summaryModelId === undefined ? current.summaryModelId : input.summaryModelId,
    });
    const row = await projectSettings.put(db, {
      project_id: projectId,
      org_id: orgId,
      regenerate: input.regenerate,
      template_ref: choices.template.id,
      values: choices.values,
      formats,
      summary_model_id: choices.summaryModelId,
      updated_by: actor.principal.userId,
      updated_at: clock.now(),
    });
    return toSettingsView(projectId, row);
  }

  /**
   * A new snapshot of a project that asks for it: a run as the member who set the order, when
   * they may still contribute to the project (else nothing, logged: their order lapsed with
   * their rights). Inside the event's transaction, so the run exists only with the snapshot.
   */
  async function afterSnapshot(orgId: string, projectId: string, version: number, memberOf: (userId: string) => Promise<Actor | null>, exec: Executor) {
    const order = await projectSettings.get(exec, orgId, projectId);
    if (!order?.regenerate) return;
    const actor = await memberOf(order.updated_by);
    try {
      if (!actor) throw CoreProblems.forbidden.error('the member who asked is no longer in the organization');
      await projects.assertProjectAccess(actor.principal, orgId, projectId, 'write', exec);
      const input = { template: order.template_ref, formats: order.formats, values: order.values, summaryModelId: order.summary_model_id };
      await enqueue(actor, orgId, projectId, version, input, 'snapshot', exec);
    } catch (err) {
      // A refusal (rights, template, model) ends the order's run quietly; a database fault is retried with the event.
      if (!(err instanceof AppError)) throw err;
      log.warn({ orgId, projectId, version, err: err.message }, 'gendoc: the project asks for documentation after each snapshot, but its order could not run');
    }
  }

  return { generate, list, get, download, remove, getSettings, putSettings, afterSnapshot };
}

export type Runs = ReturnType<typeof createRuns>;
