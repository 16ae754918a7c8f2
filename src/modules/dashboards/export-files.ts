// A dashboard snapshot drawn as a file: what the export job stores and what a subscription
// attaches, made the same way by both (the model with the org's name and the time in its zone,
// then the PDF or PNG renderer with charts through the visualizations renderer). Runs on the
// drawing thread (drawing.ts), which gives it the chart renderer.
import { type ChartSvg, exportModel, generatedText } from './export-model.ts';
import type { Dashboard, DashboardData } from './service.ts';

export type ExportFormat = 'pdf' | 'png';
export const EXPORT_CONTENT_TYPES: Record<ExportFormat, string> = { pdf: 'application/pdf', png: 'image/png' };

/** `Ventes été 2026 / Q3` → `Ventes-ete-2026-Q3`: a file name any system keeps (accents dropped, not the letters). */
export const fileStem = (name: string) =>
  name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^A-Za-z0-9._-]+/g, '-')
    .replace(/^[-.]+|-+$/g, '')
    .slice(0, 80) || 'dashboard';

/** The snapshot (computed as the one who gets the file) as a PDF or PNG, titled, with its filters and the time `at` in the org's zone. */
export async function renderDashboardFile(
  format: ExportFormat,
  snapshot: { dashboard: Dashboard; data: DashboardData },
  org: { name: string; timezone: string } | null,
  at: Date,
  chartSvg: ChartSvg,
): Promise<Buffer> {
  const model = exportModel(snapshot.dashboard, snapshot.data, org?.name ?? '', generatedText(at, org?.timezone ?? 'UTC'));
  // pdfkit and resvg are heavy: only a server that makes a file loads them.
  return format === 'pdf' ? (await import('./render-pdf.ts')).renderDashboardPdf(model, chartSvg) : (await import('./render-png.ts')).renderDashboardPng(model, chartSvg);
}
