// The layout as numbers: each widget's column, row, width and height. The keyboard's way to
// move and resize (dragging needs a pointer: WCAG 2.5.7), and where the API's refusal of a
// layout shows, on the row of the widget it names. Values go to the API as typed.
import type { Widget } from './types';

interface Props {
  widgets: Widget[];
  titles: Map<string, string>;
  messages: Record<string, string>;
  onChange: (widgets: Widget[]) => void;
  onRemove: (id: string) => void;
}

const FIELDS = [
  { key: 'x', label: 'Column' },
  { key: 'y', label: 'Row' },
  { key: 'w', label: 'Width' },
  { key: 'h', label: 'Height' },
] as const;

export function Arrange({ widgets, titles, messages, onChange, onRemove }: Props) {
  const set = (id: string, key: 'x' | 'y' | 'w' | 'h', value: string) => onChange(widgets.map((w) => (w.id === id ? { ...w, [key]: value === '' ? 0 : Number(value) } : w)));
  return (
    <div className="arrange">
      <table>
        <caption className="visually-hidden">Place and size of each widget</caption>
        <thead>
          <tr>
            <th scope="col">Widget</th>
            {FIELDS.map((f) => (
              <th key={f.key} scope="col">
                {f.label}
              </th>
            ))}
            <th scope="col">
              <span className="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {widgets.map((w) => {
            const title = titles.get(w.id) ?? w.id;
            return (
              <tr key={w.id}>
                <th scope="row">
                  {title}
                  {messages[w.id] && <p className="field-error">{messages[w.id]}</p>}
                </th>
                {FIELDS.map((f) => (
                  <td key={f.key}>
                    <input type="number" aria-label={`${f.label} of ${title}`} aria-invalid={messages[w.id] ? true : undefined} value={w[f.key]} onChange={(e) => set(w.id, f.key, e.target.value)} />
                  </td>
                ))}
                <td>
                  <button type="button" className="danger" onClick={() => onRemove(w.id)}>
                    Remove<span className="visually-hidden"> {title}</span>
                  </button>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
