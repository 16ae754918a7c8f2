import { describe, expect, it } from 'vitest';
import { layoutErrors } from './layout.ts';
import type { FilterDef, Widget } from './schemas.ts';

const q = '00000000-0000-7000-8000-000000000001';
const w = (id: string, x: number, y: number, width: number, h: number, more: Partial<Widget> = {}): Widget => ({ id, kind: 'question', questionId: q, x, y, w: width, h, ...more });
const filters: FilterDef[] = [{ id: 'period', kind: 'date_range', label: 'Period' }, { id: 'team', kind: 'category', label: 'Team', values: ['a'] }];

describe('layoutErrors', () => {
  it('accepts widgets side by side and stacked on 12 columns', () => {
    expect(layoutErrors([w('a', 0, 0, 6, 4), w('b', 6, 0, 6, 4), w('c', 0, 4, 12, 24)], filters)).toEqual([]);
  });

  it('names the widget that overlaps, or passes the edge, or is too tall', () => {
    expect(layoutErrors([w('a', 0, 0, 6, 4), w('b', 5, 3, 2, 2)], filters)).toEqual([{ field: 'body.widgets[1]', message: 'widget "b" overlaps widget "a"' }]);
    expect(layoutErrors([w('a', 8, 0, 5, 1)], filters)[0]).toMatchObject({ field: 'body.widgets[0].w', message: expect.stringContaining('past column 12') });
    expect(layoutErrors([w('a', 0, 0, 1, 25)], filters)[0].field).toBe('body.widgets[0].h');
    expect(layoutErrors([w('a', 0, 0, 0, 1)], filters)[0].field).toBe('body.widgets[0].w');
    expect(layoutErrors([w('a', 0, 0, 1, 1), w('a', 1, 0, 1, 1)], filters)[0].field).toBe('body.widgets[1].id');
  });

  it('checks what each kind needs and how filters map', () => {
    expect(layoutErrors([w('t', 0, 0, 4, 2, { kind: 'text', questionId: undefined })], filters).map((e) => e.message)).toEqual(['widget "t" needs markdown']);
    expect(layoutErrors([w('c', 0, 0, 4, 2, { kind: 'chart', questionId: undefined })], filters)[0].message).toBe('widget "c" needs a chartId');
    const mapped = (m: Widget['filters']) => layoutErrors([w('a', 0, 0, 4, 2, { filters: m })], filters).map((e) => e.message);
    expect(mapped([{ filterId: 'period', parameter: 'since', part: 'from' }, { filterId: 'team', parameter: 'team' }])).toEqual([]);
    expect(mapped([{ filterId: 'period', parameter: 'since' }])[0]).toMatch(/use part "from" or "to"/);
    expect(mapped([{ filterId: 'nope', parameter: 'x' }])[0]).toMatch(/does not declare/);
    expect(mapped([{ filterId: 'team', parameter: 'x', part: 'min' }])[0]).toMatch(/give no part/);
  });
});
