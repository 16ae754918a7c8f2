// Time entries: create, read, update, delete. Each write checks, in this order: org role
// (404 outside, 403 viewer), the entry's visibility (404), the project rights (404/403),
// archived projects (409), then under the (org, user) lock the lock date, approved periods
// and overlaps (409), and finally the budget thresholds in the same transaction.
import { uuidv7 } from 'uuidv7';
import type { Executor } from '../../core/db/database.ts';
import { CoreProblems } from '../../core/errors.ts';
import { TimeProblems } from './problems.ts';
import { decodeCursor, encodeCursor } from '../../core/http/pagination.ts';
import type { ProjectSummary } from '../projects/index.ts';
import type { BudgetCheck } from './budget.ts';
import type { Actor } from '../../core/context/actor.ts';
import type { TimeContext, TimeDeps } from './service.ts';
import { assertNoOverlap, assertOpen, lockUsers, mapConstraintError } from './guards.ts';
import { boundary, validTimeZone } from './periods.ts';
import { type EntryPatch, entries, type NewEntry } from './repository.ts';
import { assertRange, entryNotFound, isAdmin, resolveCurrency, resolveEnd, resolveRate, truncateToSecond } from './rules.ts';
import { memberRates, settings } from './settings-repository.ts';
import type { EntryRow } from './tables.ts';
import { entryFacts, type TimeEntryView, toEntryView } from './views.ts';

export interface CreateEntryInput {
  projectId: string;
  taskId?: string;
  userId?: string;
  start: string;
  end?: string;
  durationSeconds?: number;
  description?: string;
  billable?: boolean;
  tags?: string[];
}

export interface UpdateEntryInput {
  projectId?: string;
  taskId?: string | null;
  userId?: string;
  start?: string;
  end?: string;
  durationSeconds?: number;
  description?: string;
  billable?: boolean;
  tags?: string[];
}

