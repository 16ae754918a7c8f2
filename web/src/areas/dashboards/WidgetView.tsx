// What one widget shows once /data computed it: a chart drawn from its spec, a question's rows
// as a table (scrolling inside its cell), a text widget's sanitized HTML, or why it failed.
import type { Widget, WidgetData } from './types';
import { VegaChart } from './VegaChart';

const cell = (v: unknown) => (v === null || v === undefined ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v));

export function WidgetView({ widget, data, title, width, height }: { widget: Widget; data: WidgetData | undefined; title: string; width: number; height: number }) {
  if (!data) return <p className="meta">Loading…</p>;
  if (data.status === 'timed_out') return <p className="field-error">This widget took too long to compute.</p>;
  if (data.status === 'error') return <p className="field-error">{data.error?.detail ?? 'This widget could not be computed.'}</p>;
  if (widget.kind === 'chart' && data.spec) return <VegaChart spec={data.spec} label={title} width={width} height={height} />;
  if (widget.kind === 'text') {
    // The API sanitizes a text widget's Markdown to HTML (no scripts, styles or handlers: docs/dashboards.md).
    // biome-ignore lint/security/noDangerouslySetInnerHtml: sanitized by the API
    return <div className="widget-text" dangerouslySetInnerHTML={{ __html: data.html ?? '' }} />;
  }
  const result = data.result;
  if (!result) return null;
  return (
    // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling region must be reachable by keyboard
    <section className="table-scroll" tabIndex={0} aria-label={`${title}, rows`}>
      <table>
        <thead>
          <tr>
            {result.columns.map((c) => (
              <th key={c.name} scope="col">
                {c.name}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {result.rows.map((row, i) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: rows have no identity of their own
            <tr key={i}>
              {row.map((v, j) => (
                // biome-ignore lint/suspicious/noArrayIndexKey: a row's cells are positional
                <td key={j}>{cell(v)}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
      {result.rows.length === 0 && <p className="meta">No rows.</p>}
    </section>
  );
}
