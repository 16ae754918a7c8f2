// A query's result as a table that stays fast at 10,000 rows: only the rows in view (and a few
// around them) are in the page, placed by @tanstack/react-virtual inside a scroll container of
// their own (decision 0056). Rows have one fixed height, so nothing is measured while scrolling.
// It stays a table for assistive technology: aria-rowcount says how many rows there are in all
// and each row its aria-rowindex, as rows come and go.
import { useVirtualizer } from '@tanstack/react-virtual';
import { useEffect, useRef } from 'react';
import type { components } from '../../api/schema';

export type QueryResult = components['schemas']['QueryResult'];
type Cell = QueryResult['rows'][number][number];

/** Rows are this tall (px): the virtualizer places row k at k × ROW_HEIGHT. */
export const ROW_HEIGHT = 32;
/** A column is this wide (px); a wider value is cut with an ellipsis (its full text is the cell's title). */
const COLUMN_WIDTH = 176;

export function cellText(value: Cell): string {
  if (value === null) return 'null';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

export function ResultTable({ result, label }: { result: QueryResult; label: string }) {
  const scroller = useRef<HTMLElement>(null);
  const rows = useVirtualizer({
    count: result.rows.length,
    getScrollElement: () => scroller.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 6,
  });
  // A new result starts at its first row, whatever the last one was scrolled to.
  useEffect(() => {
    if (scroller.current && result) scroller.current.scrollTop = 0;
  }, [result]);
  // Row elements are reused by slot (row index modulo the rows rendered) rather than made anew:
  // the rows rendered are consecutive, so no two share a slot, and a scroll, however far, only
  // rewrites the text of elements already there (making 30 rows a frame drops frames).
  const items = rows.getVirtualItems();
  const slots = Math.max(1, items.length);
  const width = Math.max(1, result.columns.length) * COLUMN_WIDTH;
  const template = { gridTemplateColumns: `repeat(${result.columns.length}, ${COLUMN_WIDTH}px)`, width };
  return (
    // A scrolling region must be reachable by keyboard (arrows scroll it once focused).
    // biome-ignore lint/a11y/noNoninteractiveTabindex: a scroll container is focusable so the keyboard can scroll it
    <section className="result-scroll" ref={scroller} tabIndex={0} aria-label={`${label}: scroll to see every row`}>
      {/* Grid layout, not table layout: rows are placed one by one; the elements keep the table's meaning. */}
      <table aria-label={label} aria-rowcount={result.rows.length + 1} aria-colcount={result.columns.length} className="result-table" style={{ width }}>
        <thead className="result-head">
          <tr aria-rowindex={1} className="result-row" style={template}>
            {result.columns.map((c) => (
              <th scope="col" key={c.name} title={`${c.name} (${c.type})`}>
                {c.name}
                <span className="meta"> {c.type}</span>
              </th>
            ))}
          </tr>
        </thead>
        <tbody className="result-body" style={{ height: rows.getTotalSize() }}>
          {items.map((item) => {
            const row = result.rows[item.index];
            return (
              <tr
                key={item.index % slots}
                aria-rowindex={item.index + 2}
                className={item.index % 2 ? 'result-row odd' : 'result-row'}
                style={{ ...template, transform: `translateY(${item.start}px)` }}
              >
                {row.map((value, k) => {
                  const text = cellText(value);
                  return (
                    // biome-ignore lint/suspicious/noArrayIndexKey: cells are positional: the k-th cell is the k-th column
                    <td key={k} title={text.length > 20 ? text : undefined} className={value === null ? 'null' : undefined}>
                      {text}
                    </td>
                  );
                })}
              </tr>
            );
          })}
        </tbody>
      </table>
    </section>
  );
}
