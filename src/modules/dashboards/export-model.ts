// What an export draws, whatever the format: the dashboard's name, the filters as applied, the
// time it was made in the org's zone, and each widget with its data (or its error), in reading
// order. The renderers (render-pdf.ts, render-png.ts) only lay this out.
import sanitizeHtml from 'sanitize-html';
import type { Dashboard, DashboardData } from './service.ts';
import type { Widget } from './schemas.ts';
import type { WidgetData } from './widgets.ts';
import { longDateTimeIn } from '../../core/time/zones.ts';

export interface ExportWidget {
  widget: Widget;
  /** A title to show: the widget's own, else its chart's, else its id. */
  title: string;
  data: WidgetData;
}

export interface DashboardExport {
  name: string;
  orgName: string;
  /** "6 December 2026 at 19:08 (Europe/Berlin)". */
  generated: string;
  filters: { label: string; value: string }[];
  widgets: ExportWidget[];
}

/** Draws a chart spec as SVG at a size (the visualizations renderer, injected so renderers stay pure). */
export type ChartSvg = (spec: Record<string, unknown>, width: number, height: number) => Promise<string>;

type Applied = DashboardData['filters'][number]['value'];

/** A filter's applied value as a person reads it. */
export function filterText(value: Applied): string {
  if (value === null || value === undefined) return 'any';
  if (typeof value !== 'object') return String(value);
  const v = value as { from?: string; to?: string; min?: number; max?: number };
  if (v.from !== undefined || v.to !== undefined) return `${v.from ?? '…'} – ${v.to ?? '…'}`;
  if (v.min !== undefined && v.max !== undefined) return `${v.min} – ${v.max}`;
  if (v.min !== undefined) return `at least ${v.min}`;
  if (v.max !== undefined) return `at most ${v.max}`;
  return 'any';
}

/** The generation time in the org's zone (core/time). */
export const generatedText = longDateTimeIn;

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ' };

/** A text widget's sanitized HTML as plain lines: each block on a line of its own, tags gone, entities decoded. */
export function htmlToText(html: string): string {
  const broken = html.replace(/<br\s*\/?>|<\/(p|h[1-6]|li|tr|blockquote|pre|table)>/gi, '\n').replace(/<li>/gi, '• ');
  const bare = sanitizeHtml(broken, { allowedTags: [], allowedAttributes: {} });
  const decoded = bare.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (m, e: string) => {
    if (e[0] === '#') {
      const code = e[1] === 'x' || e[1] === 'X' ? Number.parseInt(e.slice(2), 16) : Number(e.slice(1));
      return Number.isFinite(code) && code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : m;
    }
    return ENTITIES[e.toLowerCase()] ?? m;
  });
  return decoded
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '')
    .join('\n')
    .trim();
}

/** A result cell as text. */
export function cellText(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

/** The line an export shows for a widget that failed. */
export const errorLine = (w: ExportWidget) => `Widget ${w.title}: ${w.data.error?.detail ?? 'could not be computed'}`;

/** The export's content from a snapshot: widgets top to bottom, left to right. */
export function exportModel(dashboard: Dashboard, data: DashboardData, orgName: string, generated: string): DashboardExport {
  const byId = new Map(data.widgets.map((d) => [d.widgetId, d]));
  const labels = new Map(dashboard.filters.map((f) => [f.id, f.label]));
  const widgets = [...dashboard.widgets]
    .sort((a, b) => a.y - b.y || a.x - b.x)
    .map((widget): ExportWidget => {
      const d = byId.get(widget.id) as WidgetData;
      const specTitle = (d.spec as Record<string, unknown> | undefined)?.title as string | { text?: unknown } | undefined;
      const chartTitle = typeof specTitle === 'string' ? specTitle : typeof specTitle?.text === 'string' ? specTitle.text : undefined;
      return { widget, title: widget.title ?? chartTitle ?? widget.id, data: d };
    });
  return {
    name: dashboard.name,
    orgName,
    generated,
    filters: data.filters.map((f) => ({ label: labels.get(f.id) ?? f.id, value: filterText(f.value) })),
    widgets,
  };
}
