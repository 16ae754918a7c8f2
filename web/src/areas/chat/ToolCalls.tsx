// An answer's tool calls, in order: the tool's name, the input the model gave it, and its result
// or its refusal. Collapsed by default: the answer's words come first, the trace on demand.
import type { ChatError } from '../../api/answerStream';

export interface ToolCallView {
  id?: string;
  tool: string;
  input: unknown;
  /** The output as it came (absent while the tool runs, or when it was refused). */
  output?: unknown;
  /** The output already as text (a shared conversation's export). */
  resultText?: string | null;
  error?: ChatError | null;
}

const asText = (value: unknown) => (typeof value === 'string' ? value : JSON.stringify(value, null, 2));

export function ToolCalls({ calls }: { calls: readonly ToolCallView[] }) {
  if (calls.length === 0) return null;
  return (
    <ul className="tool-calls" aria-label="Tool calls">
      {calls.map((c, i) => {
        const state = c.error ? 'refused' : c.output !== undefined || c.resultText != null ? 'done' : 'running';
        return (
          <li key={c.id ?? i}>
            <details>
              <summary>
                Tool <code>{c.tool}</code> <span className="meta">({state})</span>
              </summary>
              <p className="label">Input</p>
              <pre>{asText(c.input)}</pre>
              {c.error ? (
                <p className="field-error">
                  {c.error.code}: {c.error.message}
                </p>
              ) : state === 'done' ? (
                <>
                  <p className="label">Result</p>
                  <pre>{c.resultText ?? asText(c.output)}</pre>
                </>
              ) : (
                <p className="meta">Running…</p>
              )}
            </details>
          </li>
        );
      })}
    </ul>
  );
}
