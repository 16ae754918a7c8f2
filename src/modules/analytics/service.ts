// Ad hoc SQL: members only (viewers run saved questions, nothing else).
import type { Static } from 'typebox';
import type { Actor } from '../../core/context/actor.ts';
import type { OrganizationsApi } from '../organizations/index.ts';
import type { ResultView, Runner } from './runner.ts';
import type { RunQueryBody } from './schemas.ts';

/** What other modules may ask of analytics (visualizations, dashboards, assistants will). */
export interface AnalyticsApi {
  /** Runs SQL on a source as `actor` (a member), with the guard, caps, cache, history and event of any run. */
  runSql(actor: Actor, orgId: string, input: Static<typeof RunQueryBody>): Promise<ResultView>;
  /** Throws unless `actor` may run SQL of their own in the org (members and up). */
  assertMayQuery(actor: Actor, orgId: string): Promise<void>;
}

export function createSqlService(deps: { orgs: OrganizationsApi; runner: Runner }) {
  async function runSql(actor: Actor, orgId: string, input: Static<typeof RunQueryBody>): Promise<ResultView> {
    await deps.orgs.assertRole(actor.principal, orgId, 'member');
    return deps.runner.run(actor, orgId, { sourceId: input.dataSourceId, sql: input.sql, parameters: input.parameters, maxRows: input.maxRows, fresh: input.fresh, origin: 'sql' });
  }
  /** Ad hoc SQL in any form (run, download, profile) is for members. */
  async function assertMayQuery(actor: Actor, orgId: string): Promise<void> {
    await deps.orgs.assertRole(actor.principal, orgId, 'member');
  }
  return { runSql, assertMayQuery };
}
