// Declaring a dashboard filter: its label, its kind and, for a category, the values to pick
// from. Widgets then map it to their questions' parameters (AddWidget).
import { useState } from 'react';
import { Field } from '../../ui/Field';
import { Form } from '../../ui/Form';
import { useAction } from '../../ui/useAction';
import { filterId } from './filters';
import type { DashboardFilter } from './types';

const KINDS: { kind: DashboardFilter['kind']; label: string }[] = [
  { kind: 'date_range', label: 'Date range' },
  { kind: 'category', label: 'One of a list' },
  { kind: 'number_range', label: 'Number range' },
  { kind: 'text', label: 'Text' },
];

export function AddFilter({ filters, onAdd }: { filters: DashboardFilter[]; onAdd: (filter: DashboardFilter) => Promise<void> }) {
  const [kind, setKind] = useState<DashboardFilter['kind']>('date_range');
  const add = useAction(async (v: Record<string, string>) => {
    const values = (v.values ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    await onAdd({ id: filterId(v.label ?? '', filters), kind, label: v.label ?? '', ...(kind === 'category' ? { values } : {}) });
  });
  const n = filters.length;
  return (
    <Form onSubmit={add.start} problem={add.problem} pending={add.pending} submitLabel="Add the filter" label="Add a filter">
      {(errors) => (
        <>
          <Field label="Filter label" name="label" required error={errors[`filters.${n}.label`] ?? errors[`filters[${n}].label`]} />
          <div className="field">
            <label htmlFor="filter-kind">Kind</label>
            <select id="filter-kind" value={kind} onChange={(e) => setKind(e.target.value as DashboardFilter['kind'])}>
              {KINDS.map((k) => (
                <option key={k.kind} value={k.kind}>
                  {k.label}
                </option>
              ))}
            </select>
          </div>
          {kind === 'category' && <Field label="Values" name="values" hint="Separated by commas." error={errors[`filters.${n}.values`]} />}
        </>
      )}
    </Form>
  );
}
