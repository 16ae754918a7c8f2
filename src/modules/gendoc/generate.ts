// The generation job: a run's snapshot read as the member who asked (their read right checked
// again now, so a member removed since gets nothing), its structure extracted, the optional LLM
// pass, each format rendered and kept in core/storage, then the run marked done with its event in
// one transaction. A refusal (rights lost, snapshot deleted, too many files) fails the run
// without retrying; anything else is retried by the queue, the files of a failed attempt removed.
import { Type } from 'typebox';
import { AppError } from '../../core/errors.ts';
import type { Actor } from '../../core/context/actor.ts';
import { memberActor } from '../../core/context/actor.ts';
import type { Executor } from '../../core/db/database.ts';
import type { EventPublisher } from '../../core/events/types.ts';
import { named } from '../../core/http/schema-types.ts';
import type { JobContext, JobDefinition } from '../../core/jobs/types.ts';
import type { Logger } from '../../core/log/logger.ts';
import type { Clock } from '../../core/module.ts';
import type { Storage } from '../../core/storage/index.ts';
import type { CodebaseApi, SnapshotSummary } from '../codebase/index.ts';
import type { LlmAdminApi } from '../llm_admin/index.ts';
import type { OrganizationsApi } from '../organizations/index.ts';
import type { ProjectsApi } from '../projects/index.ts';
import type { SourceFile } from './model.ts';
import type { DocTemplate } from './render/index.ts';
import { type RunOutput, type RunRow, runs } from './repository.ts';
import { type GenerateJob, GENERATE_JOB } from './runs.ts';
import { type GenerationWorker, startGenerationWorker } from './sandbox.ts';
import type { GendocSettings } from './settings.ts';
import { summarizeModules } from './summaries.ts';

const OUTPUT_SCOPE = 'gendoc/outputs';

export const GenerateResult = named(
  'GendocGenerateResult',
  Type.Object(
    {
      status: Type.Union([Type.Literal('done'), Type.Literal('failed'), Type.Literal('skipped')], { description: '`skipped`: the run was deleted or had already finished' }),
      outputs: Type.Integer({ description: 'Files made' }),
    },
    { description: 'The result of a `gendoc.generate` job (the run itself: GET …/docs/{runId})' },
  ),
);

export interface GenerateDeps {
  db: Executor;
  events: EventPublisher;
  clock: Clock;
  log: Logger;
  storage: Storage;
  orgs: Pick<OrganizationsApi, 'listMembers' | 'getOrganization'>;
  projects: Pick<ProjectsApi, 'getProject'>;
  codebase: CodebaseApi;
  models: Pick<LlmAdminApi, 'generateText'>;
  settings: GendocSettings;
}

