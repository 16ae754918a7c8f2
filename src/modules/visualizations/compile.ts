// Chart → Vega-Lite, from a fixed vocabulary. Nothing a user typed reaches Vega as something it
// evaluates: result columns are renamed `c0`, `c1`… in the inline data (a column name would be a
// field path, `a.b` or `a[0]`, inside Vega's generated expressions), names and titles go only
// where Vega-Lite takes plain text (`title`, axis and legend titles, data values drawn as text),
// and every format string is one written here, picked by an enum. Derived numbers (top N +
// "Other", durations in hours, a change against the previous value) are computed in JavaScript,
// never as Vega `calculate`/`filter` expressions.
import type { ChartConfig, ChartType, DateFormat, NumberFormat } from './chart-model.ts';
import { VisualizationsProblems } from './problems.ts';

export interface ChartData {
  columns: { name: string; type: string }[];
  rows: unknown[][];
}
export type VegaLiteSpec = Record<string, unknown>;

const SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';
const NUMERIC = new Set(['integer', 'number']);
const TEMPORAL = new Set(['date', 'timestamp']);

const NUMBER_FORMAT: Record<NumberFormat, string> = {
  plain: '.2~f',
  thousands: ',.2~f',
  compact: '.3~s',
  percent: '.1~%',
  currency: '$,.2f',
  duration: ',.1~f',
};
const DATE_FORMAT: Record<Exclude<DateFormat, 'auto'>, string> = { day: '%Y-%m-%d', month: '%b %Y', quarter: '%Y Q%q', year: '%Y' };
const TIME_UNIT: Record<DateFormat, string> = { auto: 'yearmonthdate', day: 'yearmonthdate', month: 'yearmonth', quarter: 'yearquarter', year: 'year' };

/** What each type cannot do without. */
const REQUIRED: Record<ChartType, { encoding: ('x' | 'y' | 'color' | 'series')[]; options?: 'goal'[] }> = {
  bar: { encoding: ['x', 'y'] },
  line: { encoding: ['x', 'y'] },
  area: { encoding: ['x', 'y'] },
  scatter: { encoding: ['x', 'y'] },
  pie: { encoding: ['x', 'y'] },
  histogram: { encoding: ['x'] },
  heatmap: { encoding: ['x', 'y', 'color'] },
  table: { encoding: [] },
  pivot: { encoding: ['x', 'series', 'y'] },
  single_number: { encoding: ['y'] },
  progress: { encoding: ['y'], options: ['goal'] },
};

/** Throws ENCODING_REQUIRED when the chart lacks a channel or option its type needs. */
export function assertComplete(type: ChartType, config: ChartConfig): void {
  const need = REQUIRED[type];
  const missing = [
    ...need.encoding.filter((c) => !config.encoding[c]).map((c) => `encoding.${c}`),
    ...(need.options ?? []).filter((o) => config.options[o] === undefined).map((o) => `options.${o}`),
  ];
  if (missing.length) throw VisualizationsProblems.encodingRequired.error(`A ${type} chart needs ${missing.join(', ')}`, { details: { missing } });
}

interface Col {
  field: string;
  name: string;
  index: number;
  numeric: boolean;
  temporal: boolean;
}

/** The chart's view of the result: columns by name, renamed, and the rows as Vega data. */
function prepare(config: ChartData) {
  const cols = new Map<string, Col>();
  config.columns.forEach((c, index) => {
    if (!cols.has(c.name)) cols.set(c.name, { field: `c${index}`, name: c.name, index, numeric: NUMERIC.has(c.type), temporal: TEMPORAL.has(c.type) });
  });
  const col = (name: string, numeric = false): Col => {
    const found = cols.get(name);
    const names = config.columns.map((c) => c.name);
    if (!found) throw VisualizationsProblems.unknownColumn.error(`The result has no column "${name}"`, { details: { column: name, columns: names } });
    if (numeric && !found.numeric) throw VisualizationsProblems.columnNotNumeric.error(`The column "${name}" is not numeric`, { details: { column: name } });
    return found;
  };
  return { col, cols: [...cols.values()] };
}

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v)) ? Number(v) : null);

