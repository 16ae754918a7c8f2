// One subscription mail, from a snapshot computed as its recipient (their rights). The body holds
// each question widget's values as an HTML table (and as text); the formats add the rest:
//   inline: each chart drawn as a PNG, attached inline and shown in the body (`cid:`) in reading order;
//   pdf:    the dashboard's PDF attached, made as its export makes it (export-files.ts);
//   csv:    a CSV file per table, UTF-8 with a header row, formula-like cells written as text.
// The attachments of a mail stay under MAIL_ATTACHMENT_BYTES: over it, the biggest are left out
// and the body says which. Drawing is most of a mail's cost: it happens on the drawing thread
// (drawing.ts), and recipients who see the same data get the same pictures, so a run draws each
// distinct chart and PDF once (`DrawnFiles`).
import { createHash, randomBytes } from 'node:crypto';
import { stringify } from 'csv-stringify/sync';
import { html, type MailAttachment, oneLine, paragraph, renderMail, type SafeHtml } from '../../core/mail/index.ts';
import { neutralizeCell } from '../../core/spreadsheet.ts';
import { drawChart, drawDashboardFile } from './drawing.ts';
import { fileStem } from './export-files.ts';
import { cellText, type DashboardExport, type ExportWidget, exportModel, generatedText } from './export-model.ts';
import type { Dashboard, DashboardData } from './service.ts';
import type { SubscriptionFormat } from './subscriptions-schemas.ts';

/**
 * The most attachment bytes one mail carries. Base64 makes them a third bigger on the wire, so
 * 10 MB of files is about 13.5 MB of mail: under the 20–25 MB that common mail servers accept
 * (Gmail, Microsoft 365 by default), with room for the body.
 */
export const MAIL_ATTACHMENT_BYTES = 10 * 1024 * 1024;
/** Rows of a table in the body: a mail is a summary, the dashboard (or the CSV) has the rest. */
const MAIL_ROWS = 50;
/** The width of the mail's content column (core's layout: 560 px less its padding), in CSS pixels. */
const CHART_WIDTH = 496;
/** Chart height per grid row of its widget, within bounds a mail reader scrolls past comfortably. */
const CHART_ROW = 60;
const CHART_HEIGHT = { min: 200, max: 400 };
/** Pixels per CSS pixel of an inline chart: sharp on screens that show two pixels a point. */
const CHART_SCALE = 2;

/** Most drawings a run keeps for the recipients after: the latest ones, as they come in order. */
const DRAWN_KEPT = 16;

/**
 * The drawings of one run, keyed by a digest of everything they show. Two recipients share one
 * only when their charts (the spec holds the data) or PDFs (the model holds every value drawn)
 * are the same, so nobody gets a picture of data they did not compute.
 */
export type DrawnFiles = Map<string, Promise<Buffer>>;

function drawOnce(drawn: DrawnFiles | undefined, what: unknown, draw: () => Promise<Buffer>): Promise<Buffer> {
  if (!drawn) return draw();
  const key = createHash('sha256').update(JSON.stringify(what)).digest('base64url');
  let file = drawn.get(key);
  if (!file) {
    file = draw();
    drawn.set(key, file);
    file.catch(() => drawn.delete(key));
    for (const old of drawn.keys()) if (drawn.size > DRAWN_KEPT) drawn.delete(old);
  }
  return file;
}

/** What a PDF draws of the model: the results without their timings and cache state, which vary from one computation to the next. */
const drawnPdf = (m: DashboardExport) => ({
  ...m,
  widgets: m.widgets.map((w) => ({ ...w, data: { ...w.data, result: w.data.result && { columns: w.data.result.columns, rows: w.data.result.rows, truncated: w.data.result.truncated } } })),
});

export interface SubscriptionMailInput {
  /** Where the dashboard is, for the link on top. */
  link: string;
  /** The dashboard and its data, both as the recipient sees them. */
  snapshot: { dashboard: Dashboard; data: DashboardData };
  formats: readonly SubscriptionFormat[];
  org: { name: string; timezone: string } | null;
  /** The run's time: the PDF's "generated" line. */
  at: Date;
  /** The most attachment bytes the mail may carry: MAIL_ATTACHMENT_BYTES unless a test says less. */
  maxAttachmentBytes?: number;
  /** The run's drawings so far, shared with the recipients before and after. */
  drawn?: DrawnFiles;
}

