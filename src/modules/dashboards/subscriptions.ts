// Dashboard subscriptions: a dashboard mailed to members on a cron schedule in the org's time
// zone. Every mail is computed AS ITS RECIPIENT, with their rights at send time (never the
// owner's): a recipient who can no longer see the dashboard (left the org, lost the collection)
// gets nothing, and the owner is told through the `subscription_recipient_dropped`
// notification. The mail (subscription-mail.ts) holds each question widget's values as an HTML
// table, and what the subscription's formats add: the charts inline, the PDF, a CSV per table.
// Mails are made one recipient after another, each rendering done in turns of the event loop, so
// a run of a hundred recipients in the API process never holds requests up for long.
import { Cron } from 'croner';
import type { Kysely, Selectable } from 'kysely';
import type { Static } from 'typebox';
import { uuidv7 } from 'uuidv7';
import { type Actor, memberActor } from '../../core/context/actor.ts';
import type { Executor } from '../../core/db/database.ts';
import { CoreProblems, defineProblem } from '../../core/errors.ts';
import type { EventPublisher } from '../../core/events/types.ts';
import type { JobDefinition } from '../../core/jobs/types.ts';
import type { Logger } from '../../core/log/logger.ts';
import type { Mailer } from '../../core/mail/index.ts';
import type { Clock } from '../../core/module.ts';
import type { OrganizationsApi } from '../organizations/index.ts';
import { DashboardsProblems } from './problems.ts';
import type { Dashboard, DashboardData, DashboardsApi } from './service.ts';
import { type DrawnFiles, subscriptionMail } from './subscription-mail.ts';
import {
  type CreateSubscriptionBody,
  SubscriptionJobResult,
  type SubscriptionFormat,
  type SubscriptionRunView,
  type SubscriptionView,
  type UpdateSubscriptionBody,
} from './subscriptions-schemas.ts';

export const SubscriptionProblems = {
  notFound: defineProblem('not_found', 'DASHBOARDS.SUBSCRIPTION_NOT_FOUND', 'No such dashboard subscription in this organization (or it is not yours).'),
  schedule: defineProblem('validation', 'DASHBOARDS.SUBSCRIPTION_SCHEDULE', 'The schedule is not a cron expression of five fields (minute hour day month weekday), or never runs.'),
  recipients: defineProblem('validation', 'DASHBOARDS.SUBSCRIPTION_RECIPIENTS', 'Every recipient must be a member of the organization.'),
};

interface SubscriptionsTable {
  id: string;
  org_id: string;
  dashboard_id: string;
  recipients: string[];
  schedule: string;
  skip_empty: boolean;
  formats: SubscriptionFormat[];
  owner_id: string;
  next_run_at: Date;
  last_run_at: Date | null;
  created_at: Date;
  updated_at: Date;
}
type Row = Selectable<SubscriptionsTable>;
const q = (db: Executor) => db as unknown as Kysely<{ 'dashboards.subscriptions': SubscriptionsTable }>;
const T = 'dashboards.subscriptions' as const;

type Subscription = Static<typeof SubscriptionView>;
type Run = Static<typeof SubscriptionRunView>;
type Data = DashboardData;

export const SEND_SUBSCRIPTIONS_JOB = 'dashboards.send_subscriptions';
const RUNS_PER_TICK = 50;

/** A turn of the event loop between two recipients: requests that came in meanwhile go first. */
const yieldToLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

const toView = (r: Row): Subscription => ({
  id: r.id,
  orgId: r.org_id,
  dashboardId: r.dashboard_id,
  recipients: r.recipients,
  schedule: r.schedule,
  skipEmpty: r.skip_empty,
  formats: r.formats,
  ownerId: r.owner_id,
  nextRunAt: r.next_run_at.toISOString(),
  lastRunAt: r.last_run_at?.toISOString() ?? null,
  createdAt: r.created_at.toISOString(),
  updatedAt: r.updated_at.toISOString(),
});

/** Empty: no question or chart widget answered a row (text alone says nothing new; a chart of rows does). */
const isEmpty = (data: Data) => !data.widgets.some((w) => w.status === 'ok' && (w.kind === 'question' || w.kind === 'chart') && (w.result?.rowCount ?? 0) > 0);

