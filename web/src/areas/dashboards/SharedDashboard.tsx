// A dashboard opened through its share link (/shared/dashboards/:token), without signing in:
// read-only, computed as the link's creator. Filters can be changed except locked ones; a
// revoked or expired link says so.
import { useCallback, useEffect, useState } from 'react';
import { useParams } from 'react-router';
import { api } from '../../api/client';
import { call, type Problem, ProblemError, toProblem } from '../../api/problem';
import { Page } from '../../ui/Page';
import { ProblemAlert } from '../../ui/ProblemAlert';
import { useLoad } from '../../app/useLoad';
import { DashboardGrid } from './DashboardGrid';
import { FilterBar } from './FilterBar';
import { filterQuery } from './filters';
import type { DashboardData, FilterValue } from './types';

export function SharedDashboard() {
  const { token = '' } = useParams();
  const board = useLoad(useCallback(() => call(api.GET('/shared-dashboards/{token}', { params: { path: { token } } })), [token]));
  const [applied, setApplied] = useState<Record<string, FilterValue>>({});
  const [data, setData] = useState<DashboardData | undefined>(undefined);
  const [problem, setProblem] = useState<Problem | null>(null);
  const loaded = !!board.data;
  useEffect(() => {
    if (!loaded) return;
    let stale = false;
    const filters = Object.keys(applied).length ? JSON.stringify(applied) : undefined;
    call(api.GET('/shared-dashboards/{token}/data', { params: { path: { token }, query: filters ? { filters } : {} } }))
      .then((answer) => {
        if (!stale) {
          setData(answer);
          setProblem(null);
        }
      })
      .catch((err: unknown) => {
        if (!stale) setProblem(err instanceof ProblemError ? err.problem : toProblem(err));
      });
    return () => {
      stale = true;
    };
  }, [loaded, applied, token]);

  if (!board.data) {
    return (
      <Page title="Shared dashboard">
        {board.problem ? <ProblemAlert problem={board.problem} /> : <p role="status">Loading…</p>}
      </Page>
    );
  }
  const d = board.data;
  const titles = new Map(d.widgets.map((w) => [w.id, w.title || (w.kind === 'text' ? 'Text' : w.id)]));
  return (
    <Page title={d.name}>
      <p className="hint">A shared dashboard, read-only.</p>
      {d.description && <p>{d.description}</p>}
      <FilterBar filters={d.filters} applied={data?.filters} problem={problem} respectLocks onApply={(inputs) => setApplied(filterQuery(d.filters, inputs))} />
      <DashboardGrid widgets={d.widgets} data={new Map((data?.widgets ?? []).map((w) => [w.widgetId, w]))} titles={titles} editable={false} />
    </Page>
  );
}
