// SQL of the analytics schema. Every query filters by org_id (defence in depth).
import { type Kysely, type RawBuilder, type Selectable, sql } from 'kysely';
import type { Executor } from '../../core/db/database.ts';

export interface DeclaredParameterRow {
  name: string;
  type: 'text' | 'integer' | 'number' | 'boolean' | 'date' | 'timestamp';
  default?: string | number | boolean | null;
}

export interface QuestionsTable {
  id: string;
  org_id: string;
  data_source_id: string;
  name: string;
  description: string;
  question: string | null;
  sql: string;
  parameters: DeclaredParameterRow[];
  verified: boolean;
  created_by: string;
  created_at: Date;
  updated_at: Date;
}
export type QuestionRow = Selectable<QuestionsTable>;

export interface RunsTable {
  id: string;
  org_id: string;
  user_id: string;
  data_source_id: string;
  question_id: string | null;
  sql: string;
  sql_hash: string;
  parameters: unknown[];
  status: 'ok' | 'refused' | 'failed';
  error_code: string | null;
  row_count: number | null;
  duration_ms: number | null;
  cached: boolean;
  created_at: Date;
}
export type RunRow = Selectable<RunsTable>;

interface Tables {
  'analytics.questions': QuestionsTable;
  'analytics.runs': RunsTable;
}
const q = (db: Executor) => db as unknown as Kysely<Tables>;
const json = (v: unknown) => JSON.stringify(v) as never;

export const questions = {
  insert: (db: Executor, row: QuestionsTable) => q(db).insertInto('analytics.questions').values({ ...row, parameters: json(row.parameters) }).execute(),
  byId: (db: Executor, orgId: string, id: string) => q(db).selectFrom('analytics.questions').selectAll().where('org_id', '=', orgId).where('id', '=', id).executeTakeFirst(),
  /** The org's questions among `ids`, in no order. */
  byIds: (db: Executor, orgId: string, ids: readonly string[]) => q(db).selectFrom('analytics.questions').selectAll().where('org_id', '=', orgId).where('id', 'in', ids).execute(),
  list: (db: Executor, orgId: string, filter: { dataSourceId?: string }, beforeId: string | undefined, limit: number) => {
    let query = q(db).selectFrom('analytics.questions').selectAll().where('org_id', '=', orgId);
    if (filter.dataSourceId) query = query.where('data_source_id', '=', filter.dataSourceId);
    if (beforeId) query = query.where('id', '<', beforeId);
    return query.orderBy('id', 'desc').limit(limit).execute();
  },
  /** The verified questions of a source: the generator's examples (few enough to rank in memory). */
  verified: (db: Executor, orgId: string, sourceId: string) =>
    q(db).selectFrom('analytics.questions').select(['question', 'name', 'sql']).where('org_id', '=', orgId).where('data_source_id', '=', sourceId).where('verified', '=', true).orderBy('id', 'desc').limit(500).execute(),
  update: (db: Executor, orgId: string, id: string, set: Partial<QuestionsTable>) =>
    q(db)
      .updateTable('analytics.questions')
      .set(set.parameters ? { ...set, parameters: json(set.parameters) } : set)
      .where('org_id', '=', orgId)
      .where('id', '=', id)
      .execute(),
  delete: async (db: Executor, orgId: string, id: string) => Number((await q(db).deleteFrom('analytics.questions').where('org_id', '=', orgId).where('id', '=', id).executeTakeFirst()).numDeletedRows) > 0,
};

export const runs = {
  /**
   * Runs (a dashboard's widgets: several) with their events, in one statement: `events` gives
   * the outbox rows of what the CTE `recorded` holds (EventPublisher.insertingAll).
   */
  insert: async (db: Executor, rows: readonly RunsTable[], events: (source: string) => RawBuilder<unknown>) => {
    const insert = q(db).insertInto('analytics.runs').values(rows.map((row) => ({ ...row, parameters: json(row.parameters) }))).returning('id');
    await sql`WITH recorded AS (${insert}), event AS (${events('recorded')}) SELECT count(*) FROM recorded`.execute(db);
  },
  byId: (db: Executor, orgId: string, userId: string, id: string) =>
    q(db).selectFrom('analytics.runs').selectAll().where('org_id', '=', orgId).where('user_id', '=', userId).where('id', '=', id).executeTakeFirst(),
  /** One user's history in one org, newest first. */
  list: (db: Executor, orgId: string, userId: string, beforeId: string | undefined, limit: number) => {
    let query = q(db).selectFrom('analytics.runs').selectAll().where('org_id', '=', orgId).where('user_id', '=', userId);
    if (beforeId) query = query.where('id', '<', beforeId);
    return query.orderBy('id', 'desc').limit(limit).execute();
  },
};
