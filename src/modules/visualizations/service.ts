// The visualizations use cases: who may do what, the rules, the events. Routes call these; SQL lives
// in the repository. A chart's data is always its question run as the person who looks at it
// (AnalyticsApi.runQuestion), never as its author: a chart shows nobody more than they may see.
import DataLoader from 'dataloader';
import type { Static } from 'typebox';
import { uuidv7 } from 'uuidv7';
import type { Actor } from '../../core/context/actor.ts';
import type { Registries } from '../../core/contributions.ts';
import type { Executor } from '../../core/db/database.ts';
import type { EventPublisher } from '../../core/events/types.ts';
import { decodeCursor, isUuidKey, type Page, toPage } from '../../core/http/pagination.ts';
import type { Clock } from '../../core/module.ts';
import type { AnalyticsApi, QuestionRuns } from '../analytics/index.ts';
import type { OrganizationsApi } from '../organizations/index.ts';
import type { ChartConfig, ChartOptions, ChartType, Encoding } from './chart-model.ts';
import { assertComplete, type VegaLiteSpec } from './compile.ts';
import { VisualizationsProblems } from './problems.ts';
import { type RenderOptions, renderChart } from './render.ts';
import { type ChartRow, charts } from './repository.ts';
import type { ChartResult, ChartView as ChartViewSchema } from './schemas.ts';
import { type Suggestion, suggestCharts } from './suggest.ts';

export type ChartView = Static<typeof ChartViewSchema>;
export type ResultView = Static<typeof ChartResult>;
type Parameters = { name: string; value: string | number | boolean | null }[];

/** What other modules may ask of this one (through index.ts): dashboards, mail, exports. */
export interface VisualizationsApi {
  getChart(orgId: string, chartId: string): Promise<ChartView | null>;
  /**
   * Runs the chart's question as `actor` with `parameters` (by name, override defaults) and
   * answers the compiled spec with its data; with `runs` (AnalyticsApi.questionRuns, a
   * dashboard's), the run is one of them.
   */
  chartData(
    actor: Actor,
    orgId: string,
    chartId: string,
    opts: { parameters?: Parameters; fresh?: boolean; runs?: QuestionRuns },
  ): Promise<{ chart: ChartView; spec: Record<string, unknown>; result: ResultView }>;
  /** The same, rendered (mail, PDF, previews). */
  renderChart(
    actor: Actor,
    orgId: string,
    chartId: string,
    opts: { format: 'svg' | 'png'; width: number; height: number; theme: 'light' | 'dark'; parameters?: Parameters },
  ): Promise<{ contentType: string; body: Buffer }>;
}

export interface VisualizationsDeps {
  db: Executor;
  events: EventPublisher;
  clock: Clock;
  orgs: OrganizationsApi;
  analytics: AnalyticsApi;
  registries: Registries;
}

export interface CreateChartInput {
  questionId: string;
  type: ChartType;
  encoding: Encoding;
  options?: ChartOptions;
}
export type UpdateChartInput = Partial<CreateChartInput>;

const toView = (r: ChartRow): ChartView => ({
  id: r.id,
  orgId: r.org_id,
  questionId: r.question_id,
  type: r.type,
  encoding: r.encoding,
  options: r.options,
  createdBy: r.created_by,
  createdAt: r.created_at.toISOString(),
  updatedAt: r.updated_at.toISOString(),
});

