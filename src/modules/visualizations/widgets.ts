// The chart types, contributed as widget kinds (core/contributions.ts): dashboards and this
// module's own service read them from `core.registries.widgets`, naming no producer.
import type { WidgetKind } from '../../core/contributions.ts';
import { CHART_TYPES, ChartConfig, type ChartType } from './chart-model.ts';
import { compileChart } from './compile.ts';

const DESCRIPTIONS: Record<ChartType, string> = {
  bar: 'Bars by category (grouped or stacked by a series; horizontal; top N + Other)',
  line: 'A line over time or a numeric axis, one per series',
  area: 'Areas over time, stacked or not',
  scatter: 'Points of two numeric columns, coloured and sized by others',
  pie: 'Shares of a whole, as a pie or a donut',
  histogram: 'How a numeric column is distributed, in bins',
  heatmap: 'A grid of two dimensions coloured by a number',
  table: 'The result as a table, sorted, first rows, cells coloured by rules',
  pivot: 'Sums of a number by two dimensions, as a grid (rows by columns)',
  single_number: 'One number, compared with the previous row when there is one',
  progress: 'A number against its goal',
};

export const chartWidgets: WidgetKind<typeof ChartConfig>[] = CHART_TYPES.map((type) => ({
  kind: type,
  description: DESCRIPTIONS[type],
  options: ChartConfig,
  compile: (config, data) => compileChart(type, config, data),
}));
