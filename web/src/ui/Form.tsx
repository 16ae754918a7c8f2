// A form whose submit runs an action: the fields' values go to `onSubmit` by name, the problem
// is shown above the button and each field's message under the field (see Field).
import type { FormEvent, ReactNode } from 'react';
import { fieldMessages, type Problem } from '../api/problem';
import { ProblemAlert } from './ProblemAlert';

interface Props {
  onSubmit: (values: Record<string, string>) => void;
  problem: Problem | null;
  pending: boolean;
  submitLabel: string;
  children: (errors: Record<string, string>) => ReactNode;
  label?: string;
}

export function Form({ onSubmit, problem, pending, submitLabel, children, label }: Props) {
  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const values: Record<string, string> = {};
    for (const [name, value] of new FormData(event.currentTarget)) if (typeof value === 'string') values[name] = value;
    onSubmit(values);
  };
  return (
    <form onSubmit={submit} noValidate aria-label={label} aria-busy={pending || undefined}>
      {children(fieldMessages(problem))}
      <ProblemAlert problem={problem} />
      <button type="submit" className="primary" disabled={pending}>
        {pending ? 'Working…' : submitLabel}
      </button>
    </form>
  );
}