function values(data: ChartData, durations: Set<number>): Record<string, unknown>[] {
  return data.rows.map((row) => {
    const out: Record<string, unknown> = {};
    row.forEach((cell, i) => {
      // Seconds shown as hours: a division here, not a Vega expression.
      out[`c${i}`] = durations.has(i) ? (num(cell) ?? 0) / 3600 : cell;
    });
    return out;
  });
}

/** The compiled spec of a chart over a result. Throws the module's problems for a bad match. */
export function compileChart(type: ChartType, config: ChartConfig, data: ChartData): VegaLiteSpec {
  assertComplete(type, config);
  const { encoding: enc, options: o } = config;
  const { col, cols } = prepare(data);

  const durations = new Set<number>();
  const formatOf = (f: NumberFormat | undefined) => (f ? NUMBER_FORMAT[f] : undefined);
  const measured = (c: Col, f: NumberFormat | undefined) => {
    if (f === 'duration') durations.add(c.index);
  };
  const title = (c: Col, given: string | undefined, f: NumberFormat | undefined) => given ?? (f === 'duration' ? `${c.name} (h)` : c.name);
  /** A positional channel: its field, type, title and format, all from the vocabulary. */
  const channel = (c: Col, given: string | undefined, f: NumberFormat | undefined, role: 'measure' | 'dimension') => {
    if (role === 'measure') measured(c, f);
    const type = role === 'measure' ? 'quantitative' : c.temporal ? 'temporal' : 'nominal';
    // The title on the channel: the axis and the marks' accessible descriptions both use it.
    const axis: Record<string, unknown> = {};
    if (type === 'quantitative' && formatOf(f)) axis.format = formatOf(f);
    if (type === 'temporal' && o.dateFormat && o.dateFormat !== 'auto') axis.format = DATE_FORMAT[o.dateFormat];
    return { field: c.field, type, title: title(c, given, f), axis };
  };
  const legend = (c: Col) => ({ field: c.field, type: c.numeric ? 'quantitative' : c.temporal ? 'temporal' : 'nominal', title: c.name, ...(o.colors ? { scale: { range: o.colors } } : {}) });
  const markColor = o.colors && !enc.color && !enc.series ? { color: o.colors[0] } : {};

  let body: VegaLiteSpec;
  let rows: Record<string, unknown>[] | undefined;
  switch (type) {
    case 'bar': {
      const x = col(enc.x as string);
      const y = col(enc.y as string, true);
      const series = enc.series ? col(enc.series) : undefined;
      const horizontal = o.orientation === 'horizontal';
      const cat: Record<string, unknown> = { ...channel(x, horizontal ? o.yTitle : o.xTitle, undefined, 'dimension'), sort: sortOf(o.sort, horizontal ? 'x' : 'y') };
      // Bars over dates are discrete (one per period), so that series can sit side by side.
      if (x.temporal) Object.assign(cat, { type: 'ordinal', timeUnit: TIME_UNIT[o.dateFormat ?? 'auto'], axis: {} });
      const val: Record<string, unknown> = channel(y, horizontal ? o.xTitle : o.yTitle, o.yFormat, 'measure');
      if (!series && o.limit) rows = topN(values(data, durations), x.field, y.field, o.limit);
      const e: Record<string, unknown> = horizontal ? { y: cat, x: val } : { x: cat, y: val };
      if (series) {
        e.color = legend(series);
        const stack = enc.stack ?? 'none';
        if (stack === 'none') e[horizontal ? 'yOffset' : 'xOffset'] = { field: series.field };
        val.stack = stack === 'normalized' ? 'normalize' : 'zero';
      }
      body = { mark: { type: 'bar', ...markColor }, encoding: e };
      break;
    }
    case 'line':
    case 'area': {
      const x = col(enc.x as string);
      const y = col(enc.y as string, true);
      const series = enc.series ? col(enc.series) : undefined;
      const val: Record<string, unknown> = channel(y, o.yTitle, o.yFormat, 'measure');
      if (type === 'area') val.stack = enc.stack === 'stacked' ? 'zero' : enc.stack === 'normalized' ? 'normalize' : null;
      const e: Record<string, unknown> = { x: { ...channel(x, o.xTitle, o.xFormat, x.numeric ? 'measure' : 'dimension'), ...(x.temporal || x.numeric ? {} : { sort: null }) }, y: val };
      if (series) e.color = legend(series);
      body = { mark: { type, ...(type === 'line' ? { point: data.rows.length <= 50 } : { opacity: series ? 0.8 : 1 }), ...markColor }, encoding: e };
      break;
    }
    case 'scatter': {
      const x = col(enc.x as string, true);
      const y = col(enc.y as string, true);
      const e: Record<string, unknown> = { x: { ...channel(x, o.xTitle, o.xFormat, 'measure'), scale: { zero: false } }, y: { ...channel(y, o.yTitle, o.yFormat, 'measure'), scale: { zero: false } } };
      if (enc.color) e.color = legend(col(enc.color));
      if (enc.size) e.size = { field: col(enc.size, true).field, type: 'quantitative', title: col(enc.size).name };
      body = { mark: { type: 'point', filled: true, ...markColor }, encoding: e };
      break;
    }
    case 'pie': {
      const x = col(enc.x as string);
      const y = col(enc.y as string, true);
      measured(y, o.yFormat);
      if (o.limit) rows = topN(values(data, durations), x.field, y.field, o.limit);
      body = {
        mark: { type: 'arc', ...(o.donut ? { innerRadius: 60 } : {}) },
        encoding: {
          theta: { field: y.field, type: 'quantitative', stack: true, title: title(y, o.yTitle, o.yFormat) },
          color: { field: x.field, type: 'nominal', title: o.xTitle ?? x.name, sort: sortOf(o.sort ?? 'descending', 'theta'), ...(o.colors ? { scale: { range: o.colors } } : {}) },
          order: { field: y.field, type: 'quantitative', sort: o.sort === 'ascending' ? 'ascending' : 'descending' },
        },
      };
      break;
    }
    case 'histogram': {
      const x = col(enc.x as string, true);
      const ch = channel(x, o.xTitle, o.xFormat, 'measure');
      body = {
        mark: { type: 'bar', ...markColor },
        encoding: { x: { ...ch, bin: { maxbins: o.bins ?? 20 } }, y: { aggregate: 'count', type: 'quantitative', axis: { title: o.yTitle ?? 'Count' } } },
      };
      break;
    }
    case 'heatmap': {
      const x = col(enc.x as string);
      const y = col(enc.y as string);
      const c = col(enc.color as string, true);
      measured(c, o.yFormat);
      body = {
        mark: 'rect',
        encoding: {
          x: channel(x, o.xTitle, undefined, 'dimension'),
          y: channel(y, o.yTitle, undefined, 'dimension'),
          color: { field: c.field, type: 'quantitative', title: c.name, ...(formatOf(o.yFormat) ? { legend: { format: formatOf(o.yFormat) } } : {}), ...(o.colors ? { scale: { range: o.colors } } : {}) },
        },
      };
      break;
    }
    case 'table':
      ({ body, rows } = table(cols, enc.y ? col(enc.y) : undefined, data, o));
      break;
    case 'pivot':
      ({ body, rows } = pivot(col(enc.x as string), col(enc.series as string), col(enc.y as string, true), data, o));
      break;
    case 'single_number': {
      const y = col(enc.y as string, true);
      ({ body, rows } = singleNumber(y, data, o));
      break;
    }
    case 'progress': {
      const y = col(enc.y as string, true);
      ({ body, rows } = progress(y, data, o));
      break;
    }
  }
  const config_: Record<string, unknown> = {};
  // The currency code matched ^[A-Z]{3}$: it is the only user text in a format, as a literal suffix.
  if (o.currency) config_.locale = { number: { decimal: '.', thousands: ',', grouping: [3], currency: ['', `\u00a0${o.currency}`] } };
  if (o.colors) config_.range = { category: o.colors };
  return { $schema: SCHEMA, ...(o.title ? { title: o.title } : {}), data: { values: rows ?? values(data, durations) }, ...body, config: config_ };
}