export function createGenerateJob(deps: GenerateDeps): JobDefinition<GenerateJob, typeof GenerateResult> {
  const { db, events, clock, log, storage, orgs, projects, codebase, models, settings } = deps;

  /** The member who asked, as the actor the run reads with; null once they left the org. */
  async function askerOf(run: RunRow): Promise<Actor | null> {
    const member = (await orgs.listMembers(run.org_id)).find((m) => m.userId === run.created_by);
    return member ? memberActor(member) : null;
  }

  /** The snapshot's files as extraction takes them, refusing a snapshot over GENDOC_MAX_FILES. */
  async function* sourceFiles(orgId: string, snapshotId: string): AsyncGenerator<SourceFile> {
    for await (const f of codebase.readFiles(orgId, snapshotId, { maxTextBytes: settings.maxFileBytes })) {
      yield { path: f.path, language: f.language, size: f.size, text: f.text };
    }
  }

  async function produce(ctx: JobContext<GenerateJob>, run: RunRow, actor: Actor, saved: RunOutput[]) {
    const started = performance.now();
    const snapshot = await codebase.snapshotFor(actor.principal, run.org_id, run.project_id, run.snapshot_version);
    if (snapshot.files > settings.maxFiles) throw new AppError('unprocessable', 'GENDOC.TOO_MANY_FILES', `The snapshot has ${snapshot.files} files; documentation reads at most ${settings.maxFiles} (GENDOC_MAX_FILES)`);
    // Parsing and rendering run in a worker of their own: seconds of CPU and a few hundred MB that
    // would otherwise stall the server's other requests and grow its heap (sandbox.ts).
    const worker = startGenerationWorker({ maxHeapMb: settings.workerMaxMb, signal: ctx.signal });
    try {
      return await generateIn(worker, { ctx, run, actor, saved, snapshot, started });
    } finally {
      await worker.close();
    }
  }

  async function generateIn(worker: GenerationWorker, w: { ctx: JobContext<GenerateJob>; run: RunRow; actor: Actor; saved: RunOutput[]; snapshot: SnapshotSummary; started: number }) {
    const { ctx, run, actor, saved, snapshot, started } = w;
    const project = await projects.getProject(run.org_id, run.project_id);
    const org = await orgs.getOrganization(run.org_id);
    const model = await worker.extract({
      project: { name: project?.name ?? 'Project', description: project?.description ?? null },
      snapshot: { version: snapshot.version, name: snapshot.name, createdAt: snapshot.createdAt.toISOString() },
      files: sourceFiles(run.org_id, snapshot.id),
      onProgress: (read) => void ctx.progress((read / Math.max(1, snapshot.files)) * 0.5, `${read} of ${snapshot.files} files read`).catch(() => {}),
    });
    ctx.signal.throwIfAborted();

    const pass = run.summary_model_id
      ? await summarizeModules(model, {
          models,
          actor,
          orgId: run.org_id,
          modelId: run.summary_model_id,
          max: settings.maxSummaries,
          signal: ctx.signal,
          onProgress: (done, total) => ctx.progress(0.5 + (done / total) * 0.15, `${done} of ${total} module summaries`),
        })
      : { written: 0, stopped: null };

    for (const [i, format] of run.formats.entries()) {
      ctx.signal.throwIfAborted();
      const base = 0.65 + (i / run.formats.length) * 0.35;
      const rendered = await worker.render(model, run.template as DocTemplate, format, {
        values: run.values,
        generatedAt: clock.now(),
        timeZone: org?.timezone ?? 'UTC',
        onProgress: (done, total) => void ctx.progress(base + (done / Math.max(1, total)) * (0.35 / run.formats.length), `${format}: ${done} of ${total} pages`).catch(() => {}),
      });
      const file = await storage.save({ orgId: run.org_id, scope: OUTPUT_SCOPE, fileName: rendered.fileName, contentType: rendered.contentType, body: rendered.bytes, userId: run.created_by });
      saved.push({ format, fileName: rendered.fileName, contentType: rendered.contentType, size: file.size, pages: rendered.pages, storageKey: file.key });
    }
    const symbols = model.files.reduce((n, f) => n + f.symbols.length, 0);
    return {
      files: model.totals.files,
      filesParsed: model.files.length,
      symbols,
      apis: model.apis.length,
      summaries: pass.written,
      summariesStopped: pass.stopped,
      seconds: Math.round((performance.now() - started) / 100) / 10,
    };
  }

  async function fail(run: RunRow, message: string) {
    await db.transaction().execute(async (tx) => {
      await runs.fail(tx, run.id, message, clock.now());
      await events.publish(tx, 'gendoc.docs_failed', { orgId: run.org_id, projectId: run.project_id, runId: run.id, snapshot: run.snapshot_version, error: message }, { orgId: run.org_id, actorId: run.created_by });
    });
  }

  return {
    name: GENERATE_JOB,
    result: GenerateResult,
    retryLimit: 2,
    retryDelaySeconds: 10,
    timeoutSeconds: 30 * 60,
    async handler(ctx) {
      const run = await runs.forJob(db, ctx.data.orgId, ctx.data.runId);
      if (!run || !(await runs.start(db, run.id))) return { status: 'skipped', outputs: 0 };
      const saved: RunOutput[] = [];
      try {
        const actor = await askerOf(run);
        if (!actor) throw new AppError('forbidden', 'FORBIDDEN', 'The member who asked for this documentation is no longer in the organization');
        const stats = await produce(ctx, run, actor, saved);
        await db.transaction().execute(async (tx) => {
          await runs.finish(tx, run.id, { outputs: saved, stats, at: clock.now() });
          await events.publish(tx, 'gendoc.docs_generated', { orgId: run.org_id, projectId: run.project_id, runId: run.id, snapshot: run.snapshot_version, formats: run.formats, trigger: run.trigger }, { orgId: run.org_id, actorId: run.created_by });
        });
        await ctx.progress(1, 'done');
        return { status: 'done', outputs: saved.length };
      } catch (err) {
        for (const o of saved) await storage.remove(o.storageKey).catch((e: Error) => log.warn({ key: o.storageKey, err: e.message }, 'gendoc: a failed run\'s file was not removed'));
        // A refusal is final: retrying would be refused again.
        if (err instanceof AppError) {
          await fail(run, err.message);
          return { status: 'failed', outputs: 0 };
        }
        if (ctx.attempt > 2) await fail(run, 'The documentation could not be generated (an internal error; the operators have the details)');
        throw err;
      }
    },
  };
}
