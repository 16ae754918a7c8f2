// The time module's use cases, composed over one shared context: its dependencies, who may see
// and write an entry, the org's zone and currency, and the per-project rounding rules.
import { CoreProblems } from '../../core/errors.ts';
import type { Executor } from '../../core/db/database.ts';
import type { EventPublisher } from '../../core/events/types.ts';
import type { Principal } from '../../core/http/principal.ts';
import type { Clock } from '../../core/module.ts';
import { type OrganizationsApi, OrgProblems, type OrgRole } from '../organizations/index.ts';
import type { ProjectsApi, ProjectSummary } from '../projects/index.ts';
import { createTimeApi } from './api.ts';
import { createBudgetCheck } from './budget.ts';
import { createEntriesService } from './entries-service.ts';
import { TimeProblems } from './problems.ts';
import { effectiveRule, isAdmin, projectArchived, type RoundingRule } from './rules.ts';
import { createSettingsService } from './settings-service.ts';
import { roundingRules } from './settings-repository.ts';
import type { EntryRow } from './tables.ts';
import { createTimerService } from './timer-service.ts';
import { createTimesheetsService } from './timesheets-service.ts';

export interface TimeDeps {
  db: Executor;
  events: EventPublisher;
  clock: Clock;
  orgs: OrganizationsApi;
  projects: ProjectsApi;
}

export interface Rounding {
  forProject(projectId: string): RoundingRule | null;
  /** Rules that differ from the org default, per project: the aggregate's VALUES list. */
  perProject: { projectId: string; minutes: number; mode: RoundingRule['mode'] }[];
  orgRule: RoundingRule | null;
}

export function createContext(deps: TimeDeps) {
  const { orgs, projects } = deps;

  /** `exec`: a transaction to read in (the organization is read on its connection). */
  async function orgInfo(orgId: string, exec?: Executor): Promise<{ timezone: string; currency: string }> {
    const org = await orgs.getOrganization(orgId, exec);
    if (!org) throw OrgProblems.notFound.error('Organization not found');
    return { timezone: org.timezone, currency: org.currency };
  }

  /**
   * May the caller read this entry? Their own, any for org admins, and those of projects they
   * manage. Anything else answers 404, as if it did not exist.
   */
  async function canSee(principal: Principal, role: OrgRole, entry: EntryRow): Promise<boolean> {
    if (entry.user_id === principal.userId || isAdmin(role)) return true;
    return (await projects.projectRole(principal.userId, entry.org_id, entry.project_id)) === 'manager' && role !== 'viewer';
  }

  /**
   * The project an entry is written in, after the write checks: the caller contributes to it
   * (own entries) or, with `manage`, manages it (someone else's entries, or handing an entry
   * to someone else). Archived projects are read-only.
   */
  async function writableProject(principal: Principal, orgId: string, projectId: string, manage: boolean): Promise<ProjectSummary> {
    const { project, canManage } = await projects.assertProjectAccess(principal, orgId, projectId, 'write');
    if (manage && !canManage) {
      throw CoreProblems.forbidden.error("Only the project's managers and the organization's admins may write other people's entries");
    }
    if (project.status === 'archived') throw projectArchived();
    return project;
  }

  async function assertMember(orgId: string, userId: string) {
    if (!(await orgs.roleOf(userId, orgId))) {
      throw TimeProblems.notAMember.error('The user is not a member of this organization', {
        errors: [{ field: 'body.userId', message: 'is not a member of this organization' }],
      });
    }
  }

  async function assertTask(orgId: string, projectId: string, taskId: string) {
    if (!(await projects.getTask(orgId, projectId, taskId))) {
      throw TimeProblems.taskNotInProject.error('The task does not belong to the project', {
        errors: [{ field: 'body.taskId', message: 'is not a task of this project' }],
      });
    }
  }

  /**
   * The effective rounding rule of each project. Project rules name their project; client
   * rules need the projects' clients, asked of the projects module only when one exists.
   */
  async function rounding(db: Executor, orgId: string): Promise<Rounding> {
    const rules: RoundingRule[] = (await roundingRules.list(db, orgId)).map((r) => ({ id: r.id, scope: r.scope, target: r.target, minutes: r.minutes, mode: r.mode }));
    const orgRule = rules.find((r) => r.scope === 'org') ?? null;
    const byProject = new Map<string, RoundingRule>();
    if (rules.some((r) => r.scope === 'client')) {
      for (const p of await projects.listProjects(orgId, undefined, db)) {
        const rule = effectiveRule(rules, p);
        if (rule && rule !== orgRule) byProject.set(p.id, rule);
      }
    }
    for (const r of rules) if (r.scope === 'project') byProject.set(r.target, r);
    return {
      forProject: (projectId) => byProject.get(projectId) ?? orgRule,
      perProject: [...byProject].map(([projectId, r]) => ({ projectId, minutes: r.minutes, mode: r.mode })),
      orgRule,
    };
  }

  return { db: deps.db, orgInfo, canSee, writableProject, assertMember, assertTask, rounding };
}

export type TimeContext = ReturnType<typeof createContext>;

export function createTimeService(deps: TimeDeps) {
  const ctx = createContext(deps);
  const checkBudget = createBudgetCheck(ctx, deps.events);
  const entries = createEntriesService(deps, ctx, checkBudget);
  const settings = createSettingsService(deps, ctx);
  return {
    entries,
    timer: createTimerService(deps, ctx, entries, checkBudget),
    settings,
    timesheets: createTimesheetsService(deps, ctx),
    api: createTimeApi(deps, ctx, settings),
  };
}

export type TimeService = ReturnType<typeof createTimeService>;
