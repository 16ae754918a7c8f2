// The org's charts and saved questions, which widgets point at: loaded for the builder's
// pickers and for the widgets' titles. Paged like every list; an org with more than a few
// hundred charts would want a search instead.
import { api } from '../../api/client';
import { call } from '../../api/problem';
import type { Chart, Question, Widget } from './types';

export interface Catalog {
  charts: Chart[];
  questions: Question[];
}

export async function loadCatalog(orgId: string): Promise<Catalog> {
  const charts: Chart[] = [];
  const questions: Question[] = [];
  let cursor: string | undefined;
  do {
    const page = await call(api.GET('/orgs/{orgId}/charts', { params: { path: { orgId }, query: { limit: 100, ...(cursor ? { cursor } : {}) } } }));
    charts.push(...page.data);
    cursor = page.page.nextCursor ?? undefined;
  } while (cursor);
  do {
    const page = await call(api.GET('/orgs/{orgId}/questions', { params: { path: { orgId }, query: { limit: 100, ...(cursor ? { cursor } : {}) } } }));
    questions.push(...page.data);
    cursor = page.page.nextCursor ?? undefined;
  } while (cursor);
  return { charts, questions };
}

export function chartName(chart: Chart, questions: Question[]): string {
  const question = questions.find((q) => q.id === chart.questionId);
  return chart.options.title ?? `${chart.type.replaceAll('_', ' ')} of ${question?.name ?? 'a question'}`;
}

/** The title a widget shows: its own, else its chart's or question's name. */
export function widgetTitles(widgets: Widget[], catalog: Catalog | undefined): Map<string, string> {
  const titles = new Map<string, string>();
  for (const w of widgets) {
    const chart = w.chartId ? catalog?.charts.find((c) => c.id === w.chartId) : undefined;
    const question = w.questionId ? catalog?.questions.find((q) => q.id === w.questionId) : undefined;
    titles.set(w.id, w.title || (chart && catalog ? chartName(chart, catalog.questions) : undefined) || question?.name || (w.kind === 'text' ? 'Text' : w.id));
  }
  return titles;
}
