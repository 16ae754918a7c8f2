// The layout's refusal and the keyboard's way to arrange: the API's errors land on the row of
// the widget they name (by index, with or without the field), typed values reach the layout
// unclamped (the API, not the console, decides what fits), and the filters' query holds only
// what a person gave.
import { cleanup, fireEvent, render, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Arrange } from './Arrange';
import { filterQuery } from './filters';
import { nextPlace, placeWidgets, widgetId, widgetMessages } from './layout';
import type { Problem } from '../../api/problem';
import type { DashboardFilter, Widget } from './types';

afterEach(cleanup);

const widgets: Widget[] = [
  { id: 'revenue', kind: 'chart', chartId: 'c1', x: 0, y: 0, w: 6, h: 4 },
  { id: 'orders', kind: 'chart', chartId: 'c2', x: 6, y: 0, w: 6, h: 4 },
];
const titles = new Map([
  ['revenue', 'Revenue'],
  ['orders', 'Orders'],
]);
const refusal: Problem = {
  detail: 'The layout is refused.',
  title: 'Validation failed',
  status: 400,
  code: 'VALIDATION_FAILED',
  errors: [
    { field: 'body.widgets[1].w', message: 'ends past column 12 (x + w > 12)' },
    { field: 'body.widgets[1]', message: 'widget "orders" overlaps widget "revenue"' },
  ],
};

describe('the layout refused by the API', () => {
  it('puts each message on the row of the widget it names', () => {
    const messages = widgetMessages(refusal, widgets);
    expect(messages).toEqual({ orders: 'ends past column 12 (x + w > 12); widget "orders" overlaps widget "revenue"' });
    render(<Arrange widgets={widgets} titles={titles} messages={messages} onChange={() => {}} onRemove={() => {}} />);
    const row = screen.getByRole('rowheader', { name: /Orders/ }).closest('tr') as HTMLElement;
    expect(within(row).getByText(/ends past column 12/)).toBeTruthy();
    expect(within(row).getByLabelText('Width of Orders').getAttribute('aria-invalid')).toBe('true');
    const other = screen.getByRole('rowheader', { name: /Revenue/ }).closest('tr') as HTMLElement;
    expect(within(other).queryByText(/column 12/)).toBeNull();
    expect(within(other).getByLabelText('Width of Revenue').getAttribute('aria-invalid')).toBeNull();
  });

  it('passes typed places on as typed, even past the grid', () => {
    const onChange = vi.fn();
    render(<Arrange widgets={widgets} titles={titles} messages={{}} onChange={onChange} onRemove={() => {}} />);
    fireEvent.change(screen.getByLabelText('Width of Orders'), { target: { value: '9' } });
    expect(onChange).toHaveBeenCalledWith([widgets[0], { ...widgets[1], w: 9 }]);
  });
});

describe('the grid arithmetic', () => {
  it('takes the places a drag left, places new widgets below, and names them uniquely', () => {
    expect(placeWidgets(widgets, [{ i: 'orders', x: 0, y: 4, w: 12, h: 3 }])[1]).toMatchObject({ x: 0, y: 4, w: 12, h: 3, chartId: 'c2' });
    expect(nextPlace(widgets, 12, 3)).toEqual({ x: 0, y: 4, w: 12, h: 3 });
    expect(widgetId('Revenue', widgets)).toBe('revenue-2');
    expect(widgetId('Hours per client!', widgets)).toBe('hours-per-client');
  });

  it('sends only the filters a person gave a value', () => {
    const filters: DashboardFilter[] = [
      { id: 'period', kind: 'date_range', label: 'Period' },
      { id: 'region', kind: 'category', label: 'Region', values: ['North'] },
      { id: 'size', kind: 'number_range', label: 'Size' },
    ];
    expect(filterQuery(filters, {})).toEqual({});
    expect(filterQuery(filters, { period: { a: '2026-01-01' }, region: { a: 'North' }, size: { a: '', b: '0' } })).toEqual({
      period: { from: '2026-01-01' },
      region: 'North',
      size: { max: 0 },
    });
  });
});