function sortOf(sort: 'none' | 'ascending' | 'descending' | undefined, by: string): string | null {
  if (sort === 'ascending') return by;
  if (sort === 'descending') return `-${by}`;
  return null;
}

/** The `limit` largest rows by value, the rest summed as one "Other" row. */
function topN(rows: Record<string, unknown>[], category: string, value: string, limit: number): Record<string, unknown>[] {
  if (rows.length <= limit) return rows;
  const sorted = [...rows].sort((a, b) => (num(b[value]) ?? 0) - (num(a[value]) ?? 0));
  const rest = sorted.slice(limit - 1).reduce((sum, r) => sum + (num(r[value]) ?? 0), 0);
  return [...sorted.slice(0, limit - 1), { [category]: 'Other', [value]: rest }];
}

function cellText(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'number') return v.toLocaleString('en-US', { maximumFractionDigits: 2 });
  const s = typeof v === 'string' ? v : JSON.stringify(v);
  return s.length > 60 ? `${s.slice(0, 59)}…` : s;
}

/** A table drawn as text marks: one datum per cell, its text made here (drawn as data, escaped). */
function table(cols: Col[], sortBy: Col | undefined, data: ChartData, o: ChartConfig['options']) {
  const shown = cols.slice(0, 20);
  let rows = data.rows;
  if (sortBy && o.sort && o.sort !== 'none') {
    const dir = o.sort === 'ascending' ? 1 : -1;
    rows = [...rows].sort((a, b) => {
      const x = a[sortBy.index];
      const y = b[sortBy.index];
      const nx = num(x);
      const ny = num(y);
      return dir * (nx !== null && ny !== null ? nx - ny : String(x ?? '').localeCompare(String(y ?? '')));
    });
  }
  rows = rows.slice(0, o.limit ?? 50);
  const cells = rows.flatMap((row, r) => shown.map((c) => ({ row: r, column: c.name, text: cellText(row[c.index]), color: highlightOf(o.highlight, c.name, row[c.index]) })));
  const x = { field: 'column', type: 'ordinal', sort: shown.map((c) => c.name), axis: { orient: 'top', title: null, labelAngle: 0, domain: false, ticks: false } };
  const y = { field: 'row', type: 'ordinal', axis: null };
  const mark = { type: 'text', align: 'left', limit: 160 };
  // Highlighted cells are a layer of their own, coloured by the rule's colour as is (scale: null):
  // the split is made here, not by a Vega filter expression.
  const body = {
    layer: [
      { data: { values: cells.filter((c) => !c.color).map(({ color: _c, ...cell }) => cell) }, mark, encoding: { x, y, text: { field: 'text', type: 'nominal' } } },
      { data: { values: cells.filter((c) => c.color) }, mark: { ...mark, fontWeight: 'bold' }, encoding: { x, y, text: { field: 'text', type: 'nominal' }, color: { field: 'color', type: 'nominal', scale: null, legend: null } } },
    ],
  };
  return { body, rows: [] as Record<string, unknown>[] };
}

