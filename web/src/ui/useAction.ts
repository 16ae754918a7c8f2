// Running an action a person started (a form's submit, a button): pending while it runs, the
// problem when it failed, so every form shows its errors the same way.
import { useCallback, useRef, useState } from 'react';
import { type Problem, ProblemError, toProblem } from '../api/problem';

export function useAction<A extends unknown[], R>(run: (...args: A) => Promise<R>) {
  const [pending, setPending] = useState(false);
  const [problem, setProblem] = useState<Problem | null>(null);
  const latest = useRef(run);
  latest.current = run;
  const start = useCallback(async (...args: A): Promise<R | undefined> => {
    setPending(true);
    setProblem(null);
    try {
      return await latest.current(...args);
    } catch (err) {
      setProblem(err instanceof ProblemError ? err.problem : toProblem(err));
      return undefined;
    } finally {
      setPending(false);
    }
  }, []);
  return { start, pending, problem, clear: () => setProblem(null) };
}
