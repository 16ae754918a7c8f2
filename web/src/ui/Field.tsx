// Labelled form controls with their hint and their error, tied together for assistive
// technology: the error is announced with the control (aria-describedby) and marks it invalid.
// One frame (label, hint, error) serves the input, the multi-line field and the select.
import { type InputHTMLAttributes, type ReactNode, type SelectHTMLAttributes, type TextareaHTMLAttributes, useId } from 'react';

interface Framed {
  label: string;
  name: string;
  hint?: string;
  error?: string;
}

/** What the control inside a frame carries: its id, name, and the invalid and description links. */
interface ControlProps {
  id: string;
  name: string;
  'aria-invalid': true | undefined;
  'aria-describedby': string | undefined;
}

function FieldFrame({ label, name, hint, error, control }: Framed & { control: (props: ControlProps) => ReactNode }) {
  const id = useId();
  const hintId = hint ? `${id}-hint` : undefined;
  const errorId = error ? `${id}-error` : undefined;
  const describedBy = [hintId, errorId].filter(Boolean).join(' ') || undefined;
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      {hint && (
        <p id={hintId} className="hint">
          {hint}
        </p>
      )}
      {control({ id, name, 'aria-invalid': error ? true : undefined, 'aria-describedby': describedBy })}
      {error && (
        <p id={errorId} className="field-error">
          {error}
        </p>
      )}
    </div>
  );
}

export function Field({ label, name, hint, error, ...input }: Framed & InputHTMLAttributes<HTMLInputElement>) {
  return <FieldFrame label={label} name={name} hint={hint} error={error} control={(props) => <input {...props} {...input} />} />;
}

/** A multi-line field (SQL, a question in plain language); no spell-checking unless asked. */
export function TextArea({ label, name, hint, error, ...textarea }: Framed & TextareaHTMLAttributes<HTMLTextAreaElement>) {
  return <FieldFrame label={label} name={name} hint={hint} error={error} control={(props) => <textarea {...props} spellCheck={false} {...textarea} />} />;
}

export function SelectField({ label, name, hint, error, children, ...select }: Framed & SelectHTMLAttributes<HTMLSelectElement> & { children: ReactNode }) {
  return (
    <FieldFrame
      label={label}
      name={name}
      hint={hint}
      error={error}
      control={(props) => (
        <select {...props} className="select" {...select}>
          {children}
        </select>
      )}
    />
  );
}