/** Sums of `value` by `row` and `column` values (first seen first), drawn as a grid of text. */
function pivot(row: Col, column: Col, value: Col, data: ChartData, o: ChartConfig['options']) {
  const key = (v: unknown) => (v === null || v === undefined ? '' : typeof v === 'string' ? v : JSON.stringify(v));
  const sums = new Map<string, Map<string, number>>();
  const columns = new Set<string>();
  for (const r of data.rows) {
    const rk = key(r[row.index]);
    const ck = key(r[column.index]);
    columns.add(ck);
    const line = sums.get(rk) ?? new Map<string, number>();
    line.set(ck, (line.get(ck) ?? 0) + (num(r[value.index]) ?? 0));
    sums.set(rk, line);
  }
  const rowKeys = [...sums.keys()].slice(0, o.limit ?? 50);
  const columnKeys = [...columns].slice(0, 20);
  const scale = o.yFormat === 'duration' ? 1 / 3600 : 1;
  const cells = rowKeys.flatMap((rk) => columnKeys.filter((ck) => sums.get(rk)?.has(ck)).map((ck) => ({ r: rk, c: ck, v: (sums.get(rk)?.get(ck) ?? 0) * scale })));
  const body = {
    mark: { type: 'text', limit: 160 },
    encoding: {
      x: { field: 'c', type: 'ordinal', sort: columnKeys, title: column.name, axis: { orient: 'top', labelAngle: 0, domain: false, ticks: false } },
      y: { field: 'r', type: 'ordinal', sort: rowKeys, title: row.name, axis: { domain: false, ticks: false } },
      text: { field: 'v', type: 'quantitative', format: NUMBER_FORMAT[o.yFormat ?? 'thousands'] },
    },
  };
  return { body, rows: cells as Record<string, unknown>[] };
}

