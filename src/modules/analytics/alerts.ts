// Alerts on saved questions. A member creates one on a question they can run; every check runs
// the question AS ITS OWNER, with the owner's rights at check time (never the rights of whoever
// checks it by hand, never a system's). An owner who can no longer run the question (left the
// org, the question is gone, the source refuses them) gets the alert paused with the reason in
// `lastError`: a check that cannot read as its owner reads nothing. Other failures of a run (the
// source down, a timeout) record the error and leave the alert armed for the next check.
//
// It fires once per crossing (alerts-condition.ts). Firing publishes `analytics.alert_fired`
// (public: audit, and webhook endpoints subscribed to it) and raises the `alert_fired`
// notification to the owner (notifications.ts), in the transaction that records the new state.
import { Cron } from 'croner';
import type { Static } from 'typebox';
import { uuidv7 } from 'uuidv7';
import { type Actor, memberActor } from '../../core/context/actor.ts';
import type { Executor } from '../../core/db/database.ts';
import { AppError } from '../../core/errors.ts';
import type { EventPublisher } from '../../core/events/types.ts';
import { decodeCursor, isUuidKey, type Page, toPage } from '../../core/http/pagination.ts';
import type { JobDefinition } from '../../core/jobs/types.ts';
import type { Clock } from '../../core/module.ts';
import type { OrganizationsApi } from '../organizations/index.ts';
import { AlertValueError, holds, step, thresholdOf, alertValue } from './alerts-condition.ts';
import { type AlertRow, alerts } from './alerts-repository.ts';
import { AlertJobResult } from './alerts-schemas.ts';
import type { AlertCheckView, AlertView, CreateAlertBody, ListAlertsQuery, UpdateAlertBody } from './alerts-schemas.ts';
import { AnalyticsProblems } from './problems.ts';
import type { Questions } from './questions.ts';

type Alert = Static<typeof AlertView>;
type Check = Static<typeof AlertCheckView>;

export const CHECK_ALERTS_JOB = 'analytics.check_alerts';
/** Due alerts one tick checks at most; the rest wait for the next minute. */
const CHECKS_PER_TICK = 200;
/** Problems that mean the owner may no longer read the question: the alert is paused. */
const LOST_ACCESS = new Set(['ORG.NOT_FOUND', 'FORBIDDEN', 'ANALYTICS.QUESTION_NOT_FOUND', 'ANALYTICS.SOURCE_NOT_FOUND']);

const iso = (d: Date | null) => (d ? d.toISOString() : null);

const toView = (r: AlertRow): Alert => ({
  id: r.id,
  orgId: r.org_id,
  questionId: r.question_id,
  name: r.name,
  condition: r.condition,
  schedule: r.schedule,
  channels: r.channels,
  ownerId: r.owner_id,
  status: r.status,
  state: {
    firing: r.firing,
    lastValue: r.last_value,
    lastCheckedAt: iso(r.last_checked_at),
    lastFiredAt: iso(r.last_fired_at),
    lastError: r.last_error,
    nextCheckAt: r.status === 'active' ? r.next_check_at.toISOString() : null,
  },
  createdAt: r.created_at.toISOString(),
  updatedAt: r.updated_at.toISOString(),
});

/** A five-field cron expression (no seconds: the checks tick once a minute) that runs at all. */
function parseSchedule(expr: string, timezone: string): Cron {
  const fields = expr.trim().split(/\s+/);
  const invalid = () => AnalyticsProblems.alertSchedule.error(`"${expr}" is not a cron expression of five fields that runs`, { errors: [{ field: 'body.schedule', message: 'is not a five-field cron expression' }] });
  if (fields.length !== 5) throw invalid();
  let cron: Cron;
  try {
    cron = new Cron(fields.join(' '), { timezone, paused: true });
  } catch {
    throw invalid();
  }
  if (!cron.nextRun()) throw invalid();
  return cron;
}