export function createVisualizationsService(deps: VisualizationsDeps) {
  const { db, events, clock, orgs, analytics, registries } = deps;

  async function assertQuestion(orgId: string, questionId: string) {
    if (!(await analytics.getQuestion(orgId, questionId))) {
      throw VisualizationsProblems.questionNotFound.error('Saved question not found', { errors: [{ field: 'body.questionId', message: 'is not a saved question of this organization' }] });
    }
  }

  /** The chart kinds come from the widgets registry (this module contributes them; others may add). */
  function compile(type: string, config: ChartConfig, result: ResultView): VegaLiteSpec {
    const kind = registries.widgets.get(type);
    if (!kind) throw new Error(`No widget kind "${type}" is registered`);
    return kind.compile(config, result);
  }

  async function create(actor: Actor, orgId: string, input: CreateChartInput): Promise<ChartView> {
    await orgs.assertRole(actor.principal, orgId, 'member');
    const config = { encoding: input.encoding, options: input.options ?? {} };
    assertComplete(input.type, config);
    await assertQuestion(orgId, input.questionId);
    const now = clock.now();
    const row: ChartRow = { id: uuidv7(), org_id: orgId, question_id: input.questionId, type: input.type, ...config, created_by: actor.principal.userId, created_at: now, updated_at: now };
    await db.transaction().execute(async (tx) => {
      await charts.insert(tx, row);
      await events.publish(tx, 'visualizations.chart_created', { orgId, chartId: row.id, questionId: row.question_id, type: row.type }, { actor, orgId });
    });
    return toView(row);
  }

  async function mustFind(orgId: string, chartId: string, exec: Executor = db): Promise<ChartRow> {
    const row = await charts.byId(exec, orgId, chartId);
    if (!row) throw VisualizationsProblems.chartNotFound.error('Chart not found');
    return row;
  }

  async function get(actor: Actor, orgId: string, chartId: string): Promise<ChartView> {
    await orgs.assertRole(actor.principal, orgId, 'viewer');
    return toView(await mustFind(orgId, chartId));
  }

  async function list(actor: Actor, orgId: string, query: { cursor?: string; limit: number; questionId?: string }): Promise<Page<ChartView>> {
    await orgs.assertRole(actor.principal, orgId, 'viewer');
    const before = decodeCursor(query.cursor, isUuidKey);
    const rows = await charts.list(db, orgId, { questionId: query.questionId }, before ? String(before[0]) : undefined, query.limit + 1);
    const page = toPage(rows, query.limit, (r) => [r.id]);
    return { data: page.data.map(toView), page: page.page };
  }

  /** Its author, or an admin of the org. */
  async function assertMayChange(actor: Actor, orgId: string, row: ChartRow) {
    const role = await orgs.assertRole(actor.principal, orgId, 'member');
    if (row.created_by !== actor.principal.userId && !orgs.roleAtLeast(role, 'admin')) {
      throw VisualizationsProblems.notYourChart.error('Only its author or an org admin may change this chart');
    }
  }

  async function update(actor: Actor, orgId: string, chartId: string, input: UpdateChartInput): Promise<ChartView> {
    await orgs.assertRole(actor.principal, orgId, 'member');
    if (input.questionId) await assertQuestion(orgId, input.questionId);
    return db.transaction().execute(async (tx) => {
      const current = await charts.lock(tx, orgId, chartId);
      if (!current) throw VisualizationsProblems.chartNotFound.error('Chart not found');
      await assertMayChange(actor, orgId, current);
      const type = input.type ?? current.type;
      const config = { encoding: input.encoding ?? current.encoding, options: input.options ?? current.options };
      assertComplete(type, config);
      const row = await charts.update(tx, orgId, chartId, { question_id: input.questionId ?? current.question_id, type, ...config, updated_at: clock.now() });
      await events.publish(tx, 'visualizations.chart_updated', { orgId, chartId, questionId: row.question_id, type: row.type }, { actor, orgId });
      return toView(row);
    });
  }

  async function remove(actor: Actor, orgId: string, chartId: string): Promise<void> {
    await orgs.assertRole(actor.principal, orgId, 'member');
    await db.transaction().execute(async (tx) => {
      const current = await charts.lock(tx, orgId, chartId);
      if (!current) throw VisualizationsProblems.chartNotFound.error('Chart not found');
      await assertMayChange(actor, orgId, current);
      await charts.delete(tx, orgId, chartId);
      await events.publish(tx, 'visualizations.chart_deleted', { orgId, chartId }, { actor, orgId });
    });
  }

  /**
   * The charts of runs made together (a dashboard's widgets, one `runs` per board and caller):
   * those asked for in the same turn of the event loop read in one statement, each once.
   * Let go with the board's `runs`.
   */
  const boardReads = new WeakMap<QuestionRuns, { orgId: string; rows: DataLoader<string, ChartRow | null> }>();
  function readTogether(runs: QuestionRuns, orgId: string, chartId: string): Promise<ChartRow | null> {
    let reads = boardReads.get(runs);
    if (!reads || reads.orgId !== orgId) {
      const rows = new DataLoader<string, ChartRow | null>(
        async (ids) => {
          const found = new Map((await charts.byIds(db, orgId, ids)).map((r) => [r.id, r]));
          return ids.map((id) => found.get(id) ?? null);
        },
        { batchScheduleFn: (read) => setImmediate(read), maxBatchSize: 500 },
      );
      reads = { orgId, rows };
      boardReads.set(runs, reads);
    }
    return reads.rows.load(chartId);
  }

  async function chartData(actor: Actor, orgId: string, chartId: string, opts: { parameters?: Parameters; fresh?: boolean; runs?: QuestionRuns }) {
    await orgs.assertRole(actor.principal, orgId, 'viewer');
    const row = opts.runs ? await readTogether(opts.runs, orgId, chartId) : await mustFind(orgId, chartId);
    if (!row) throw VisualizationsProblems.chartNotFound.error('Chart not found');
    // As the viewer: the analytics problems (source down, query refused) pass through as they are.
    const input = { parameters: opts.parameters, fresh: opts.fresh };
    const result: ResultView = await (opts.runs ? opts.runs.run(row.question_id, input) : analytics.runQuestion(actor, orgId, row.question_id, input));
    const spec = compile(row.type, { encoding: row.encoding, options: row.options }, result);
    return { chart: toView(row), spec, result };
  }

  async function render(actor: Actor, orgId: string, chartId: string, opts: RenderOptions & { parameters?: Parameters; fresh?: boolean }) {
    const { spec } = await chartData(actor, orgId, chartId, { parameters: opts.parameters, fresh: opts.fresh });
    return renderChart(spec, opts);
  }

  async function suggest(actor: Actor, orgId: string, questionId: string): Promise<{ suggestions: Suggestion[] }> {
    await orgs.assertRole(actor.principal, orgId, 'viewer');
    const result = await analytics.runQuestion(actor, orgId, questionId, {});
    return { suggestions: suggestCharts(result) };
  }

  const api: VisualizationsApi = {
    async getChart(orgId, chartId) {
      const row = await charts.byId(db, orgId, chartId);
      return row ? toView(row) : null;
    },
    chartData,
    renderChart: (actor, orgId, chartId, opts) => render(actor, orgId, chartId, opts),
  };

  return { create, get, list, update, remove, chartData, render, suggest, api };
}

export type VisualizationsService = ReturnType<typeof createVisualizationsService>;
