// Saved questions and the query history. Members write SQL and save questions; viewers run the
// org's saved questions (only those: no SQL of their own); the author or an admin changes or
// deletes one; only admins mark one verified (verified questions teach the question generator).
import DataLoader from 'dataloader';
import type { Static } from 'typebox';
import { uuidv7 } from 'uuidv7';
import type { Actor } from '../../core/context/actor.ts';
import type { Executor } from '../../core/db/database.ts';
import type { EventPublisher } from '../../core/events/types.ts';
import { decodeCursor, isUuidKey, type Page, toPage } from '../../core/http/pagination.ts';
import type { Clock } from '../../core/module.ts';
import { type DataSourcesApi, DataSourcesProblems, type QueryParameter } from '../data_sources/index.ts';
import type { OrganizationsApi } from '../organizations/index.ts';
import { AnalyticsProblems } from './problems.ts';
import { type QuestionRow, questions, type RunRow, runs } from './repository.ts';
import type { ResultView, RunBatch, Runner } from './runner.ts';
import type { QuestionRuns } from './service.ts';
import type { CreateQuestionBody, QuestionView, RunQuestionBody, RunView, UpdateQuestionBody } from './schemas.ts';

type Question = Static<typeof QuestionView>;
type Run = Static<typeof RunView>;

const toView = (r: QuestionRow): Question => ({
  id: r.id,
  orgId: r.org_id,
  dataSourceId: r.data_source_id,
  name: r.name,
  description: r.description,
  question: r.question,
  sql: r.sql,
  parameters: r.parameters,
  verified: r.verified,
  createdBy: r.created_by,
  createdAt: r.created_at.toISOString(),
  updatedAt: r.updated_at.toISOString(),
});

const toRunView = (r: RunRow): Run => ({
  id: r.id,
  dataSourceId: r.data_source_id,
  questionId: r.question_id,
  sql: r.sql,
  parameters: r.parameters as Run['parameters'],
  status: r.status,
  errorCode: r.error_code,
  rowCount: r.row_count,
  durationMs: r.duration_ms,
  cached: r.cached,
  createdAt: r.created_at.toISOString(),
});

/** The values a saved question runs with: given ones over the defaults, each with its declared type. */
export function questionParameters(row: QuestionRow, given: readonly { name: string; value: unknown }[] = []): QueryParameter[] {
  const values = new Map(given.map((g) => [g.name, g.value]));
  const unknown = given.find((g) => !row.parameters.some((p) => p.name === g.name));
  if (unknown) {
    throw DataSourcesProblems.parameterInvalid.error(`The question has no parameter "${unknown.name}"`, { errors: [{ field: 'body.parameters', message: `"${unknown.name}" is not a parameter of the question` }] });
  }
  return row.parameters.map((p) => ({ name: p.name, type: p.type, value: values.has(p.name) ? values.get(p.name) : (p.default ?? null) }));
}

