// Project members: list, add or change (PUT), remove; plus the reaction to a user leaving
// the organization. A member must be a member of the organization.
import type { Executor } from '../../core/db/database.ts';
import type { DomainEvent, EventMeta } from '../../core/events/types.ts';
import type { Actor } from '../../core/context/actor.ts';
import type { Access, ProjectsDeps } from './service.ts';
import { ProjectProblems } from './problems.ts';
import { members, projects } from './repository.ts';
import { isOrgAdmin, nowOf, type ProjectRole, projectNotFound } from './rules.ts';
import { tasks } from './task-repository.ts';
import { type MemberView, toMemberView } from './views.ts';

export interface PutMemberInput {
  role: ProjectRole;
  /** PUT replaces: an omitted rate clears the member's own rate. */
  hourlyRateMinor?: number | null;
}

export const memberNotFound = () => ProjectProblems.memberNotFound.error('Project member not found');
export const notOrgMember = () => ProjectProblems.notOrgMember.error('The user is not a member of this organization');

export function createMembersService(deps: ProjectsDeps, access: Access) {
  const { db, events, clock, orgs } = deps;

  async function emails(orgId: string): Promise<Map<string, string>> {
    return new Map((await orgs.listMembers(orgId)).map((m) => [m.userId, m.email]));
  }

  async function list(actor: Actor, orgId: string, projectId: string): Promise<MemberView[]> {
    await access.resolve(actor.principal, orgId, projectId, 'read');
    const rows = await members.list(db, orgId, projectId);
    const byUser = await emails(orgId);
    return rows.map((m) => toMemberView(m, byUser.get(m.user_id) ?? null));
  }

  async function get(actor: Actor, orgId: string, projectId: string, userId: string): Promise<MemberView> {
    await access.resolve(actor.principal, orgId, projectId, 'read');
    const row = await members.get(db, orgId, projectId, userId);
    if (!row) throw memberNotFound();
    return toMemberView(row, (await emails(orgId)).get(userId) ?? null);
  }

  /** Adds the user (created: true) or replaces their role and rate. */
  async function put(actor: Actor, orgId: string, projectId: string, userId: string, input: PutMemberInput): Promise<{ member: MemberView; created: boolean }> {
    await access.resolve(actor.principal, orgId, projectId, 'manage');
    if ((await orgs.roleOf(userId, orgId)) === null) throw notOrgMember();
    const rate = input.hourlyRateMinor ?? null;
    const result = await db.transaction().execute(async (tx) => {
      if (!(await projects.byId(tx, orgId, projectId, { forUpdate: true }))) throw projectNotFound();
      const meta = { actor, orgId };
      const now = nowOf(clock);
      const existing = await members.get(tx, orgId, projectId, userId);
      if (!existing) {
        const row = await members.insert(tx, { project_id: projectId, org_id: orgId, user_id: userId, role: input.role, hourly_rate_minor: rate, added_at: now, updated_at: now });
        await events.publish(tx, 'projects.member_added', { orgId, projectId, userId, role: input.role }, meta);
        return { row, created: true };
      }
      const fields = [
        ...(existing.role !== input.role ? ['role'] : []),
        ...(existing.hourly_rate_minor !== rate ? ['hourlyRateMinor'] : []),
      ];
      if (fields.length === 0) return { row: existing, created: false };
      const row = await members.update(tx, orgId, projectId, userId, { role: input.role, hourly_rate_minor: rate, updated_at: now });
      await events.publish(tx, 'projects.member_updated', { orgId, projectId, userId, role: input.role, fields }, meta);
      return { row, created: false };
    });
    const byUser = await emails(orgId);
    return { member: toMemberView(result.row, byUser.get(userId) ?? null), created: result.created };
  }

  async function remove(actor: Actor, orgId: string, projectId: string, userId: string): Promise<void> {
    await access.resolve(actor.principal, orgId, projectId, 'manage');
    await db.transaction().execute(async (tx) => {
      if (!(await projects.byId(tx, orgId, projectId, { forUpdate: true }))) throw projectNotFound();
      if (!(await members.remove(tx, orgId, projectId, userId))) throw memberNotFound();
      const meta = { actor, orgId };
      await events.publish(tx, 'projects.member_removed', { orgId, projectId, userId, reason: 'removed' }, meta);
      // Org admins may be assigned tasks without project membership; anyone else loses theirs.
      // Asked under the project's lock, in this transaction.
      if (!isOrgAdmin(await orgs.roleOf(userId, orgId, tx))) await unassign(tx, orgId, userId, meta, { projectIds: [projectId] });
    });
  }

  async function unassign(tx: Executor, orgId: string, userId: string, meta: EventMeta, opts: { projectIds?: string[] }) {
    const now = nowOf(clock);
    const changed = await tasks.unassign(tx, orgId, userId, now, opts);
    for (const projectId of new Set(changed.map((t) => t.project_id))) await projects.touchActivity(tx, orgId, projectId, now);
    for (const t of changed) await events.publish(tx, 'projects.task_updated', { orgId, projectId: t.project_id, taskId: t.id, fields: ['assigneeId'] }, meta);
  }

  /**
   * organizations.member_removed: the user leaves every project of that org and loses their
   * task assignments there. Idempotent: a redelivery finds nothing left to remove. It removes
   * everything even when delivered late, after a new invitation: losing a fresh project
   * membership is a nuisance, keeping access the org meant to revoke would be a breach.
   */
  async function onOrgMemberRemoved(tx: Executor, event: DomainEvent<'organizations.member_removed'>) {
    const { orgId, userId } = event.payload;
    const meta = { actorId: event.actorId, orgId, requestId: event.requestId };
    const projectIds = await members.removeFromOrg(tx, orgId, userId);
    for (const projectId of projectIds) {
      await events.publish(tx, 'projects.member_removed', { orgId, projectId, userId, reason: 'org_member_removed' }, meta);
    }
    await unassign(tx, orgId, userId, meta, {});
  }

  return { list, get, put, remove, onOrgMemberRemoved };
}

export type MembersService = ReturnType<typeof createMembersService>;
