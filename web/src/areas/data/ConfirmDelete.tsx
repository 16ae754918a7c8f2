// Deleting a source or a saved question: a first button asks, a second one (named after the
// thing) deletes, "Keep it" goes back; the API's refusal is shown under it.
import { useState } from 'react';
import type { Problem } from '../../api/problem';
import { ProblemAlert } from '../../ui/ProblemAlert';

export interface ConfirmDeleteProps {
  /** The first button's words: "Delete this source…". */
  ask: string;
  /** What deleting does, said before the second button. */
  warning: string;
  /** The second button's words: "Delete Orders". */
  confirm: string;
  onDelete(): void;
  pending: boolean;
  problem: Problem | null;
}

export function ConfirmDelete({ ask, warning, confirm, onDelete, pending, problem }: ConfirmDeleteProps) {
  const [asking, setAsking] = useState(false);
  return (
    <>
      <h2>Delete</h2>
      {!asking ? (
        <button type="button" className="danger" onClick={() => setAsking(true)}>
          {ask}
        </button>
      ) : (
        <div className="toolbar">
          <p>{warning}</p>
          <button type="button" className="danger" onClick={onDelete} disabled={pending}>
            {confirm}
          </button>
          <button type="button" onClick={() => setAsking(false)}>
            Keep it
          </button>
        </div>
      )}
      <ProblemAlert problem={problem} />
    </>
  );
}
