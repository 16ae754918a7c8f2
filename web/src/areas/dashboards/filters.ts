// Dashboard filters in the console: the values a person picked, as /data's `filters` query
// (only filters given a value; the others keep their default), and a new filter's definition.
import type { DashboardFilter, FilterValue } from './types';

/** The form's raw values per filter id: date ranges and number ranges keep two parts. */
export type FilterInputs = Record<string, { a?: string; b?: string }>;

export function filterQuery(filters: DashboardFilter[], inputs: FilterInputs): Record<string, FilterValue> {
  const out: Record<string, FilterValue> = {};
  for (const f of filters) {
    const { a = '', b = '' } = inputs[f.id] ?? {};
    if (f.kind === 'date_range') {
      if (a || b) out[f.id] = { ...(a ? { from: a } : {}), ...(b ? { to: b } : {}) };
    } else if (f.kind === 'number_range') {
      if (a !== '' || b !== '') out[f.id] = { ...(a !== '' ? { min: Number(a) } : {}), ...(b !== '' ? { max: Number(b) } : {}) };
    } else if (a) out[f.id] = a;
  }
  return out;
}

/** A filter id from its label, unique among `taken`. */
export function filterId(label: string, taken: DashboardFilter[]): string {
  const base = label.toLowerCase().replace(/[^a-z0-9]+/g, '_').replace(/^_|_$/g, '').slice(0, 40) || 'filter';
  const ids = new Set(taken.map((f) => f.id));
  let id = base;
  for (let n = 2; ids.has(id); n++) id = `${base}_${n}`;
  return id;
}

/** A filter's value in words, for the read-only view and the page's status line. */
export function describeValue(value: unknown): string {
  if (value === null || value === undefined) return 'any';
  if (typeof value !== 'object') return String(value);
  const v = value as { preset?: string; from?: string; to?: string; min?: number; max?: number };
  if (v.preset) return v.preset.replaceAll('_', ' ');
  if (v.from !== undefined || v.to !== undefined) return `${v.from ?? '…'} – ${v.to ?? '…'}`;
  return `${v.min ?? '…'} – ${v.max ?? '…'}`;
}
