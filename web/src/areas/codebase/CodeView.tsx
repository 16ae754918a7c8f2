// One file of the snapshot: its lines highlighted, numbered, each a target (#L12); the line in
// the address (?line=) is marked and scrolled to, as search hits and chat citations ask.
import { useEffect, useMemo, useRef } from 'react';
import type { components } from '../../api/schema';
import { highlightLines } from './highlight';

type CodeFile = components['schemas']['CodebaseFile'];

export function CodeView({ file, line }: { file: CodeFile; line: number | undefined }) {
  const lines = useMemo(() => {
    // A final newline ends the last line; it does not start another.
    const text = file.text.endsWith('\n') ? file.text.slice(0, -1) : file.text;
    return highlightLines(text, file.language);
  }, [file.text, file.language]);
  const list = useRef<HTMLOListElement>(null);
  useEffect(() => {
    // Once the lines are in the page (a new file, or the same one at another line).
    if (!line || lines.length === 0) return;
    list.current?.querySelector(`#L${line}`)?.scrollIntoView({ block: 'center' });
  }, [line, lines]);
  return (
    // Focusable: the block scrolls sideways on its own, and a keyboard must be able to scroll it.
    // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable region must take focus (WCAG 2.1.1)
    <ol className="code" ref={list} aria-label={`${file.path}, ${lines.length} lines`} tabIndex={0}>
      {lines.map((html, i) => (
        <li
          // Lines never move within a file: the index is their identity.
          // biome-ignore lint/suspicious/noArrayIndexKey: see above
          key={i}
          id={`L${i + 1}`}
          className={i + 1 === line ? 'marked' : undefined}
          aria-current={i + 1 === line ? 'true' : undefined}
          // highlight.js's output: the code escaped, inside its own spans (highlight.ts).
          // biome-ignore lint/security/noDangerouslySetInnerHtml: escaped by highlight.js or escapeHtml
          dangerouslySetInnerHTML={{ __html: html || ' ' }}
        />
      ))}
    </ol>
  );
}
