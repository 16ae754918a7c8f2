// A whole dashboard as one picture: a header, then the 12-column grid as it sits on screen, each
// widget in its cell rectangle. Charts are the chart's own SVG nested at the cell (`<svg x y>`),
// tables and text are SVG text (escaped), and resvg rasterizes the lot with the DejaVu fonts
// shipped in a package, as the visualizations renderer does: the same pixels on every machine.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { type ChartSvg, cellText, type DashboardExport, errorLine, type ExportWidget, htmlToText } from './export-model.ts';
import { COLUMNS } from './layout.ts';

const FONT = 'DejaVu Sans';
const fontDir = join(dirname(createRequire(import.meta.url).resolve('dejavu-fonts-ttf/package.json')), 'ttf');

const WIDTH = 1200;
const PAD = 16;
const GAP = 8;
const ROW = 80;
const COL = (WIDTH - 2 * PAD) / COLUMNS;
const LINE = 16;
const TITLE_H = 26;

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
/** Characters a text of `px` width can hold, roughly (DejaVu Sans at 12 px is about 7 px a character). */
const clip = (s: string, px: number, charPx = 7) => {
  const max = Math.max(1, Math.floor(px / charPx));
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
};
const text = (x: number, y: number, s: string, attrs = '', size = 12) => `<text x="${x}" y="${y}" font-family="${FONT}" font-size="${size}" ${attrs.includes('fill=') ? '' : 'fill="#1f2328" '}${attrs}>${esc(s)}</text>`;

/** The chart's SVG placed at (x, y): its root element gets the position, the XML declaration goes. */
const nest = (svg: string, x: number, y: number) => svg.replace(/^\s*(<\?xml[^>]*>\s*)?<svg\b/, `<svg x="${x}" y="${y}"`);

export async function dashboardSvg(model: DashboardExport, chartSvg: ChartSvg): Promise<string> {
  const header: string[] = [];
  let hy = PAD + 24;
  header.push(text(PAD, hy, clip(model.name, WIDTH - 2 * PAD, 13), 'font-weight="bold"', 22));
  hy += 8;
  for (const line of [...model.filters.map((f) => `${f.label}: ${f.value}`), `Generated ${model.generated}`]) {
    hy += LINE + 2;
    header.push(text(PAD, hy, clip(line, WIDTH - 2 * PAD), 'fill="#424a53"'));
  }
  const top = hy + 16;
  const rows = Math.max(0, ...model.widgets.map((w) => w.widget.y + w.widget.h));
  const height = top + rows * ROW + PAD;

  const cells = await Promise.all(
    model.widgets.map(async (w) => {
      const x = PAD + w.widget.x * COL + GAP / 2;
      const y = top + w.widget.y * ROW + GAP / 2;
      const cw = w.widget.w * COL - GAP;
      const ch = w.widget.h * ROW - GAP;
      const frame = `<rect x="${x}" y="${y}" width="${cw}" height="${ch}" rx="6" fill="#ffffff" stroke="#d0d7de"/>`;
      return frame + (await cell(w, x, y, cw, ch, chartSvg));
    }),
  );
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}">`,
    `<rect width="${WIDTH}" height="${height}" fill="#f6f8fa"/>`,
    ...header,
    ...cells,
    '</svg>',
  ].join('\n');
}

async function cell(w: ExportWidget, x: number, y: number, cw: number, ch: number, chartSvg: ChartSvg): Promise<string> {
  const inner = x + 10;
  const usable = cw - 20;
  const title = text(inner, y + 20, clip(w.title, usable), 'font-weight="bold"');
  if (w.data.status !== 'ok') return title + text(inner, y + 20 + LINE + 4, clip(errorLine(w), usable), 'fill="#b42318"');
  if (w.widget.kind === 'chart') {
    try {
      const svg = await chartSvg(w.data.spec as Record<string, unknown>, Math.round(usable), Math.round(ch - TITLE_H - 8));
      return title + nest(svg, inner, y + TITLE_H);
    } catch {
      return title + text(inner, y + 20 + LINE + 4, clip(`Widget ${w.title}: the chart could not be drawn`, usable), 'fill="#b42318"');
    }
  }
  const lines: { s: string; attrs?: string }[] = [];
  if (w.widget.kind === 'question' && w.data.result) {
    const { columns, rows } = w.data.result;
    const colW = usable / Math.max(1, columns.length);
    const fit = Math.max(0, Math.floor((ch - TITLE_H - 12) / LINE) - 1);
    const shown = rows.length > fit ? Math.max(0, fit - 1) : rows.length;
    const out: string[] = [title];
    const rowAt = (i: number) => y + TITLE_H + 12 + i * LINE;
    for (const [j, c] of columns.entries()) out.push(text(inner + j * colW, rowAt(0), clip(c.name, colW - 6), 'font-weight="bold"'));
    for (const [i, r] of rows.slice(0, shown).entries()) {
      for (const [j, v] of r.entries()) out.push(text(inner + j * colW, rowAt(i + 1), clip(cellText(v), colW - 6)));
    }
    if (shown < rows.length) out.push(text(inner, rowAt(shown + 1), `… ${rows.length - shown} more rows`, 'fill="#424a53"'));
    return out.join('');
  }
  for (const s of htmlToText(w.data.html ?? '').split('\n')) lines.push({ s });
  const fit = Math.max(0, Math.floor((ch - (w.widget.title ? TITLE_H : 8)) / LINE));
  const start = w.widget.title ? y + TITLE_H + 12 : y + 20;
  return (w.widget.title ? title : '') + lines.slice(0, fit).map((l, i) => text(inner, start + i * LINE, clip(l.s, usable), l.attrs)).join('');
}

/** The dashboard as a PNG, 1200 px wide. */
export async function renderDashboardPng(model: DashboardExport, chartSvg: ChartSvg): Promise<Buffer> {
  const svg = await dashboardSvg(model, chartSvg);
  // On libuv's thread pool (`renderAsync`): a 1200 px board takes long enough to hold requests up.
  const { renderAsync } = await import('@resvg/resvg-js');
  const png = (await renderAsync(svg, { font: { fontDirs: [fontDir], loadSystemFonts: false, defaultFontFamily: FONT }, fitTo: { mode: 'original' } })).asPng();
  return Buffer.from(png);
}