export interface SubscriptionMail {
  subject: string;
  text: string;
  html: string;
  attachments: MailAttachment[];
}

const cid = (i: number) => `chart-${i + 1}.${randomBytes(6).toString('hex')}@trellis`;
const size = (bytes: number) => (bytes >= 1024 * 1024 ? `${(bytes / (1024 * 1024)).toFixed(1)} MB` : `${Math.max(1, Math.round(bytes / 1024))} kB`);

/** A cell for a spreadsheet: numbers and booleans as they are, any text that could start a formula made text. */
const csvCell = (v: unknown): string | number | boolean | null => {
  if (v === null || v === undefined) return null;
  if (typeof v === 'number' || typeof v === 'boolean') return v;
  return neutralizeCell(typeof v === 'string' ? v : JSON.stringify(v));
};

/** The result as CSV: a byte-order mark so spreadsheets read UTF-8, a header row, CRLF as RFC 4180 has it. */
export function resultCsv(result: { columns: { name: string }[]; rows: unknown[][] }): Buffer {
  const body = stringify([result.columns.map((c) => neutralizeCell(c.name)), ...result.rows.map((r) => r.map(csvCell))], { record_delimiter: 'windows', cast: { boolean: (b) => String(b) } });
  return Buffer.from(`\uFEFF${body}`, 'utf8');
}

/** `name.ext`, or `name-2.ext` and on when a name is taken already (two widgets with one title). */
function uniqueName(taken: Set<string>, stem: string, ext: string): string {
  let name = `${stem}.${ext}`;
  for (let n = 2; taken.has(name.toLowerCase()); n++) name = `${stem}-${n}.${ext}`;
  taken.add(name.toLowerCase());
  return name;
}

/** Leaves out the biggest attachments until the rest fit the cap; answers the ones left out. */
export function fitAttachments(files: readonly MailAttachment[], cap = MAIL_ATTACHMENT_BYTES): { kept: MailAttachment[]; left: MailAttachment[] } {
  const left = new Set<MailAttachment>();
  let total = files.reduce((n, f) => n + f.content.length, 0);
  for (const f of [...files].sort((a, b) => b.content.length - a.content.length)) {
    if (total <= cap) break;
    left.add(f);
    total -= f.content.length;
  }
  return { kept: files.filter((f) => !left.has(f)), left: files.filter((f) => left.has(f)) };
}

const chartHeight = (w: ExportWidget) => Math.min(CHART_HEIGHT.max, Math.max(CHART_HEIGHT.min, w.widget.h * CHART_ROW));

