import { describe, expect, it } from 'vitest';
import { givenErrors, presetRange, resolveFilters, todayIn, valueError, widgetParameters } from './filters.ts';
import type { FilterDef, Widget } from './schemas.ts';

describe('presetRange', () => {
  it.each([
    ['today', '2026-12-06', '2026-12-06', '2026-12-06'],
    ['yesterday', '2026-03-01', '2026-02-28', '2026-02-28'],
    ['last_7_days', '2026-12-06', '2026-11-30', '2026-12-06'],
    ['last_30_days', '2026-12-06', '2026-11-07', '2026-12-06'],
    ['this_month', '2024-02-10', '2024-02-01', '2024-02-29'],
    ['last_month', '2026-01-15', '2025-12-01', '2025-12-31'],
    ['this_quarter', '2026-12-06', '2026-10-01', '2026-12-31'],
    ['last_quarter', '2026-12-06', '2026-07-01', '2026-09-30'],
    ['last_quarter', '2026-02-01', '2025-10-01', '2025-12-31'],
    ['this_year', '2026-12-06', '2026-01-01', '2026-12-31'],
    ['last_year', '2026-12-06', '2025-01-01', '2025-12-31'],
  ] as const)('%s on %s is %s..%s', (preset, today, from, to) => {
    expect(presetRange(preset, today)).toEqual({ from, to });
  });
});

describe('todayIn', () => {
  it("is the org's calendar date, not UTC's", () => {
    const now = new Date('2026-12-31T23:30:00Z');
    expect(todayIn('UTC', now)).toBe('2026-12-31');
    expect(todayIn('Europe/Paris', now)).toBe('2027-01-01');
    expect(todayIn('America/Los_Angeles', new Date('2026-07-01T03:00:00Z'))).toBe('2026-06-30');
  });
});

const defs: FilterDef[] = [
  { id: 'period', kind: 'date_range', label: 'Period', default: { preset: 'last_quarter' } },
  { id: 'team', kind: 'category', label: 'Team', values: ['red', 'blue'], locked: true, default: 'red' },
  { id: 'hours', kind: 'number_range', label: 'Hours' },
  { id: 'q', kind: 'text', label: 'Search' },
];

describe('filter values', () => {
  it('checks values against their kind', () => {
    expect(valueError(defs[0], { preset: 'last_quarter' })).toBeNull();
    expect(valueError(defs[0], { preset: 'next_year' } as never)).toMatch(/preset must be one of/);
    expect(valueError(defs[0], { from: '2026-02-30', to: '2026-03-01' })).toMatch(/dates/);
    expect(valueError(defs[0], { from: '2026-03-02', to: '2026-03-01' })).toMatch(/after/);
    expect(valueError(defs[1], 'green')).toMatch(/one of "red", "blue"/);
    expect(valueError(defs[2], { min: 5, max: 1 })).toMatch(/above/);
    expect(valueError(defs[3], { x: 1 } as never)).toMatch(/text/);
  });

  it('refuses unknown and, when asked, locked filters', () => {
    expect(givenErrors(defs, { nope: 'x', team: 'blue' }, { refuseLocked: true }).map((e) => e.field)).toEqual(['querystring.filters.nope', 'querystring.filters.team']);
    expect(givenErrors(defs, { team: 'blue' }, { refuseLocked: false })).toEqual([]);
  });

  it('resolves presets in the time zone and maps them to parameters', () => {
    const resolved = resolveFilters(defs, { hours: { min: 2 } }, 'UTC', new Date('2026-12-06T12:00:00Z'));
    const widget: Widget = {
      id: 'w1', kind: 'question', questionId: '00000000-0000-7000-8000-000000000001', x: 0, y: 0, w: 6, h: 4,
      filters: [{ filterId: 'period', parameter: 'since', part: 'from' }, { filterId: 'period', parameter: 'until', part: 'to' }, { filterId: 'team', parameter: 'team' }, { filterId: 'hours', parameter: 'least', part: 'min' }, { filterId: 'hours', parameter: 'most', part: 'max' }, { filterId: 'q', parameter: 'q' }],
    };
    expect(widgetParameters(widget, resolved)).toEqual([
      { name: 'since', value: '2026-07-01' },
      { name: 'until', value: '2026-09-30' },
      { name: 'team', value: 'red' },
      { name: 'least', value: 2 },
    ]);
  });
});
