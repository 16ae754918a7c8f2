// The dashboard's 12-column grid (react-grid-layout). Editors drag a widget by its handle and
// resize it from its corner; overlaps are allowed while arranging so that the API, which owns
// the rules, is the one to refuse them (shown next to the widget). Narrower than a tablet, the
// widgets stack in reading order, one column, without dragging.
import 'react-grid-layout/css/styles.css';
import './dashboards.css';
import { useEffect } from 'react';
import GridLayout, { getCompactor, type Layout, useContainerWidth } from 'react-grid-layout';
import { type Cell, COLUMNS, readingOrder, toCells } from './layout';
import type { Widget, WidgetData } from './types';
import { WidgetView } from './WidgetView';

const ROW_HEIGHT = 80;
const MARGIN = 12;
const STACK_BELOW = 640;
const overlapping = getCompactor(null, true);

// react-draggable adds a <style> element on the first drag unless one with its id exists; the
// page's CSP refuses runtime <style>. A placeholder with that id keeps it from trying; its
// rules (no text selection while dragging) are in dashboards.css.
function useNoInjectedStyle() {
  useEffect(() => {
    if (document.getElementById('react-draggable-style-el')) return;
    const placeholder = document.createElement('meta');
    placeholder.id = 'react-draggable-style-el';
    document.head.append(placeholder);
  }, []);
}

interface Props {
  widgets: Widget[];
  data: Map<string, WidgetData>;
  titles: Map<string, string>;
  editable: boolean;
  messages?: Record<string, string>;
  onArrange?: (cells: Cell[]) => void;
}

export function DashboardGrid({ widgets, data, titles, editable, messages = {}, onArrange }: Props) {
  useNoInjectedStyle();
  const { width, containerRef, mounted } = useContainerWidth();
  const stacked = width < STACK_BELOW;
  const colWidth = (width - MARGIN * (COLUMNS + 1)) / COLUMNS;
  const card = (w: Widget, pxWidth: number, pxHeight: number) => {
    const title = titles.get(w.id) ?? w.id;
    const message = messages[w.id];
    return (
      <article className={message ? 'widget refused' : 'widget'} aria-label={title}>
        <header className="widget-head">
          {editable && !stacked && (
            <span className="drag-handle" aria-hidden="true" title="Drag to move">
              ⠿
            </span>
          )}
          <h2>{title}</h2>
        </header>
        {message && (
          <p className="field-error" role="alert">
            {message}
          </p>
        )}
        <div className="widget-body">
          <WidgetView widget={w} data={data.get(w.id)} title={title} width={Math.floor(pxWidth - 24)} height={Math.floor(pxHeight - 64)} />
        </div>
      </article>
    );
  };
  const arranged = (layout: Layout) => onArrange?.(layout.map(({ i, x, y, w, h }) => ({ i, x, y, w, h })));
  return (
    <div ref={containerRef} className="dashboard-grid">
      {mounted && stacked && (
        <div className="stacked">
          {readingOrder(widgets).map((w) => (
            <div key={w.id} className="stacked-cell">
              {card(w, width, w.kind === 'chart' ? 320 : Math.min(w.h * ROW_HEIGHT, 480))}
            </div>
          ))}
        </div>
      )}
      {mounted && !stacked && (
        <GridLayout
          width={width}
          layout={toCells(widgets)}
          gridConfig={{ cols: COLUMNS, rowHeight: ROW_HEIGHT, margin: [MARGIN, MARGIN] }}
          dragConfig={{ enabled: editable, handle: '.drag-handle' }}
          resizeConfig={{ enabled: editable, handles: ['se'] }}
          compactor={overlapping}
          onDragStop={arranged}
          onResizeStop={arranged}
        >
          {widgets.map((w) => (
            <div key={w.id} data-widget={w.id}>
              {card(w, w.w * colWidth + (w.w - 1) * MARGIN, w.h * ROW_HEIGHT + (w.h - 1) * MARGIN)}
            </div>
          ))}
        </GridLayout>
      )}
    </div>
  );
}
