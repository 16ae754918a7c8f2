// A dashboard's widgets on its grid, checked as a whole: 12 columns, heights of 1 to 24 rows,
// no widget past the right edge, no two widgets on the same cell, each widget carrying what its
// kind needs, each filter mapping naming a filter of the dashboard with the right part.
import type { FilterDef, Widget } from './schemas.ts';

export const COLUMNS = 12;
export const MAX_HEIGHT = 24;

export interface FieldError {
  field: string;
  message: string;
}

const PARTS: Record<FilterDef['kind'], readonly (string | undefined)[]> = {
  date_range: ['from', 'to'],
  number_range: ['min', 'max'],
  category: [undefined],
  text: [undefined],
};

/** Every problem of the layout, each naming the widget (`body.widgets[i]`); empty when valid. */
export function layoutErrors(widgets: readonly Widget[], filters: readonly FilterDef[]): FieldError[] {
  const errors: FieldError[] = [];
  const at = (i: number, message: string, key?: string) => errors.push({ field: `body.widgets[${i}]${key ? `.${key}` : ''}`, message: `widget "${widgets[i].id}" ${message}` });
  const ids = new Set<string>();
  const filterKinds = new Map(filters.map((f) => [f.id, f.kind]));
  widgets.forEach((w, i) => {
    if (ids.has(w.id)) at(i, 'has the id of another widget', 'id');
    ids.add(w.id);
    if (w.x < 0) at(i, 'starts left of the grid (x < 0)', 'x');
    if (w.w < 1) at(i, 'is narrower than one column', 'w');
    if (w.x + w.w > COLUMNS) at(i, `ends past column ${COLUMNS} (x + w > ${COLUMNS})`, 'w');
    if (w.h < 1 || w.h > MAX_HEIGHT) at(i, `must be 1 to ${MAX_HEIGHT} rows high`, 'h');
    if (w.y < 0) at(i, 'starts above the grid (y < 0)', 'y');
    if (w.kind === 'question' && !w.questionId) at(i, 'needs a questionId', 'questionId');
    if (w.kind === 'chart' && !w.chartId) at(i, 'needs a chartId', 'chartId');
    if (w.kind === 'text' && w.markdown === undefined) at(i, 'needs markdown', 'markdown');
    if (w.kind !== 'question' && w.questionId) at(i, `is a ${w.kind} widget: questionId is for question widgets`, 'questionId');
    if (w.kind !== 'chart' && w.chartId) at(i, `is a ${w.kind} widget: chartId is for chart widgets`, 'chartId');
    if (w.kind !== 'text' && w.markdown !== undefined) at(i, `is a ${w.kind} widget: markdown is for text widgets`, 'markdown');
    if (w.kind === 'text' && (w.filters?.length ?? 0) > 0) at(i, 'is a text widget: it takes no filters', 'filters');
    const mapped = new Set<string>();
    for (const m of w.filters ?? []) {
      const kind = filterKinds.get(m.filterId);
      if (!kind) {
        at(i, `maps filter "${m.filterId}", which the dashboard does not declare`, 'filters');
        continue;
      }
      if (!PARTS[kind].includes(m.part)) {
        at(i, `maps filter "${m.filterId}" (${kind}) ${m.part ? `with part "${m.part}"` : 'without a part'}: ${kind === 'date_range' ? 'use part "from" or "to"' : kind === 'number_range' ? 'use part "min" or "max"' : 'give no part'}`, 'filters');
      }
      if (mapped.has(m.parameter)) at(i, `maps parameter "${m.parameter}" twice`, 'filters');
      mapped.add(m.parameter);
    }
  });
  // Overlaps: boards are small (at most 100 widgets), so every pair is checked.
  for (let i = 0; i < widgets.length; i++) {
    for (let j = 0; j < i; j++) {
      const a = widgets[i];
      const b = widgets[j];
      if (a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h) at(i, `overlaps widget "${b.id}"`);
    }
  }
  return errors;
}
