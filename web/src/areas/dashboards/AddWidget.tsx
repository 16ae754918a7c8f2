// Adding a widget: a chart or a saved question, placed below the others, with each dashboard
// filter mapped to one of the question's parameters (a date range's two ends to two of them).
import { useState } from 'react';
import { Field } from '../../ui/Field';
import { Form } from '../../ui/Form';
import { useAction } from '../../ui/useAction';
import { type Catalog, chartName } from './catalog';
import type { DashboardFilter, Widget } from './types';

type Mapping = NonNullable<Widget['filters']>[number];

interface Props {
  catalog: Catalog;
  filters: DashboardFilter[];
  onAdd: (widget: Omit<Widget, 'id' | 'x' | 'y'> & { w: number; h: number }) => Promise<void>;
}

/** The parts of a filter a parameter can take: a range's two ends, else the value. */
const partsOf = (f: DashboardFilter): (Mapping['part'] | undefined)[] => (f.kind === 'date_range' ? ['from', 'to'] : f.kind === 'number_range' ? ['min', 'max'] : [undefined]);

export function AddWidget({ catalog, filters, onAdd }: Props) {
  const [source, setSource] = useState('');
  const [kind, id] = source.split(':') as ['chart' | 'question' | '', string | undefined];
  const questionId = kind === 'chart' ? catalog.charts.find((c) => c.id === id)?.questionId : kind === 'question' ? id : undefined;
  const parameters = catalog.questions.find((q) => q.id === questionId)?.parameters ?? [];
  const add = useAction(async (v: Record<string, string>) => {
    const mapped: Mapping[] = [];
    for (const f of filters)
      for (const part of partsOf(f)) {
        const parameter = v[`map.${f.id}.${part ?? 'value'}`];
        if (parameter) mapped.push({ filterId: f.id, parameter, ...(part ? { part } : {}) });
      }
    await onAdd({
      kind: kind || 'chart',
      ...(kind === 'chart' ? { chartId: id } : { questionId: id }),
      ...(v.title ? { title: v.title } : {}),
      w: Number(v.w),
      h: Number(v.h),
      ...(mapped.length ? { filters: mapped } : {}),
    });
    setSource('');
  });
  return (
    <Form onSubmit={add.start} problem={add.problem} pending={add.pending} submitLabel="Add the widget" label="Add a widget">
      {(errors) => (
        <>
          <div className="field">
            <label htmlFor="widget-source">Chart or question</label>
            <select id="widget-source" name="source" value={source} onChange={(e) => setSource(e.target.value)} required>
              <option value="">Choose…</option>
              <optgroup label="Charts">
                {catalog.charts.map((c) => (
                  <option key={c.id} value={`chart:${c.id}`}>
                    {chartName(c, catalog.questions)}
                  </option>
                ))}
              </optgroup>
              <optgroup label="Questions (as a table)">
                {catalog.questions.map((q) => (
                  <option key={q.id} value={`question:${q.id}`}>
                    {q.name}
                  </option>
                ))}
              </optgroup>
            </select>
            {(errors['widgets.0'] ?? errors.widgets) && <p className="field-error">{errors['widgets.0'] ?? errors.widgets}</p>}
          </div>
          <Field label="Title" name="title" hint="Leave empty to use the chart's or question's name." />
          <div className="inline-fields">
            <Field label="Width (columns of 12)" name="w" type="number" defaultValue={6} min={1} max={12} />
            <Field label="Height (rows)" name="h" type="number" defaultValue={4} min={1} max={24} />
          </div>
          {filters.length > 0 && questionId && (
            <fieldset>
              <legend>Filters to the question's parameters</legend>
              {parameters.length === 0 && <p className="hint">This question takes no parameters: the filters leave it alone.</p>}
              {parameters.length > 0 &&
                filters.flatMap((f) =>
                  partsOf(f).map((part) => (
                    <label key={`${f.id}.${part}`} className="mapping">
                      <span>
                        {f.label}
                        {part ? ` (${part})` : ''} sets
                      </span>
                      <select name={`map.${f.id}.${part ?? 'value'}`} defaultValue="">
                        <option value="">nothing</option>
                        {parameters.map((p) => (
                          <option key={p.name} value={p.name}>
                            {p.name}
                          </option>
                        ))}
                      </select>
                    </label>
                  )),
                )}
            </fieldset>
          )}
        </>
      )}
    </Form>
  );
}
