// SQL of the alerts table. Every query but the due scan filters by org_id.
import type { Kysely, Selectable } from 'kysely';
import type { Executor } from '../../core/db/database.ts';
import type { AlertCondition } from './alerts-condition.ts';

export type AlertChannel = 'in_app' | 'email' | 'sms' | 'webhook';

export interface AlertsTable {
  id: string;
  org_id: string;
  question_id: string;
  name: string;
  condition: AlertCondition;
  schedule: string;
  channels: AlertChannel[];
  owner_id: string;
  owner_email: string;
  status: 'active' | 'paused';
  firing: boolean;
  last_value: number | null;
  last_checked_at: Date | null;
  last_fired_at: Date | null;
  last_error: string | null;
  next_check_at: Date;
  created_at: Date;
  updated_at: Date;
}
export type AlertRow = Selectable<AlertsTable>;

interface Tables {
  'analytics.alerts': AlertsTable;
}
const q = (db: Executor) => db as unknown as Kysely<Tables>;
const json = (v: unknown) => JSON.stringify(v) as never;
const encode = (set: Partial<AlertsTable>) => ({
  ...set,
  ...(set.condition ? { condition: json(set.condition) } : {}),
  ...(set.channels ? { channels: json(set.channels) } : {}),
});

export const alerts = {
  insert: (db: Executor, row: AlertsTable) => q(db).insertInto('analytics.alerts').values(encode(row) as AlertsTable).execute(),
  byId: (db: Executor, orgId: string, id: string) => q(db).selectFrom('analytics.alerts').selectAll().where('org_id', '=', orgId).where('id', '=', id).executeTakeFirst(),
  /** The row locked for a check's state change: two checks at once fire at most once. */
  lock: (db: Executor, orgId: string, id: string) => q(db).selectFrom('analytics.alerts').selectAll().where('org_id', '=', orgId).where('id', '=', id).forUpdate().executeTakeFirst(),
  list: (db: Executor, orgId: string, filter: { ownerId?: string; questionId?: string }, beforeId: string | undefined, limit: number) => {
    let query = q(db).selectFrom('analytics.alerts').selectAll().where('org_id', '=', orgId);
    if (filter.ownerId) query = query.where('owner_id', '=', filter.ownerId);
    if (filter.questionId) query = query.where('question_id', '=', filter.questionId);
    if (beforeId) query = query.where('id', '<', beforeId);
    return query.orderBy('id', 'desc').limit(limit).execute();
  },
  update: (db: Executor, orgId: string, id: string, set: Partial<AlertsTable>) => q(db).updateTable('analytics.alerts').set(encode(set)).where('org_id', '=', orgId).where('id', '=', id).execute(),
  delete: async (db: Executor, orgId: string, id: string) => Number((await q(db).deleteFrom('analytics.alerts').where('org_id', '=', orgId).where('id', '=', id).executeTakeFirst()).numDeletedRows) > 0,
  /** Active alerts whose check is due, oldest first. */
  due: (db: Executor, now: Date, limit: number) =>
    q(db).selectFrom('analytics.alerts').selectAll().where('status', '=', 'active').where('next_check_at', '<=', now).orderBy('next_check_at').limit(limit).execute(),
};
