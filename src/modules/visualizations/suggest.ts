// Charts proposed for a result, from its column types and how many distinct values its text
// columns hold: a starting point a person then adjusts, never saved on its own.
import type { ChartConfig, ChartType } from './chart-model.ts';
import type { ChartData } from './compile.ts';

export interface Suggestion extends ChartConfig {
  type: ChartType;
  reason: string;
}

/** Past this many categories a bar chart shows the top ones and sums the rest as "Other". */
export const MAX_CATEGORIES = 12;
const NUMERIC = new Set(['integer', 'number']);
const TEMPORAL = new Set(['date', 'timestamp']);
const CATEGORICAL = new Set(['text', 'boolean']);

export function suggestCharts(data: ChartData): Suggestion[] {
  const numbers = data.columns.filter((c) => NUMERIC.has(c.type)).map((c) => c.name);
  const times = data.columns.filter((c) => TEMPORAL.has(c.type)).map((c) => c.name);
  const categories = data.columns
    .map((c, i) => ({ name: c.name, type: c.type, distinct: new Set(data.rows.map((r) => r[i])).size }))
    .filter((c) => CATEGORICAL.has(c.type));
  const out: Suggestion[] = [];
  const [y, y2] = numbers;

  if (y && data.rows.length === 1) {
    out.push({ type: 'single_number', encoding: { y }, options: { title: y }, reason: `One row: its "${y}" as a single number` });
  }
  if (y && times[0] && data.rows.length > 1) {
    const series = categories.find((c) => c.distinct > 1 && c.distinct <= MAX_CATEGORIES)?.name;
    out.push({ type: 'line', encoding: { x: times[0], y, ...(series ? { series } : {}) }, options: {}, reason: `"${y}" over time ("${times[0]}")${series ? `, one line per "${series}"` : ''}` });
  }
  const category = categories[0];
  if (y && category && data.rows.length > 1) {
    if (category.distinct > MAX_CATEGORIES) {
      out.push({
        type: 'bar',
        encoding: { x: category.name, y },
        options: { sort: 'descending', limit: MAX_CATEGORIES, orientation: 'horizontal' },
        reason: `"${y}" by "${category.name}": ${category.distinct} values, the top ${MAX_CATEGORIES - 1} and the rest as "Other"`,
      });
    } else {
      out.push({ type: 'bar', encoding: { x: category.name, y }, options: { sort: 'descending' }, reason: `"${y}" by "${category.name}", largest first` });
      if (category.distinct <= 6) out.push({ type: 'pie', encoding: { x: category.name, y }, options: { donut: true }, reason: `Each "${category.name}"'s share of "${y}"` });
    }
  }
  if (y && y2 && data.rows.length > 1) {
    out.push({ type: 'scatter', encoding: { x: y, y: y2, ...(category && category.distinct <= MAX_CATEGORIES ? { color: category.name } : {}) }, options: {}, reason: `"${y2}" against "${y}"` });
  }
  if (y && !times[0] && !category && data.rows.length > 1) {
    out.push({ type: 'histogram', encoding: { x: y }, options: {}, reason: `How "${y}" is distributed` });
  }
  out.push({ type: 'table', encoding: {}, options: {}, reason: 'The result as a table' });
  return out;
}
