// A dashboard's widgets computed at once: each in parallel, each under its own deadline, each
// answering a status of its own. One slow or failing widget never fails the board.
import type { Static } from 'typebox';
import type { Actor } from '../../core/context/actor.ts';
import { AppError, CoreProblems } from '../../core/errors.ts';
import type { QuestionRuns } from '../analytics/index.ts';
import { renderMarkdown } from './markdown.ts';
import { DashboardsProblems } from './problems.ts';
import type { ResultTable, Widget, WidgetDataView } from './schemas.ts';

export type ResultView = Static<typeof ResultTable>;
export type WidgetData = Static<typeof WidgetDataView>;
export type WidgetParameter = { name: string; value: string | number | boolean | null };

/**
 * The port charts plug into: the visualizations façade (`VisualizationsApi.chartData`) has this
 * signature. It runs the chart's question as `actor` and answers the chart's spec and result.
 * Until it is wired (index.ts), chart widgets answer `error` DASHBOARDS.CHARTS_UNAVAILABLE.
 */
export type ChartData = (actor: Actor, orgId: string, chartId: string, input: { parameters: WidgetParameter[]; runs?: QuestionRuns }) => Promise<{ spec: Record<string, unknown>; result: ResultView }>;

/**
 * The data of one widget (without deadline): what `computeWidgets` runs for each. Its question,
 * or its chart's, runs as one of the board's `runs` (AnalyticsApi.questionRuns).
 */
export type WidgetDataFn = (actor: Actor, orgId: string, widget: Widget, parameters: WidgetParameter[], runs: QuestionRuns) => Promise<Omit<WidgetData, 'widgetId' | 'kind' | 'status'>>;

export function createWidgetData(deps: { chartData: ChartData | null }): WidgetDataFn {
  return async (actor, orgId, widget, parameters, runs) => {
    switch (widget.kind) {
      case 'text':
        return { html: renderMarkdown(widget.markdown ?? '') };
      case 'question':
        // An API key reads a question's rows through a dashboard only if it could run the question itself.
        if (actor.principal.scopes && !actor.principal.scopes.includes('analytics:read')) throw CoreProblems.forbidden.error('This API key may not run saved questions (scope analytics:read)');
        return { result: await runs.run(widget.questionId as string, { parameters }) };
      case 'chart': {
        if (!deps.chartData) throw DashboardsProblems.chartsUnavailable.error('charts are not available yet');
        const { spec, result } = await deps.chartData(actor, orgId, widget.chartId as string, { parameters, runs });
        return { spec, result };
      }
    }
  };
}

const TIMED_OUT = Symbol('timed out');

/** `compute` for every widget, in parallel, each given `timeoutMs`: a status per widget, in order. */
export async function computeWidgets(widgets: readonly Widget[], compute: (widget: Widget) => Promise<Omit<WidgetData, 'widgetId' | 'kind' | 'status'>>, timeoutMs: number): Promise<WidgetData[]> {
  return Promise.all(
    widgets.map(async (widget): Promise<WidgetData> => {
      const head = { widgetId: widget.id, kind: widget.kind };
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<typeof TIMED_OUT>((resolve) => {
        timer = setTimeout(() => resolve(TIMED_OUT), timeoutMs);
      });
      try {
        const outcome = await Promise.race([compute(widget), deadline]);
        if (outcome === TIMED_OUT) return { ...head, status: 'timed_out', error: { code: 'DASHBOARDS.WIDGET_TIMED_OUT', detail: `The widget took longer than ${timeoutMs} ms` } };
        return { ...head, status: 'ok', ...outcome };
      } catch (err) {
        // A problem (a source that is down, a parameter that does not fit) says what it is; anything
        // else is a bug whose detail stays on the server.
        if (err instanceof AppError && err.kind !== 'internal') return { ...head, status: 'error', error: { code: err.code, detail: err.message } };
        return { ...head, status: 'error', error: { code: DashboardsProblems.widgetFailed.code, detail: 'The widget could not be computed' } };
      } finally {
        clearTimeout(timer);
      }
    }),
  );
}
