// Ad hoc SQL: members only (viewers run saved questions, nothing else).
import type { Static } from 'typebox';
import type { Actor } from '../../core/context/actor.ts';
import type { OrganizationsApi } from '../organizations/index.ts';
import type { ResultView, Runner } from './runner.ts';
import type { QuestionView, RunQueryBody } from './schemas.ts';

/** What other modules may ask of analytics (visualizations, dashboards, assistants will). */
export interface AnalyticsApi {
  /** Runs SQL on a source as `actor` (a member), with the guard, caps, cache, history and event of any run. */
  runSql(actor: Actor, orgId: string, input: Static<typeof RunQueryBody>): Promise<ResultView>;
  /** Throws unless `actor` may run SQL of their own in the org (members and up). */
  assertMayQuery(actor: Actor, orgId: string): Promise<void>;
  /** A saved question of the org, or null. */
  getQuestion(orgId: string, questionId: string): Promise<SavedQuestion | null>;
  /**
   * Runs a saved question as `actor` (viewers too: the rights of the person who will see the
   * result, never of whoever built the chart or dashboard), with the guard, caps, cache, history
   * and event of any run. `parameters` override the declared defaults by name.
   */
  runQuestion(actor: Actor, orgId: string, questionId: string, input: QuestionRunInput): Promise<ResultView>;
  /**
   * Runs of saved questions made together as `actor` (a dashboard's widgets), each as
   * `runQuestion` would: a question read once however many widgets show it, and the runs'
   * history written in one transaction at `close`. Close it once the runs are done (or given up).
   */
  questionRuns(actor: Actor, orgId: string): QuestionRuns;
}

export type QuestionRunInput = { parameters?: { name: string; value: string | number | boolean | null }[]; fresh?: boolean };

export interface QuestionRuns {
  run(questionId: string, input: QuestionRunInput): Promise<ResultView>;
  /** Writes the history of the runs ended so far; a run that ends later records on its own. */
  close(): Promise<void>;
}

export type SavedQuestion = Static<typeof QuestionView>;

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