export function createAlerts(deps: { db: Executor; events: EventPublisher; clock: Clock; orgs: OrganizationsApi; questions: Questions; publicUrl: string }) {
  const { db, events, clock, orgs, questions } = deps;
  const base = deps.publicUrl.replace(/\/$/, '');

  async function zoneOf(orgId: string): Promise<string> {
    return (await orgs.getOrganization(orgId))?.timezone ?? 'UTC';
  }

  /** The next check after `after`, in the org's time zone. */
  async function nextCheck(orgId: string, schedule: string, after: Date): Promise<Date> {
    const next = parseSchedule(schedule, await zoneOf(orgId)).nextRun(after);
    if (!next) throw AnalyticsProblems.alertSchedule.error(`"${schedule}" runs no more`);
    return next;
  }

  async function mustFind(orgId: string, id: string): Promise<AlertRow> {
    const row = await alerts.byId(db, orgId, id);
    if (!row) throw AnalyticsProblems.alertNotFound.error('Alert not found');
    return row;
  }

  /** Its owner or an org admin; to anyone else the alert does not exist. */
  async function mustFindOwn(actor: Actor, orgId: string, id: string): Promise<AlertRow> {
    const role = await orgs.assertRole(actor.principal, orgId, 'viewer');
    const row = await mustFind(orgId, id);
    if (row.owner_id !== actor.principal.userId && !orgs.roleAtLeast(role, 'admin')) throw AnalyticsProblems.alertNotFound.error('Alert not found');
    return row;
  }

  const saved = (tx: Executor, actor: Actor, row: AlertRow) =>
    events.publish(tx, 'analytics.alert_saved', { orgId: row.org_id, alertId: row.id, questionId: row.question_id, ownerId: row.owner_id, name: row.name, status: row.status }, { actor, orgId: row.org_id });

  async function create(actor: Actor, orgId: string, input: Static<typeof CreateAlertBody>): Promise<Alert> {
    await orgs.assertRole(actor.principal, orgId, 'member');
    // Only on a question its owner may read: the org's saved questions are every member's.
    await questions.get(actor, orgId, input.questionId);
    const now = clock.now();
    const row: AlertRow = {
      id: uuidv7(),
      org_id: orgId,
      question_id: input.questionId,
      name: input.name.trim(),
      condition: input.condition,
      schedule: input.schedule.trim(),
      channels: input.channels ?? ['in_app'],
      owner_id: actor.principal.userId,
      owner_email: actor.principal.email,
      status: 'active',
      firing: false,
      last_value: null,
      last_checked_at: null,
      last_fired_at: null,
      last_error: null,
      next_check_at: await nextCheck(orgId, input.schedule, now),
      created_at: now,
      updated_at: now,
    };
    await db.transaction().execute(async (tx) => {
      await alerts.insert(tx, row);
      await saved(tx, actor, row);
    });
    return toView(row);
  }

  async function get(actor: Actor, orgId: string, id: string): Promise<Alert> {
    return toView(await mustFindOwn(actor, orgId, id));
  }

  /** One's own alerts; an admin sees everyone's. */
  async function list(actor: Actor, orgId: string, query: Static<typeof ListAlertsQuery>): Promise<Page<Alert>> {
    const role = await orgs.assertRole(actor.principal, orgId, 'viewer');
    const before = decodeCursor(query.cursor, isUuidKey);
    const ownerId = orgs.roleAtLeast(role, 'admin') ? undefined : actor.principal.userId;
    const rows = await alerts.list(db, orgId, { ownerId, questionId: query.questionId }, before ? String(before[0]) : undefined, query.limit + 1);
    const page = toPage(rows, query.limit, (r) => [r.id]);
    return { data: page.data.map(toView), page: page.page };
  }

  async function update(actor: Actor, orgId: string, id: string, input: Static<typeof UpdateAlertBody>): Promise<Alert> {
    const row = await mustFindOwn(actor, orgId, id);
    const now = clock.now();
    const schedule = input.schedule?.trim() ?? row.schedule;
    const rearm = input.condition !== undefined || (input.status === 'active' && row.status === 'paused');
    const next: AlertRow = {
      ...row,
      ...(input.name !== undefined ? { name: input.name.trim() } : {}),
      ...(input.condition !== undefined ? { condition: input.condition } : {}),
      ...(input.channels !== undefined ? { channels: input.channels } : {}),
      ...(input.status !== undefined ? { status: input.status } : {}),
      // A new condition or a resumed alert starts from scratch: the next check that holds fires.
      ...(rearm ? { firing: false, last_value: null, last_error: null } : {}),
      schedule,
      next_check_at: input.schedule !== undefined || rearm ? await nextCheck(orgId, schedule, now) : row.next_check_at,
      updated_at: now,
    };
    await db.transaction().execute(async (tx) => {
      const { id: _id, org_id: _org, ...set } = next;
      await alerts.update(tx, orgId, id, set);
      await saved(tx, actor, next);
    });
    return toView(next);
  }

  async function remove(actor: Actor, orgId: string, id: string): Promise<void> {
    const row = await mustFindOwn(actor, orgId, id);
    await db.transaction().execute(async (tx) => {
      if (!(await alerts.delete(tx, orgId, id))) throw AnalyticsProblems.alertNotFound.error('Alert not found');
      await events.publish(tx, 'analytics.alert_deleted', { orgId, alertId: id, questionId: row.question_id }, { actor, orgId });
    });
  }

  /** The owner as the actor a check runs as: no request, no session; their rights are read live. */
  const ownerActor = (row: AlertRow): Actor => memberActor({ userId: row.owner_id, email: row.owner_email });

  /**
   * Runs the question as the owner, compares, and records the new state; fires on a crossing.
   * `by`: who asked for the check (the events' actor); the scheduled checks act for the owner.
   */
  async function evaluate(row: AlertRow, by: Actor | null): Promise<{ fired: boolean; row: AlertRow }> {
    const now = clock.now();
    const owner = ownerActor(row);
    let value: number | null = null;
    let error: string | null = null;
    let lostAccess = false;
    try {
      const result = await questions.run(owner, row.org_id, row.question_id, { fresh: true });
      value = alertValue(row.condition, result);
    } catch (err) {
      if (err instanceof AlertValueError) error = `ANALYTICS.ALERT_VALUE: ${err.message}`;
      else if (err instanceof AppError) {
        error = `${err.code}: ${err.message}`;
        lostAccess = LOST_ACCESS.has(err.code);
      } else throw err;
    }
    const nextCheckAt = await nextCheck(row.org_id, row.schedule, now).catch(() => new Date(now.getTime() + 86_400_000));

    return db.transaction().execute(async (tx) => {
      const current = await alerts.lock(tx, row.org_id, row.id);
      if (!current) throw AnalyticsProblems.alertNotFound.error('Alert not found');
      if (error !== null) {
        const set = { last_checked_at: now, last_error: error, next_check_at: nextCheckAt, updated_at: now, ...(lostAccess ? { status: 'paused' as const } : {}) };
        await alerts.update(tx, row.org_id, row.id, set);
        return { fired: false, row: { ...current, ...set } };
      }
      const previous = current.last_value;
      const next = step(current.firing, holds(current.condition, value, previous));
      const set = { firing: next.firing, last_value: value, last_checked_at: now, last_error: null, next_check_at: nextCheckAt, updated_at: now, ...(next.fired ? { last_fired_at: now } : {}) };
      await alerts.update(tx, row.org_id, row.id, set);
      if (next.fired) {
        await events.publish(
          tx,
          'analytics.alert_fired',
          {
            orgId: current.org_id,
            alertId: current.id,
            questionId: current.question_id,
            ownerId: current.owner_id,
            name: current.name,
            condition: current.condition.kind,
            value,
            threshold: thresholdOf(current.condition),
            previousValue: previous,
            channels: current.channels,
            link: `${base}/orgs/${current.org_id}/questions/${current.question_id}`,
          },
          by ? { actor: by, orgId: current.org_id } : { actorId: current.owner_id, orgId: current.org_id },
        );
      }
      return { fired: next.fired, row: { ...current, ...set } };
    });
  }

  /** Checks an alert now (its owner or an admin): the same check as the schedule's, as the owner. */
  async function check(actor: Actor, orgId: string, id: string): Promise<Check> {
    const row = await mustFindOwn(actor, orgId, id);
    const { fired, row: after } = await evaluate(row, actor);
    return { fired, alert: toView(after) };
  }

  /** Every minute, once across instances: the due active alerts, each checked as its owner. */
  const job: JobDefinition<unknown, typeof AlertJobResult> = {
    name: CHECK_ALERTS_JOB,
    result: AlertJobResult,
    cron: '* * * * *',
    exclusive: true,
    retryLimit: 0,
    async handler() {
      const due = await alerts.due(db, clock.now(), CHECKS_PER_TICK);
      let fired = 0;
      let failed = 0;
      for (const row of due) {
        // One alert's failure (its row deleted meanwhile, the database busy) never stops the others.
        try {
          if ((await evaluate(row, null)).fired) fired++;
        } catch {
          failed++;
        }
      }
      return { checked: due.length, fired, failed };
    },
  };

  return { create, get, list, update, remove, check, evaluate, jobs: [job] };
}

export type Alerts = ReturnType<typeof createAlerts>;
