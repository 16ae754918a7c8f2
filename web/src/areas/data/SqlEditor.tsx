// The SQL box of the query page and of a saved question: a multi-line field that Ctrl+Enter
// (⌘+Enter) submits, as in most SQL editors.
import type { FormEvent } from 'react';
import { TextArea } from '../../ui/Field';

export function SqlEditor({ value, onChange, onRun, hint, error }: { value: string; onChange(sql: string): void; onRun(e: FormEvent): void; hint: string; error?: string }) {
  return (
    <TextArea
      label="SQL"
      name="sql"
      className="sql"
      rows={8}
      value={value}
      onChange={(e) => onChange(e.target.value)}
      onKeyDown={(e) => {
        if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) onRun(e);
      }}
      hint={hint}
      error={error}
    />
  );
}