export function createQuestions(deps: { db: Executor; events: EventPublisher; clock: Clock; orgs: OrganizationsApi; dataSources: DataSourcesApi; runner: Runner }) {
  const { db, events, clock, orgs, dataSources, runner } = deps;

  async function mustFind(orgId: string, id: string): Promise<QuestionRow> {
    const row = await questions.byId(db, orgId, id);
    if (!row) throw AnalyticsProblems.questionNotFound.error('Saved question not found');
    return row;
  }

  async function create(actor: Actor, orgId: string, input: Static<typeof CreateQuestionBody>): Promise<Question> {
    const role = await orgs.assertRole(actor.principal, orgId, 'member');
    if (input.verified && !orgs.roleAtLeast(role, 'admin')) throw AnalyticsProblems.verifyNeedsAdmin.error('Only an org admin may mark a question verified');
    await runner.sourceOf(orgId, input.dataSourceId);
    const declared = input.parameters ?? [];
    // Saved only if it would run: the guard checks it now, with the defaults.
    await dataSources.prepare(orgId, input.dataSourceId, input.sql, declared.map((p) => ({ name: p.name, type: p.type, value: p.default ?? null })));
    const now = clock.now();
    const row: QuestionRow = {
      id: uuidv7(),
      org_id: orgId,
      data_source_id: input.dataSourceId,
      name: input.name.trim(),
      description: input.description ?? '',
      question: input.question ?? null,
      sql: input.sql,
      parameters: declared,
      verified: input.verified ?? false,
      created_by: actor.principal.userId,
      created_at: now,
      updated_at: now,
    };
    await db.transaction().execute(async (tx) => {
      await questions.insert(tx, row);
      await events.publish(tx, 'analytics.question_saved', { orgId, questionId: row.id, sourceId: row.data_source_id, name: row.name, verified: row.verified }, { actor, orgId });
    });
    return toView(row);
  }

  /** The question without a rights check: for the façade, whose callers check their own. */
  async function find(orgId: string, id: string): Promise<Question | null> {
    const row = await questions.byId(db, orgId, id);
    return row ? toView(row) : null;
  }

  async function get(actor: Actor, orgId: string, id: string): Promise<Question> {
    await orgs.assertRole(actor.principal, orgId, 'viewer');
    return toView(await mustFind(orgId, id));
  }

  async function list(actor: Actor, orgId: string, query: { cursor?: string; limit: number; dataSourceId?: string }): Promise<Page<Question>> {
    await orgs.assertRole(actor.principal, orgId, 'viewer');
    const before = decodeCursor(query.cursor, isUuidKey);
    const rows = await questions.list(db, orgId, { dataSourceId: query.dataSourceId }, before ? String(before[0]) : undefined, query.limit + 1);
    const page = toPage(rows, query.limit, (r) => [r.id]);
    return { data: page.data.map(toView), page: page.page };
  }

  async function assertMayChange(actor: Actor, orgId: string, row: QuestionRow) {
    const role = await orgs.assertRole(actor.principal, orgId, 'member');
    const admin = orgs.roleAtLeast(role, 'admin');
    if (row.created_by !== actor.principal.userId && !admin) throw AnalyticsProblems.notYourQuestion.error('Only its author or an org admin may change this question');
    return admin;
  }

  async function update(actor: Actor, orgId: string, id: string, input: Static<typeof UpdateQuestionBody>): Promise<Question> {
    const row = await mustFind(orgId, id);
    const admin = await assertMayChange(actor, orgId, row);
    if (input.verified !== undefined && input.verified !== row.verified && !admin) throw AnalyticsProblems.verifyNeedsAdmin.error('Only an org admin may mark a question verified');
    const next: QuestionRow = {
      ...row,
      ...(input.name !== undefined ? { name: input.name.trim() } : {}),
      ...(input.description !== undefined ? { description: input.description } : {}),
      ...(input.question !== undefined ? { question: input.question } : {}),
      ...(input.sql !== undefined ? { sql: input.sql } : {}),
      ...(input.parameters !== undefined ? { parameters: input.parameters } : {}),
      ...(input.verified !== undefined ? { verified: input.verified } : {}),
      updated_at: clock.now(),
    };
    if (input.sql !== undefined || input.parameters !== undefined) {
      await dataSources.prepare(orgId, row.data_source_id, next.sql, next.parameters.map((p) => ({ name: p.name, type: p.type, value: p.default ?? null })));
    }
    await db.transaction().execute(async (tx) => {
      await questions.update(tx, orgId, id, { name: next.name, description: next.description, question: next.question, sql: next.sql, parameters: next.parameters, verified: next.verified, updated_at: next.updated_at });
      await events.publish(tx, 'analytics.question_saved', { orgId, questionId: id, sourceId: row.data_source_id, name: next.name, verified: next.verified }, { actor, orgId });
    });
    return toView(next);
  }

  async function remove(actor: Actor, orgId: string, id: string): Promise<void> {
    const row = await mustFind(orgId, id);
    await assertMayChange(actor, orgId, row);
    await db.transaction().execute(async (tx) => {
      if (!(await questions.delete(tx, orgId, id))) throw AnalyticsProblems.questionNotFound.error('Saved question not found');
      await events.publish(tx, 'analytics.question_deleted', { orgId, questionId: id }, { actor, orgId });
    });
  }

  /** Runs a saved question: viewers may (it is the one thing they run). */
  async function run(actor: Actor, orgId: string, id: string, input: Static<typeof RunQuestionBody>, batch?: { runs: RunBatch; rows: DataLoader<string, QuestionRow | null> }): Promise<ResultView> {
    await orgs.assertRole(actor.principal, orgId, 'viewer');
    const row = batch ? await batch.rows.load(id) : await mustFind(orgId, id);
    if (!row) throw AnalyticsProblems.questionNotFound.error('Saved question not found');
    return runner.run(actor, orgId, { sourceId: row.data_source_id, sql: row.sql, parameters: questionParameters(row, input.parameters), fresh: input.fresh, questionId: row.id, origin: 'question' }, batch?.runs);
  }

  /**
   * Runs made together (AnalyticsApi.questionRuns): the questions asked for in the same turn of
   * the event loop (a dashboard's widgets) read in one statement, each once; their sources read
   * once each; the history written at `close`.
   */
  function runTogether(actor: Actor, orgId: string): QuestionRuns {
    const rows = new DataLoader<string, QuestionRow | null>(
      async (ids) => {
        const found = new Map((await questions.byIds(db, orgId, ids)).map((r) => [r.id, r]));
        return ids.map((id) => found.get(id) ?? null);
      },
      // A turn of the event loop, not only the microtasks queued so far: widgets whose way to
      // their question awaited something of their own still land in the same read.
      { batchScheduleFn: (read) => setImmediate(read), maxBatchSize: 500 },
    );
    const batch = { runs: runner.batch(), rows };
    return {
      run: (id, input) => run(actor, orgId, id, input, batch),
      close: () => runner.close(batch.runs),
    };
  }

  async function history(actor: Actor, orgId: string, query: { cursor?: string; limit: number }): Promise<Page<Run>> {
    await orgs.assertRole(actor.principal, orgId, 'viewer');
    const before = decodeCursor(query.cursor, isUuidKey);
    const rows = await runs.list(db, orgId, actor.principal.userId, before ? String(before[0]) : undefined, query.limit + 1);
    const page = toPage(rows, query.limit, (r) => [r.id]);
    return { data: page.data.map(toRunView), page: page.page };
  }

  /** Runs one of the caller's past runs again, as it ran (a viewer's past runs are saved questions). */
  async function rerun(actor: Actor, orgId: string, runId: string): Promise<ResultView> {
    const role = await orgs.assertRole(actor.principal, orgId, 'viewer');
    const past = await runs.byId(db, orgId, actor.principal.userId, runId);
    if (!past) throw AnalyticsProblems.runNotFound.error('Run not found');
    if (past.question_id) {
      const row = await mustFind(orgId, past.question_id);
      const given = (past.parameters as QueryParameter[]).map((p) => ({ name: p.name, value: p.value }));
      return runner.run(actor, orgId, { sourceId: row.data_source_id, sql: row.sql, parameters: questionParameters(row, given), fresh: true, questionId: row.id, origin: 'question' });
    }
    if (!orgs.roleAtLeast(role, 'member')) await orgs.assertRole(actor.principal, orgId, 'member');
    return runner.run(actor, orgId, { sourceId: past.data_source_id, sql: past.sql, parameters: past.parameters as QueryParameter[], fresh: true, origin: 'sql' });
  }

  return { create, get, find, list, update, remove, run, runTogether, history, rerun, mustFind };
}

export type Questions = ReturnType<typeof createQuestions>;
