// The grid's arithmetic, kept apart from React: the API's widgets to the grid library's layout
// and back, where a new widget goes, and the API's refusal of a layout spread over the widgets
// it names. The API owns the rules (12 columns, no overlap); the console does not pre-empt
// them, so a refused layout is shown as the API words it, next to the widget.
import { fieldName, type Problem } from '../../api/problem';
import type { Widget } from './types';

export const COLUMNS = 12;

export interface Cell {
  i: string;
  x: number;
  y: number;
  w: number;
  h: number;
}

export const toCells = (widgets: Widget[]): Cell[] => widgets.map(({ id, x, y, w, h }) => ({ i: id, x, y, w, h }));

/** The widgets with the places of `cells` (matched by id); widgets without a cell keep theirs. */
export function placeWidgets(widgets: Widget[], cells: readonly Cell[]): Widget[] {
  const byId = new Map(cells.map((c) => [c.i, c]));
  return widgets.map((w) => {
    const c = byId.get(w.id);
    return c ? { ...w, x: c.x, y: c.y, w: c.w, h: c.h } : w;
  });
}

/** Whether two layouts differ in any widget's place or size. */
export function layoutChanged(before: Widget[], after: Widget[]): boolean {
  const key = (ws: Widget[]) => JSON.stringify(ws.map(({ id, x, y, w, h }) => [id, x, y, w, h]));
  return key(before) !== key(after);
}

/** A free place for a new widget of width `w`: below everything, at the left. */
export function nextPlace(widgets: Widget[], w = 6, h = 4): { x: number; y: number; w: number; h: number } {
  const bottom = widgets.reduce((max, widget) => Math.max(max, widget.y + widget.h), 0);
  return { x: 0, y: bottom, w, h };
}

/** A widget id that is not taken, from its title. */
export function widgetId(title: string, taken: Widget[]): string {
  const base = title.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 40) || 'widget';
  const ids = new Set(taken.map((w) => w.id));
  if (!ids.has(base)) return base;
  let n = 2;
  while (ids.has(`${base}-${n}`)) n++;
  return `${base}-${n}`;
}

/** The refusal's messages per widget id (`body.widgets[1]` or `body.widgets[1].w` → widget 1). */
export function widgetMessages(problem: Problem | null, widgets: Widget[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of problem?.errors ?? []) {
    const match = /^widgets\[(\d+)\]|^widgets\.(\d+)/.exec(fieldName(e.field));
    if (!match) continue;
    const widget = widgets[Number(match[1] ?? match[2])];
    if (!widget) continue;
    out[widget.id] = out[widget.id] ? `${out[widget.id]}; ${e.message}` : e.message;
  }
  return out;
}

/** Reading order, as the API's exports use it: top to bottom, then left to right (the phone's one column). */
export const readingOrder = (widgets: Widget[]) => [...widgets].sort((a, b) => a.y - b.y || a.x - b.x);