/** The colour of the first highlight rule a numeric cell matches, or null. */
function highlightOf(rules: ChartConfig['options']['highlight'], column: string, cell: unknown): string | null {
  const v = num(cell);
  if (v === null) return null;
  const rule = rules?.find((r) => r.column === column && (r.above !== undefined || r.below !== undefined) && (r.above === undefined || v > r.above) && (r.below === undefined || v < r.below));
  return rule?.color ?? null;
}

/** The first row's value; the second row's (the previous period, newest first) when there is one. */
function singleNumber(y: Col, data: ChartData, o: ChartConfig['options']) {
  const scale = o.yFormat === 'duration' ? 1 / 3600 : 1;
  const value = num(data.rows[0]?.[y.index]);
  const previous = data.rows.length > 1 ? num(data.rows[1]?.[y.index]) : null;
  const format = NUMBER_FORMAT[o.yFormat ?? 'thousands'];
  const layers: Record<string, unknown>[] = [
    { data: { values: [{ value: value === null ? null : value * scale }] }, mark: { type: 'text', fontSize: 48, fontWeight: 'bold', baseline: 'middle', ...(o.colors ? { color: o.colors[0] } : {}) }, encoding: { text: { field: 'value', type: 'quantitative', format } } },
  ];
  if (value !== null && previous !== null && previous !== 0) {
    const change = (value - previous) / Math.abs(previous);
    layers.push({
      data: { values: [{ change, label: `${change >= 0 ? '▲' : '▼'} vs previous` }] },
      mark: { type: 'text', fontSize: 16, dy: 44, color: change >= 0 ? '#2e7d32' : '#c62828' },
      encoding: { text: { field: 'change', type: 'quantitative', format: '+.1%' } },
    });
    layers.push({ data: { values: [{ label: `${change >= 0 ? '▲' : '▼'} vs previous (${(previous * scale).toLocaleString('en-US', { maximumFractionDigits: 2 })})` }] }, mark: { type: 'text', fontSize: 12, dy: 66 }, encoding: { text: { field: 'label', type: 'nominal' } } });
  }
  return { body: { layer: layers }, rows: [] as Record<string, unknown>[] };
}

/** A bar towards the goal, with the value and its share of the goal. */
function progress(y: Col, data: ChartData, o: ChartConfig['options']) {
  const value = num(data.rows[0]?.[y.index]) ?? 0;
  const goal = o.goal as number;
  const format = NUMBER_FORMAT[o.yFormat ?? 'thousands'];
  const max = Math.max(goal, value, 0) || 1;
  const x = { type: 'quantitative', scale: { domain: [0, max] }, axis: { title: o.yTitle ?? y.name, ...(o.yFormat ? { format } : {}) } };
  const body = {
    layer: [
      { data: { values: [{ v: goal }] }, mark: { type: 'bar', color: '#d0d5dd', height: 28 }, encoding: { x: { ...x, field: 'v' } } },
      { data: { values: [{ v: value }] }, mark: { type: 'bar', color: o.colors?.[0] ?? '#4c78a8', height: 28 }, encoding: { x: { ...x, field: 'v' } } },
      {
        data: { values: [{ share: goal === 0 ? 0 : value / goal }] },
        mark: { type: 'text', dy: -30, fontSize: 16, fontWeight: 'bold' },
        encoding: { text: { field: 'share', type: 'quantitative', format: '.0%' } },
      },
    ],
  };
  return { body, rows: [] as Record<string, unknown>[] };
}
