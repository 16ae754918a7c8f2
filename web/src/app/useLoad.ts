// Loading what a page shows, with a way to load it again after a change.
import { useCallback, useEffect, useState } from 'react';
import { type Problem, ProblemError, toProblem } from '../api/problem';

export function useLoad<T>(load: () => Promise<T>) {
  const [data, setData] = useState<T | undefined>(undefined);
  const [problem, setProblem] = useState<Problem | null>(null);
  const reload = useCallback(async () => {
    try {
      setData(await load());
      setProblem(null);
    } catch (err) {
      setProblem(err instanceof ProblemError ? err.problem : toProblem(err));
    }
  }, [load]);
  useEffect(() => {
    void reload();
  }, [reload]);
  return { data, problem, reload };
}
