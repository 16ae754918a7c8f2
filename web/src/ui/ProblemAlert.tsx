// The message of a failed action, next to the action, announced when it appears.
import { type Problem, problemMessage } from '../api/problem';

export function ProblemAlert({ problem }: { problem: Problem | null }) {
  if (!problem) return null;
  return (
    <div className="alert" role="alert">
      <p>{problemMessage(problem)}</p>
      {problem.requestId && <p className="hint">Reference: {problem.requestId}</p>}
    </div>
  );
}