export interface ListEntriesQuery {
  userId?: string;
  projectId?: string;
  taskId?: string;
  from?: string;
  to?: string;
  tz?: string;
  billable?: boolean;
  tag?: string;
  cursor?: string;
  limit: number;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const isEntryKey = (k: unknown[]) => k.length === 2 && typeof k[0] === 'string' && !Number.isNaN(Date.parse(k[0])) && typeof k[1] === 'string' && UUID.test(k[1]);

/** Trimmed, without empties or duplicates, in the order given. */
export const normalizeTags = (tags: readonly string[]) => [...new Set(tags.map((t) => t.trim()).filter(Boolean))];

/** The row of a new entry or timer (end null), with the rate snapshot taken for it. */
export function newEntryRow(
  orgId: string,
  userId: string,
  project: ProjectSummary,
  input: { taskId?: string; description?: string; billable?: boolean; tags?: string[] },
  span: { start: Date; end: Date | null },
  rate: { hourly_rate_minor: number | null; currency: string },
  createdBy: string,
): NewEntry {
  return {
    id: uuidv7(),
    org_id: orgId,
    user_id: userId,
    project_id: project.id,
    task_id: input.taskId ?? null,
    start_at: span.start,
    end_at: span.end,
    description: input.description ?? '',
    billable: input.billable ?? project.billableDefault,
    tags: normalizeTags(input.tags ?? []),
    ...rate,
    created_by: createdBy,
  };
}

export function createEntriesService(deps: TimeDeps, ctx: TimeContext, checkBudget: BudgetCheck) {
  const { db, orgs, projects, events } = deps;

  /**
   * The rate and currency copied onto an entry of `userId` in `project`, read in the writing
   * transaction `tx` (under the user's lock), so the snapshot is the rate at the write.
   */
  async function snapshotRate(tx: Executor, orgId: string, project: ProjectSummary, userId: string, orgCurrency: string) {
    const projectMember = await projects.memberRate(orgId, project.id, userId, tx);
    const orgMember = await memberRates.get(tx, orgId, userId);
    const s = await settings.get(tx, orgId);
    return {
      hourly_rate_minor: resolveRate({ projectMember, project: project.hourlyRateMinor, orgMember, org: s.hourlyRateMinor }),
      currency: resolveCurrency(project.currency, orgCurrency),
    };
  }

  async function view(orgId: string, row: EntryRow): Promise<TimeEntryView> {
    return toEntryView(row, (await ctx.rounding(db, orgId)).forProject(row.project_id));
  }

  async function create(actor: Actor, orgId: string, input: CreateEntryInput): Promise<TimeEntryView> {
    const { principal } = actor;
    await orgs.assertRole(principal, orgId, 'member');
    const userId = input.userId ?? principal.userId;
    const start = truncateToSecond(new Date(input.start));
    const end = truncateToSecond(resolveEnd(start, { end: input.end ? new Date(input.end) : undefined, durationSeconds: input.durationSeconds }));
    const project = await ctx.writableProject(principal, orgId, input.projectId, userId !== principal.userId);
    if (userId !== principal.userId) await ctx.assertMember(orgId, userId);
    if (input.taskId) await ctx.assertTask(orgId, project.id, input.taskId);
    const row = await db
      .transaction()
      .execute(async (tx) => {
        await lockUsers(tx, orgId, [userId]);
        const org = await ctx.orgInfo(orgId, tx);
        await assertOpen(tx, orgId, org.timezone, [{ userId, start }]);
        await assertNoOverlap(tx, orgId, userId, { start, end });
        const rate = await snapshotRate(tx, orgId, project, userId, org.currency);
        const created = await entries.insert(tx, newEntryRow(orgId, userId, project, input, { start, end }, rate, principal.userId));
        await events.publish(tx, 'time.entry_created', entryFacts(created), { actor, orgId });
        await checkBudget.check(tx, orgId, project, { actor, orgId });
        return created;
      })
      .catch((err) => {
        throw mapConstraintError(err);
      });
    return view(orgId, row);
  }

  /** An entry the caller may see, else 404 TIME.ENTRY_NOT_FOUND. */
  async function visible(actor: Actor, orgId: string, entryId: string, minimum: 'viewer' | 'member') {
    const role = await orgs.assertRole(actor.principal, orgId, minimum);
    const row = await entries.byId(db, orgId, entryId);
    if (!row || !(await ctx.canSee(actor.principal, role, row))) throw entryNotFound();
    return { row, role };
  }

  async function get(actor: Actor, orgId: string, entryId: string): Promise<TimeEntryView> {
    return view(orgId, (await visible(actor, orgId, entryId, 'viewer')).row);
  }

  /**
   * Admins list everything; others list their own entries, and all entries of a project they
   * manage when they filter by it.
   */
  async function list(actor: Actor, orgId: string, query: ListEntriesQuery) {
    const { principal } = actor;
    const role = await orgs.assertRole(principal, orgId, 'viewer');
    if (query.tz !== undefined && !validTimeZone(query.tz)) {
      throw CoreProblems.validationFailed.error('The request is not valid', { errors: [{ field: 'query.tz', message: 'is not an IANA time zone' }] });
    }
    const tz = query.tz ?? (query.from || query.to ? (await ctx.orgInfo(orgId)).timezone : 'UTC');
    let visibleTo: { userId: string; projectIds: string[] } | null = null;
    if (!isAdmin(role)) {
      const manages = query.projectId !== undefined && role !== 'viewer' && (await projects.projectRole(principal.userId, orgId, query.projectId)) === 'manager';
      visibleTo = { userId: principal.userId, projectIds: manages ? [query.projectId!] : [] };
    }
    const key = decodeCursor(query.cursor, isEntryKey);
    const rows = await entries.list(db, {
      orgId,
      userId: query.userId,
      visibleTo,
      projectId: query.projectId,
      taskId: query.taskId,
      from: query.from ? boundary(query.from, tz, 'from') : undefined,
      to: query.to ? boundary(query.to, tz, 'to') : undefined,
      billable: query.billable,
      tag: query.tag,
      after: key ? { start: new Date(key[0] as string), id: key[1] as string } : undefined,
      limit: query.limit,
    });
    const page = rows.slice(0, query.limit);
    const last = page[page.length - 1];
    const rounding = await ctx.rounding(db, orgId);
    return {
      data: page.map((r) => toEntryView(r, rounding.forProject(r.project_id))),
      page: { nextCursor: rows.length > query.limit ? encodeCursor([last.start_at.toISOString(), last.id]) : null, limit: query.limit },
    };
  }

  async function update(actor: Actor, orgId: string, entryId: string, patch: UpdateEntryInput): Promise<TimeEntryView> {
    const { principal } = actor;
    const { row: current } = await visible(actor, orgId, entryId, 'member');
    const userId = patch.userId ?? current.user_id;
    // Handing an entry to another person takes the manager's right where it lands.
    const manageNew = userId !== principal.userId || userId !== current.user_id;
    const oldProject = await ctx.writableProject(principal, orgId, current.project_id, current.user_id !== principal.userId);
    const project =
      (patch.projectId && patch.projectId !== current.project_id) || manageNew !== (current.user_id !== principal.userId)
        ? await ctx.writableProject(principal, orgId, patch.projectId ?? current.project_id, manageNew)
        : oldProject;
    if (userId !== current.user_id) await ctx.assertMember(orgId, userId);

    const running = current.end_at === null;
    if (running && (patch.end !== undefined || patch.durationSeconds !== undefined)) {
      throw TimeProblems.timerRunning.error('This entry is a running timer: stop it to set its end');
    }
    const start = patch.start ? truncateToSecond(new Date(patch.start)) : current.start_at;
    let end = current.end_at;
    if (patch.end !== undefined || patch.durationSeconds !== undefined) {
      end = truncateToSecond(resolveEnd(start, { end: patch.end ? new Date(patch.end) : undefined, durationSeconds: patch.durationSeconds }));
    } else if (end) assertRange(start, end);

    const taskId = patch.taskId !== undefined ? patch.taskId : current.task_id;
    if (taskId && (patch.taskId !== undefined || project.id !== current.project_id)) await ctx.assertTask(orgId, project.id, taskId);

    const changes: EntryPatch = { start_at: start, end_at: end, task_id: taskId };
    // A different project or person means a different rate (read in the transaction below);
    // otherwise the snapshot stays.
    const rerate = project.id !== current.project_id || userId !== current.user_id;
    if (rerate) Object.assign(changes, { project_id: project.id, user_id: userId });
    if (patch.description !== undefined) changes.description = patch.description;
    if (patch.billable !== undefined) changes.billable = patch.billable;
    if (patch.tags !== undefined) changes.tags = normalizeTags(patch.tags);
    const fields = Object.keys(patch).filter((k) => (patch as Record<string, unknown>)[k] !== undefined);

    const row = await db
      .transaction()
      .execute(async (tx) => {
        await lockUsers(tx, orgId, [current.user_id, userId]);
        const org = await ctx.orgInfo(orgId, tx);
        // Both where the entry was and where it goes must be open.
        await assertOpen(tx, orgId, org.timezone, [
          { userId: current.user_id, start: current.start_at },
          { userId, start },
        ]);
        await assertNoOverlap(tx, orgId, userId, { start, end }, entryId);
        if (rerate) Object.assign(changes, await snapshotRate(tx, orgId, project, userId, org.currency));
        const updated = await entries.update(tx, orgId, entryId, changes);
        if (!updated) throw entryNotFound();
        await events.publish(tx, 'time.entry_updated', { ...entryFacts(updated), fields }, { actor, orgId });
        await checkBudget.check(tx, orgId, project, { actor, orgId });
        return updated;
      })
      .catch((err) => {
        throw mapConstraintError(err);
      });
    return view(orgId, row);
  }

  async function remove(actor: Actor, orgId: string, entryId: string): Promise<void> {
    const { row: current } = await visible(actor, orgId, entryId, 'member');
    await ctx.writableProject(actor.principal, orgId, current.project_id, current.user_id !== actor.principal.userId);
    await db.transaction().execute(async (tx) => {
      await lockUsers(tx, orgId, [current.user_id]);
      const org = await ctx.orgInfo(orgId, tx);
      await assertOpen(tx, orgId, org.timezone, [{ userId: current.user_id, start: current.start_at }]);
      await entries.delete(tx, orgId, entryId);
      // Entries are deleted for good; the event keeps the facts for audit and webhooks.
      await events.publish(tx, 'time.entry_deleted', entryFacts(current), { actor, orgId });
    });
  }

  return { create, get, list, update, remove, snapshotRate, view };
}

export type EntriesService = ReturnType<typeof createEntriesService>;
