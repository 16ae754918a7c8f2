// The parameters of an SQL text: a field for each `:name` it uses, found as the person types
// (sqlParameters), with its type and value. A name that leaves the SQL and comes back keeps
// what was given for it. Values are sent typed; the driver binds them (never spliced).
import { useId, useMemo, useState } from 'react';
import type { components } from '../../api/schema';
import { type Dialect, sqlParameters } from './sqlParameters';

export type ParameterType = components['schemas']['SavedQuestion']['parameters'][number]['type'];
export const PARAMETER_TYPES: { type: ParameterType; label: string }[] = [
  { type: 'text', label: 'Text' },
  { type: 'integer', label: 'Whole number' },
  { type: 'number', label: 'Number' },
  { type: 'boolean', label: 'Yes or no' },
  { type: 'date', label: 'Date' },
  { type: 'timestamp', label: 'Date and time' },
];

export interface ParameterValue {
  name: string;
  type: ParameterType;
  /** As typed in the field; converted by `typedValue` when sent. */
  value: string;
}

type Value = string | number | boolean | null;

/** The value to send: numbers as numbers, yes/no as a boolean; an empty non-text field is null. */
export function typedValue(p: ParameterValue): Value {
  if (p.type === 'text') return p.value;
  if (p.value.trim() === '') return null;
  if (p.type === 'integer' || p.type === 'number') {
    const n = Number(p.value);
    // Not a number: sent as typed, so the server names the parameter that is wrong.
    return Number.isFinite(n) ? n : p.value;
  }
  if (p.type === 'boolean') return p.value === 'true';
  return p.value;
}

/** A saved default (any JSON scalar) as the field's text. */
export function valueText(value: Value | undefined): string {
  return value === null || value === undefined ? '' : String(value);
}

export function useSqlParameters(sql: string, dialect: Dialect, initial: ParameterValue[] = []) {
  const [known, setKnown] = useState<Record<string, Omit<ParameterValue, 'name'>>>(() => Object.fromEntries(initial.map((p) => [p.name, { type: p.type, value: p.value }])));
  const names = useMemo(() => sqlParameters(sql, dialect), [sql, dialect]);
  const params: ParameterValue[] = names.map((name) => ({ name, type: known[name]?.type ?? 'text', value: known[name]?.value ?? '' }));
  const set = (name: string, patch: Partial<Omit<ParameterValue, 'name'>>) =>
    setKnown((now) => ({ ...now, [name]: { ...(now[name] ?? { type: 'text', value: '' }), ...patch } }));
  /** Forget what was given and start from these (another saved question, a fresh answer). */
  const reset = (next: ParameterValue[]) => setKnown(Object.fromEntries(next.map((p) => [p.name, { type: p.type, value: p.value }])));
  return { params, set, reset };
}

export function ParameterFields({ parameters, error }: { parameters: ReturnType<typeof useSqlParameters>; error?: string }) {
  const { params, set } = parameters;
  if (params.length === 0 && !error) return <p className="hint">Write <code>:name</code> in the SQL for a value given here (it is bound, never pasted into the text).</p>;
  return (
    <fieldset className="parameters">
      <legend>Parameters</legend>
      {error && <p className="field-error">{error}</p>}
      {params.map((p) => (
        <Parameter key={p.name} parameter={p} set={set} />
      ))}
    </fieldset>
  );
}

function Parameter({ parameter: p, set }: { parameter: ParameterValue; set: ReturnType<typeof useSqlParameters>['set'] }) {
  const id = useId();
  return (
    <div className="parameter">
      <code>:{p.name}</code>
      <div>
        <label htmlFor={`${id}-type`}>Type of :{p.name}</label>
        <select id={`${id}-type`} value={p.type} onChange={(e) => set(p.name, { type: e.target.value as ParameterType })}>
          {PARAMETER_TYPES.map((t) => (
            <option key={t.type} value={t.type}>
              {t.label}
            </option>
          ))}
        </select>
      </div>
      <div>
        <label htmlFor={`${id}-value`}>Value of :{p.name}</label>
        {p.type === 'boolean' ? (
          <select id={`${id}-value`} value={p.value} onChange={(e) => set(p.name, { value: e.target.value })}>
            <option value="">(none)</option>
            <option value="true">Yes</option>
            <option value="false">No</option>
          </select>
        ) : (
          <input
            id={`${id}-value`}
            type={p.type === 'date' ? 'date' : p.type === 'timestamp' ? 'datetime-local' : 'text'}
            inputMode={p.type === 'integer' ? 'numeric' : p.type === 'number' ? 'decimal' : undefined}
            value={p.value}
            onChange={(e) => set(p.name, { value: e.target.value })}
          />
        )}
      </div>
    </div>
  );
}
