// The report's rows as horizontal bars (hours per group), drawn by React as SVG: no chart
// library for one bar chart, so the reports chunk stays small. The table under it carries the
// same figures for assistive technology; the SVG is one image with a summary as its name.
import type { components } from '../../api/schema';
import { formatDuration } from './week';

type Row = components['schemas']['TimeReportRow'];
const MAX_BARS = 15;
const LABEL = 200;
const BAR_AREA = 300;
const VALUE = 70;
const ROW_H = 26;

export function ReportChart({ rows, groupLabel }: { rows: Row[]; groupLabel: string }) {
  const shown = [...rows].sort((a, b) => b.durationSeconds - a.durationSeconds).slice(0, MAX_BARS);
  if (shown.length === 0) return null;
  const max = Math.max(...shown.map((r) => r.durationSeconds), 1);
  const height = shown.length * ROW_H + 8;
  const width = LABEL + BAR_AREA + VALUE;
  const summary = `Hours by ${groupLabel}: ${shown.map((r) => `${r.label} ${formatDuration(r.durationSeconds)}`).join(', ')}${rows.length > MAX_BARS ? `, and ${rows.length - MAX_BARS} more in the table` : ''}.`;
  // Long labels are cut to fit the label column (12 px text); the table has them whole.
  const cut = (s: string) => (s.length > 26 ? `${s.slice(0, 25)}…` : s);
  return (
    <svg className="chart" viewBox={`0 0 ${width} ${height}`} role="img" aria-label={summary}>
      {shown.map((r, i) => {
        const y = 4 + i * ROW_H;
        const w = Math.max(2, (r.durationSeconds / max) * BAR_AREA);
        return (
          <g key={r.key ?? r.label}>
            <text x={LABEL - 8} y={y + ROW_H / 2 + 4} textAnchor="end">
              {cut(r.label)}
            </text>
            <rect className="bar" x={LABEL} y={y + 3} width={w} height={ROW_H - 8} rx={3} />
            <text x={LABEL + w + 6} y={y + ROW_H / 2 + 4}>
              {formatDuration(r.durationSeconds)}
            </text>
          </g>
        );
      })}
    </svg>
  );
}