/** The mail of one recipient. */
export async function subscriptionMail(input: SubscriptionMailInput): Promise<SubscriptionMail> {
  const { snapshot, formats, org, at, drawn } = input;
  const name = oneLine(snapshot.dashboard.name);
  const model = exportModel(snapshot.dashboard, snapshot.data, org?.name ?? '', '');
  const taken = new Set<string>();
  const ok = (w: ExportWidget) => w.data.status === 'ok';

  // Every file first (each widget's in reading order, then the PDF), so the cap can choose among them.
  const charts = new Map<ExportWidget, MailAttachment | null>();
  if (formats.includes('inline')) {
    for (const [i, w] of model.widgets.entries()) {
      if (w.widget.kind !== 'chart' || !ok(w)) continue;
      try {
        const opts = { format: 'png', width: CHART_WIDTH, height: chartHeight(w), theme: 'light', scale: CHART_SCALE } as const;
        const png = await drawOnce(drawn, ['png', w.data.spec, opts], () => drawChart(w.data.spec as Record<string, unknown>, opts));
        charts.set(w, { filename: uniqueName(taken, fileStem(w.title), 'png'), contentType: 'image/png', content: png, contentId: cid(i) });
      } catch {
        // A chart the renderer refuses fails alone, as in the PDF.
        charts.set(w, null);
      }
    }
  }
  const tables = new Map<ExportWidget, MailAttachment>();
  if (formats.includes('csv')) {
    for (const w of model.widgets) {
      if (w.widget.kind === 'question' && ok(w) && w.data.result) {
        tables.set(w, { filename: uniqueName(taken, fileStem(w.title), 'csv'), contentType: 'text/csv; charset=utf-8', content: resultCsv(w.data.result) });
      }
    }
  }
  let pdf: MailAttachment | null = null;
  if (formats.includes('pdf')) {
    const drawnModel = drawnPdf(exportModel(snapshot.dashboard, snapshot.data, org?.name ?? '', generatedText(at, org?.timezone ?? 'UTC')));
    const content = await drawOnce(drawn, ['pdf', drawnModel], () => drawDashboardFile('pdf', snapshot, org, at));
    pdf = { filename: uniqueName(taken, fileStem(snapshot.dashboard.name), 'pdf'), contentType: 'application/pdf', content };
  }
  const files = [...charts.values(), ...tables.values(), pdf].filter((f): f is MailAttachment => f !== null);
  const cap = input.maxAttachmentBytes ?? MAIL_ATTACHMENT_BYTES;
  const { kept, left } = fitAttachments(files, cap);
  const sent = new Set(kept);

  const blocks: SafeHtml[] = [paragraph(html`<a href="${input.link}">${name}</a>`)];
  const text: string[] = [`${name}: ${input.link}`, ''];
  if (left.length) {
    const list = left.map((f) => `${f.filename} (${size(f.content.length)})`).join(', ');
    const line = `Left out to keep this mail under ${size(cap)}: ${list}. The dashboard has everything.`;
    blocks.push(paragraph(html`<em>${line}</em>`));
    text.push(line, '');
  }
  if (pdf && sent.has(pdf)) {
    blocks.push(paragraph(html`The dashboard is attached as a PDF: ${pdf.filename}.`));
    text.push(`The dashboard is attached as a PDF: ${pdf.filename}.`, '');
  }
  const elsewhere = pdf && sent.has(pdf) ? 'on the dashboard and in the attached PDF' : 'on the dashboard';

  for (const w of model.widgets) {
    const title = oneLine(w.title);
    if (w.widget.kind === 'text') continue;
    if (!ok(w)) {
      const why = w.data.error?.detail ?? w.data.status;
      blocks.push(html`<h3>${title}</h3>`, paragraph(html`Not available: ${why}`));
      text.push(`${title}: not available (${why})`, '');
      continue;
    }
    if (w.widget.kind === 'chart') {
      const png = charts.get(w);
      blocks.push(html`<h3>${title}</h3>`);
      if (png && sent.has(png)) {
        const height = chartHeight(w);
        blocks.push(
          html`<p style="margin:0 0 16px;"><img src="cid:${png.contentId as string}" alt="${title}" width="${CHART_WIDTH}" height="${height}" style="display:block;width:100%;max-width:${CHART_WIDTH}px;height:auto;border:0;"></p>`,
        );
        text.push(`${title}: the chart is attached (${png.filename})`, '');
      } else if (png === null) {
        blocks.push(paragraph(html`Not available: the chart could not be drawn.`));
        text.push(`${title}: not available (the chart could not be drawn)`, '');
      } else {
        blocks.push(paragraph(html`See the chart ${elsewhere}.`));
        text.push(`${title}: see the chart ${elsewhere}`, '');
      }
      continue;
    }
    const r = w.data.result;
    if (!r) continue;
    const rows = r.rows.slice(0, MAIL_ROWS);
    blocks.push(
      html`<h3>${title}</h3>`,
      html`<table style="border-collapse:collapse;margin:0 0 16px;" border="1" cellpadding="4"><tr>${r.columns.map((c) => html`<th>${c.name}</th>`)}</tr>${rows.map((row) => html`<tr>${row.map((cell) => html`<td>${cellText(cell)}</td>`)}</tr>`)}</table>`,
    );
    text.push(title, r.columns.map((c) => c.name).join('\t'), ...rows.map((row) => row.map(cellText).join('\t')), '');
    const csv = tables.get(w);
    if (csv && sent.has(csv)) {
      const line = `The attached ${csv.filename} has ${r.rows.length === 1 ? 'its row' : `its ${r.rows.length} rows`}.`;
      blocks.push(paragraph(html`${line}`));
      text.push(line, '');
    } else if (r.rowCount > rows.length) {
      blocks.push(paragraph(html`${r.rowCount - rows.length} more rows on the dashboard.`));
      text.push(`${r.rowCount - rows.length} more rows on the dashboard.`, '');
    }
  }
  const mail = renderMail({
    subject: name,
    title: name,
    html: blocks,
    text,
    footer: 'You get this mail because you were subscribed to this dashboard. Its owner can remove you.',
  });
  return { ...mail, attachments: kept };
}
