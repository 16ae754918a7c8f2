// Dashboard filters: their values checked against their definitions, date presets turned into
// calendar dates in the org's time zone, and a widget's parameters built from its mappings.
import type { FieldError } from './layout.ts';
import type { FilterDef, FilterValue, Widget } from './schemas.ts';

export const DATE_PRESETS = ['today', 'yesterday', 'last_7_days', 'last_30_days', 'this_month', 'last_month', 'this_quarter', 'last_quarter', 'this_year', 'last_year'] as const;
export type DatePreset = (typeof DATE_PRESETS)[number];

/** A date range as inclusive calendar dates (YYYY-MM-DD). */
export interface DateRange {
  from: string;
  to: string;
}

/** Today's calendar date in `timeZone` (an IANA name), as YYYY-MM-DD. */
export function todayIn(timeZone: string, now: Date): string {
  // en-CA writes dates as YYYY-MM-DD.
  return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(now);
}

const iso = (d: Date) => d.toISOString().slice(0, 10);
/** Calendar arithmetic on UTC midnights: a date has no time zone once it is a date. */
const utc = (y: number, m: number, d: number) => new Date(Date.UTC(y, m, d));

/** The dates a preset covers, on `today`: whole periods (this month runs to its last day). */
export function presetRange(preset: DatePreset, today: string): DateRange {
  const [y, m, d] = today.split('-').map(Number);
  const month = m - 1;
  const quarter = Math.floor(month / 3) * 3;
  const r = (from: Date, to: Date) => ({ from: iso(from), to: iso(to) });
  switch (preset) {
    case 'today':
      return r(utc(y, month, d), utc(y, month, d));
    case 'yesterday':
      return r(utc(y, month, d - 1), utc(y, month, d - 1));
    case 'last_7_days':
      return r(utc(y, month, d - 6), utc(y, month, d));
    case 'last_30_days':
      return r(utc(y, month, d - 29), utc(y, month, d));
    case 'this_month':
      return r(utc(y, month, 1), utc(y, month + 1, 0));
    case 'last_month':
      return r(utc(y, month - 1, 1), utc(y, month, 0));
    case 'this_quarter':
      return r(utc(y, quarter, 1), utc(y, quarter + 3, 0));
    case 'last_quarter':
      return r(utc(y, quarter - 3, 1), utc(y, quarter, 0));
    case 'this_year':
      return r(utc(y, 0, 1), utc(y, 11, 31));
    case 'last_year':
      return r(utc(y - 1, 0, 1), utc(y - 1, 11, 31));
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const DATE = /^\d{4}-\d{2}-\d{2}$/;
const validDate = (s: unknown): s is string => typeof s === 'string' && DATE.test(s) && iso(new Date(`${s}T00:00:00Z`)) === s;

/** Why `value` does not fit filter `def`, or null when it does. */
export function valueError(def: FilterDef, value: FilterValue): string | null {
  switch (def.kind) {
    case 'date_range': {
      if (!isObject(value)) return 'a date range is { preset } or { from, to }';
      if ('preset' in value) return (DATE_PRESETS as readonly unknown[]).includes(value.preset) && Object.keys(value).length === 1 ? null : `preset must be one of ${DATE_PRESETS.join(', ')}`;
      if (!validDate(value.from) || !validDate(value.to) || Object.keys(value).length !== 2) return 'from and to must be dates (YYYY-MM-DD)';
      return value.from <= value.to ? null : 'from must not be after to';
    }
    case 'number_range': {
      if (!isObject(value) || Object.keys(value).some((k) => k !== 'min' && k !== 'max')) return 'a number range is { min?, max? }';
      const { min, max } = value;
      if ((min !== undefined && typeof min !== 'number') || (max !== undefined && typeof max !== 'number')) return 'min and max must be numbers';
      return typeof min === 'number' && typeof max === 'number' && min > max ? 'min must not be above max' : null;
    }
    case 'category':
      if (typeof value !== 'string') return 'a category is one of its values, as text';
      return (def.values ?? []).includes(value) ? null : `must be one of ${(def.values ?? []).map((v) => JSON.stringify(v)).join(', ')}`;
    case 'text':
      return typeof value === 'string' && value.length <= 500 ? null : 'text of at most 500 characters';
  }
}

/** Problems of the filter declarations themselves (ids, category values, defaults). */
export function filterDefErrors(filters: readonly FilterDef[]): FieldError[] {
  const errors: FieldError[] = [];
  const ids = new Set<string>();
  filters.forEach((f, i) => {
    const at = (message: string) => errors.push({ field: `body.filters[${i}]`, message: `filter "${f.id}" ${message}` });
    if (ids.has(f.id)) at('has the id of another filter');
    ids.add(f.id);
    if (f.kind === 'category' && !(f.values?.length ?? 0)) at('is a category: it needs values');
    if (f.kind !== 'category' && f.values) at(`is a ${f.kind} filter: values are for categories`);
    if (f.default !== undefined) {
      const why = valueError(f, f.default);
      if (why) at(`has a default that does not fit: ${why}`);
    }
    if (f.locked && f.default === undefined) at('is locked: it needs a default');
  });
  return errors;
}

/** A filter's value as parameters take it: a date range resolved to dates. */
export type Resolved = DateRange | { min?: number; max?: number } | string;

/**
 * The value of every filter that has one (given, else its default), resolved: date presets
 * become dates in `timeZone` on `now`. `given` is already checked (`givenErrors`).
 */
export function resolveFilters(filters: readonly FilterDef[], given: Readonly<Record<string, FilterValue>>, timeZone: string, now: Date): Map<string, Resolved> {
  const out = new Map<string, Resolved>();
  for (const f of filters) {
    const value = Object.hasOwn(given, f.id) ? given[f.id] : f.default;
    if (value === undefined) continue;
    if (f.kind === 'date_range' && isObject(value) && 'preset' in value) out.set(f.id, presetRange(value.preset as DatePreset, todayIn(timeZone, now)));
    else out.set(f.id, value as Resolved);
  }
  return out;
}

/** Problems of the values a viewer gives (`?filters=`): unknown ids, bad values, locked filters when `locked` says refuse. */
export function givenErrors(filters: readonly FilterDef[], given: Readonly<Record<string, FilterValue>>, opts: { refuseLocked: boolean }): FieldError[] {
  const byId = new Map(filters.map((f) => [f.id, f]));
  const errors: FieldError[] = [];
  for (const [id, value] of Object.entries(given)) {
    const def = byId.get(id);
    const field = `querystring.filters.${id}`;
    if (!def) errors.push({ field, message: 'is not a filter of this dashboard' });
    else if (opts.refuseLocked && def.locked) errors.push({ field, message: 'is locked by the dashboard\'s owner' });
    else {
      const why = valueError(def, value);
      if (why) errors.push({ field, message: why });
    }
  }
  return errors;
}

/** The parameters a widget's question runs with: one per mapping whose filter has a value. */
export function widgetParameters(widget: Widget, resolved: ReadonlyMap<string, Resolved>): { name: string; value: string | number }[] {
  const params: { name: string; value: string | number }[] = [];
  for (const m of widget.filters ?? []) {
    const v = resolved.get(m.filterId);
    if (v === undefined) continue;
    const value = typeof v === 'string' ? v : m.part ? (v as Record<string, string | number | undefined>)[m.part] : undefined;
    if (value !== undefined) params.push({ name: m.parameter, value });
  }
  return params;
}
