// A project's budget: hours and money spent against the budget (rounded time counts), as
// meters with their figures in words, and the weeks that burned it.
import { useCallback } from 'react';
import { api } from '../../api/client';
import { call } from '../../api/problem';
import { useLoad } from '../../app/useLoad';
import { ProblemAlert } from '../../ui/ProblemAlert';

const hours = (n: number) => `${Math.round(n * 10) / 10} h`;
const minor = (n: number, currency: string) => `${(n / 100).toFixed(2)} ${currency}`;

export function ProjectBudget({ orgId, projectId, version }: { orgId: string; projectId: string; version: number }) {
  // biome-ignore lint/correctness/useExhaustiveDependencies: `version` reloads it after the project's budget changed
  const budget = useLoad(useCallback(() => call(api.GET('/orgs/{orgId}/reports/projects/{projectId}/budget', { params: { path: { orgId, projectId } } })), [orgId, projectId, version]));
  const b = budget.data;
  return (
    <section aria-labelledby="budget-title">
      <h2 id="budget-title">Budget</h2>
      <ProblemAlert problem={budget.problem} />
      {b && (
        <dl className="budget">
          <dt>Hours</dt>
          <dd>
            {hours(b.hours.spentRounded)} spent
            {b.hours.budget !== null ? ` of ${hours(b.hours.budget)} (${Math.round(b.hours.percent ?? 0)}%)` : ', no hour budget'}
            {b.hours.budget !== null && (
              <meter min={0} max={100} low={80} high={99} optimum={0} value={Math.min(100, b.hours.percent ?? 0)} aria-label="Hour budget used" />
            )}
          </dd>
          <dt>Money</dt>
          <dd>
            {minor(b.money.spentMinor, b.money.currency)} spent
            {b.money.budgetMinor !== null ? ` of ${minor(b.money.budgetMinor, b.money.currency)} (${Math.round(b.money.percent ?? 0)}%)` : ', no money budget'}
          </dd>
          {b.burn.length > 0 && (
            <>
              <dt>Weeks</dt>
              <dd>{b.burn.map((w) => `${w.week}: ${hours(w.hours)}`).join(' · ')}</dd>
            </>
          )}
        </dl>
      )}
    </section>
  );
}
