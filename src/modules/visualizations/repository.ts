// SQL of visualizations.charts. Every query filters by org_id (defence in depth).
import type { Kysely, Selectable } from 'kysely';
import type { Executor } from '../../core/db/database.ts';
import type { ChartOptions, ChartType, Encoding } from './chart-model.ts';

export interface ChartsTable {
  id: string;
  org_id: string;
  question_id: string;
  type: ChartType;
  encoding: Encoding;
  options: ChartOptions;
  created_by: string;
  created_at: Date;
  updated_at: Date;
}
export type ChartRow = Selectable<ChartsTable>;

interface Tables {
  'visualizations.charts': ChartsTable;
}
const q = (db: Executor) => db as unknown as Kysely<Tables>;
const json = (row: Partial<ChartsTable>) => ({
  ...row,
  ...(row.encoding ? { encoding: JSON.stringify(row.encoding) as never } : {}),
  ...(row.options ? { options: JSON.stringify(row.options) as never } : {}),
});

export const charts = {
  insert: (db: Executor, row: ChartsTable) => q(db).insertInto('visualizations.charts').values(json(row) as ChartsTable).execute(),
  byId: (db: Executor, orgId: string, id: string) => q(db).selectFrom('visualizations.charts').selectAll().where('org_id', '=', orgId).where('id', '=', id).executeTakeFirst(),
  /** The org's charts among `ids`, in no order. */
  byIds: (db: Executor, orgId: string, ids: readonly string[]) => q(db).selectFrom('visualizations.charts').selectAll().where('org_id', '=', orgId).where('id', 'in', ids).execute(),
  /** Locks the row for a change (update, delete) in the caller's transaction. */
  lock: (db: Executor, orgId: string, id: string) =>
    q(db).selectFrom('visualizations.charts').selectAll().where('org_id', '=', orgId).where('id', '=', id).forUpdate().executeTakeFirst(),
  /** Newest first, keyset on id (UUIDv7 ids sort by creation). */
  list: (db: Executor, orgId: string, filter: { questionId?: string }, beforeId: string | undefined, limit: number) => {
    let query = q(db).selectFrom('visualizations.charts').selectAll().where('org_id', '=', orgId);
    if (filter.questionId) query = query.where('question_id', '=', filter.questionId);
    if (beforeId) query = query.where('id', '<', beforeId);
    return query.orderBy('id', 'desc').limit(limit).execute();
  },
  update: (db: Executor, orgId: string, id: string, patch: Partial<ChartsTable>) =>
    q(db).updateTable('visualizations.charts').set(json(patch)).where('org_id', '=', orgId).where('id', '=', id).returningAll().executeTakeFirstOrThrow(),
  delete: async (db: Executor, orgId: string, id: string) => {
    const r = await q(db).deleteFrom('visualizations.charts').where('org_id', '=', orgId).where('id', '=', id).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  },
};
