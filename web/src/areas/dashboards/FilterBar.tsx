// The dashboard's filters as a form: a person picks values and applies them; /data computes
// every widget again. A filter left empty keeps its default. Refusals (a value the filter or a
// parameter refuses) come back from /data and show under the bar.
import { type FormEvent, useState } from 'react';
import type { Problem } from '../../api/problem';
import { ProblemAlert } from '../../ui/ProblemAlert';
import { describeValue, type FilterInputs } from './filters';
import type { DashboardData, DashboardFilter } from './types';

interface Props {
  filters: DashboardFilter[];
  applied: DashboardData['filters'] | undefined;
  onApply: (inputs: FilterInputs) => void;
  problem: Problem | null;
  /** Shared links: a locked filter keeps the owner's value. */
  respectLocks?: boolean;
}

export function FilterBar({ filters, applied, onApply, problem, respectLocks }: Props) {
  const [inputs, setInputs] = useState<FilterInputs>({});
  if (filters.length === 0) return null;
  const set = (id: string, part: 'a' | 'b', value: string) => setInputs((now) => ({ ...now, [id]: { ...now[id], [part]: value } }));
  const submit = (event: FormEvent) => {
    event.preventDefault();
    onApply(inputs);
  };
  const now = new Map((applied ?? []).map((f) => [f.id, f.value]));
  return (
    <form className="filter-bar" onSubmit={submit} aria-label="Filters">
      {filters.map((f) => {
        const locked = respectLocks && f.locked;
        const v = inputs[f.id] ?? {};
        const two = f.kind === 'date_range' || f.kind === 'number_range';
        const type = f.kind === 'date_range' ? 'date' : f.kind === 'number_range' ? 'number' : 'text';
        return (
          <fieldset key={f.id} disabled={locked}>
            <legend>
              {f.label} <span className="meta">(now: {describeValue(now.get(f.id))})</span>
            </legend>
            {f.kind === 'category' ? (
              <label>
                <span>Value</span>
                <select value={v.a ?? ''} onChange={(e) => set(f.id, 'a', e.target.value)}>
                  <option value="">Default</option>
                  {(f.values ?? []).map((value) => (
                    <option key={value}>{value}</option>
                  ))}
                </select>
              </label>
            ) : (
              <label>
                <span>{two ? (f.kind === 'date_range' ? 'From' : 'At least') : 'Value'}</span>
                <input type={type} value={v.a ?? ''} onChange={(e) => set(f.id, 'a', e.target.value)} />
              </label>
            )}
            {two && (
              <label>
                <span>{f.kind === 'date_range' ? 'To' : 'At most'}</span>
                <input type={type} value={v.b ?? ''} onChange={(e) => set(f.id, 'b', e.target.value)} />
              </label>
            )}
          </fieldset>
        );
      })}
      <button type="submit">Apply the filters</button>
      <ProblemAlert problem={problem} />
    </form>
  );
}