export function createSubscriptions(deps: {
  db: Executor;
  events: EventPublisher;
  clock: Clock;
  orgs: OrganizationsApi;
  mailer: Mailer;
  log: Logger;
  publicUrl: string;
  dashboards: DashboardsApi;
  /** The dashboard and its data computed as `actor` (their rights), the default filters. */
  snapshot(actor: Actor, orgId: string, dashboardId: string): Promise<{ dashboard: Dashboard; data: Data }>;
}) {
  const { db, events, clock, orgs, mailer, dashboards, log } = deps;
  const base = deps.publicUrl.replace(/\/$/, '');

  async function nextRun(orgId: string, schedule: string, after: Date): Promise<Date> {
    const invalid = () => SubscriptionProblems.schedule.error(`"${schedule}" is not a cron expression of five fields that runs`, { errors: [{ field: 'body.schedule', message: 'is not a five-field cron expression' }] });
    const fields = schedule.trim().split(/\s+/);
    if (fields.length !== 5) throw invalid();
    const timezone = (await orgs.getOrganization(orgId))?.timezone ?? 'UTC';
    let next: Date | null;
    try {
      next = new Cron(fields.join(' '), { timezone, paused: true }).nextRun(after);
    } catch {
      throw invalid();
    }
    if (!next) throw invalid();
    return next;
  }

  async function assertRecipients(orgId: string, recipients: readonly string[]) {
    const members = new Set((await orgs.listMembers(orgId)).map((m) => m.userId));
    const errors = recipients.flatMap((id, i) => (members.has(id) ? [] : [{ field: `body.recipients[${i}]`, message: 'is not a member of the organization' }]));
    if (errors.length) throw SubscriptionProblems.recipients.error('Every recipient must be a member of the organization', { errors });
  }

  /** Subscribing others to a dashboard is for those who may edit it. */
  async function assertMayEdit(actor: Actor, orgId: string, dashboardId: string) {
    await orgs.assertRole(actor.principal, orgId, 'viewer');
    const access = await dashboards.accessOf(actor.principal.userId, orgId, dashboardId);
    if (access === 'none') throw DashboardsProblems.notFound.error('Dashboard not found');
    if (access !== 'edit') throw CoreProblems.forbidden.error('Only those who may edit the dashboard subscribe others to it');
  }

  /** Its owner or an org admin; to anyone else it does not exist. */
  async function mustFindOwn(actor: Actor, orgId: string, id: string): Promise<Row> {
    const role = await orgs.assertRole(actor.principal, orgId, 'viewer');
    const row = await q(db).selectFrom(T).selectAll().where('org_id', '=', orgId).where('id', '=', id).executeTakeFirst();
    if (!row || (row.owner_id !== actor.principal.userId && !orgs.roleAtLeast(role, 'admin'))) throw SubscriptionProblems.notFound.error('Subscription not found');
    return row;
  }

  const changed = (tx: Executor, actor: Actor, row: Row, change: 'created' | 'updated' | 'deleted') =>
    events.publish(tx, 'dashboards.subscription_changed', { orgId: row.org_id, dashboardId: row.dashboard_id, subscriptionId: row.id, change }, { actor, orgId: row.org_id });

  async function create(actor: Actor, orgId: string, input: Static<typeof CreateSubscriptionBody>): Promise<Subscription> {
    await assertMayEdit(actor, orgId, input.dashboardId);
    await assertRecipients(orgId, input.recipients);
    const now = clock.now();
    const row: Row = {
      id: uuidv7(),
      org_id: orgId,
      dashboard_id: input.dashboardId,
      recipients: input.recipients,
      schedule: input.schedule.trim(),
      skip_empty: input.skipEmpty ?? true,
      formats: input.formats ?? ['inline'],
      owner_id: actor.principal.userId,
      next_run_at: await nextRun(orgId, input.schedule, now),
      last_run_at: null,
      created_at: now,
      updated_at: now,
    };
    await db.transaction().execute(async (tx) => {
      await q(tx)
        .insertInto(T)
        .values({ ...row, recipients: JSON.stringify(row.recipients) as never })
        .execute();
      await changed(tx, actor, row, 'created');
    });
    return toView(row);
  }

  async function list(actor: Actor, orgId: string): Promise<{ data: Subscription[] }> {
    const role = await orgs.assertRole(actor.principal, orgId, 'viewer');
    let query = q(db).selectFrom(T).selectAll().where('org_id', '=', orgId);
    if (!orgs.roleAtLeast(role, 'admin')) query = query.where('owner_id', '=', actor.principal.userId);
    return { data: (await query.orderBy('id', 'desc').limit(500).execute()).map(toView) };
  }

  async function get(actor: Actor, orgId: string, id: string): Promise<Subscription> {
    return toView(await mustFindOwn(actor, orgId, id));
  }

  async function update(actor: Actor, orgId: string, id: string, input: Static<typeof UpdateSubscriptionBody>): Promise<Subscription> {
    const row = await mustFindOwn(actor, orgId, id);
    if (input.recipients) await assertRecipients(orgId, input.recipients);
    const now = clock.now();
    const next: Row = {
      ...row,
      recipients: input.recipients ?? row.recipients,
      schedule: input.schedule?.trim() ?? row.schedule,
      skip_empty: input.skipEmpty ?? row.skip_empty,
      formats: input.formats ?? row.formats,
      next_run_at: input.schedule !== undefined ? await nextRun(orgId, input.schedule, now) : row.next_run_at,
      updated_at: now,
    };
    await db.transaction().execute(async (tx) => {
      await q(tx)
        .updateTable(T)
        .set({ recipients: JSON.stringify(next.recipients) as never, schedule: next.schedule, skip_empty: next.skip_empty, formats: next.formats, next_run_at: next.next_run_at, updated_at: now })
        .where('org_id', '=', orgId)
        .where('id', '=', id)
        .execute();
      await changed(tx, actor, next, 'updated');
    });
    return toView(next);
  }

  async function remove(actor: Actor, orgId: string, id: string): Promise<void> {
    const row = await mustFindOwn(actor, orgId, id);
    await db.transaction().execute(async (tx) => {
      await q(tx).deleteFrom(T).where('org_id', '=', orgId).where('id', '=', id).execute();
      await changed(tx, actor, row, 'deleted');
    });
  }

  /** Sends the dashboard to each recipient as that recipient; tells the owner of those dropped. */
  async function run(row: Row): Promise<Run> {
    const result: Run = { sent: [], skipped: [], dropped: [], failed: [] };
    const now = clock.now();
    // An owner who left the org no longer sends anything in its name (the rows stay for an admin).
    const dashboard = (await orgs.roleOf(row.owner_id, row.org_id)) ? await dashboards.getDashboard(row.org_id, row.dashboard_id) : null;
    if (dashboard) {
      const members = new Map((await orgs.listMembers(row.org_id)).map((m) => [m.userId, m]));
      const org = await orgs.getOrganization(row.org_id);
      const drawn: DrawnFiles = new Map();
      const link = `${base}/orgs/${row.org_id}/dashboards/${row.dashboard_id}`;
      for (const recipientId of row.recipients) {
        const member = members.get(recipientId);
        if (!member || (await dashboards.accessOf(recipientId, row.org_id, row.dashboard_id)) === 'none') {
          result.dropped.push(recipientId);
          continue;
        }
        const actor = memberActor(member);
        // One recipient's failure (the mail server refusing, access lost a moment ago) is theirs
        // alone: the others still get their mail, and the run is not repeated for everyone.
        try {
          const snapshot = await deps.snapshot(actor, row.org_id, row.dashboard_id);
          if (row.skip_empty && isEmpty(snapshot.data)) {
            result.skipped.push(recipientId);
            continue;
          }
          const mail = await subscriptionMail({ link, snapshot, formats: row.formats, org: org ? { name: org.name, timezone: org.timezone } : null, at: now, drawn });
          await mailer.send({ to: member.email, ...mail, idempotencyKey: `subscription-${row.id}-${now.getTime()}-${recipientId}` });
          result.sent.push(recipientId);
        } catch (err) {
          log.warn({ subscriptionId: row.id, recipientId, err: (err as Error).message }, 'dashboard subscription mail not sent');
          result.failed.push(recipientId);
        } finally {
          await yieldToLoop();
        }
      }
    }
    const next = await nextRun(row.org_id, row.schedule, now).catch(() => new Date(now.getTime() + 86_400_000));
    await db.transaction().execute(async (tx) => {
      await q(tx).updateTable(T).set({ last_run_at: now, next_run_at: next }).where('org_id', '=', row.org_id).where('id', '=', row.id).execute();
      for (const recipientId of result.dropped) {
        await events.publish(
          tx,
          'dashboards.subscription_recipient_dropped',
          { orgId: row.org_id, dashboardId: row.dashboard_id, subscriptionId: row.id, ownerId: row.owner_id, recipientId },
          { actorId: row.owner_id, orgId: row.org_id },
        );
      }
    });
    return result;
  }

  async function sendNow(actor: Actor, orgId: string, id: string): Promise<Run> {
    return run(await mustFindOwn(actor, orgId, id));
  }

  const job: JobDefinition<unknown, typeof SubscriptionJobResult> = {
    name: SEND_SUBSCRIPTIONS_JOB,
    result: SubscriptionJobResult,
    cron: '* * * * *',
    exclusive: true,
    retryLimit: 0,
    async handler() {
      const due = await q(db).selectFrom(T).selectAll().where('next_run_at', '<=', clock.now()).orderBy('next_run_at').limit(RUNS_PER_TICK).execute();
      let mails = 0;
      let failed = 0;
      for (const row of due) {
        // One subscription's failure (the mail server down) never stops the others.
        try {
          mails += (await run(row)).sent.length;
        } catch {
          failed++;
        }
      }
      return { runs: due.length, mails, failed };
    },
  };

  return { create, list, get, update, remove, sendNow, jobs: [job] };
}

export type Subscriptions = ReturnType<typeof createSubscriptions>;
