// The rules of projects that need no database: who may see and change a project, what a
// valid key, tag list, colour and currency are, and how a template becomes a project.
// Pure functions, so the unit tests cover every combination cheaply.
import type { Executor } from '../../core/db/database.ts';
import { CoreProblems, invalid } from '../../core/errors.ts';
import type { Principal } from '../../core/http/principal.ts';
import type { Clock } from '../../core/module.ts';
import { ProjectProblems } from './problems.ts';
import { KEY_PATTERN } from './schemas.ts';

export type OrgRole = 'owner' | 'admin' | 'member' | 'viewer';
export type ProjectRole = 'manager' | 'contributor' | 'viewer';

/** The part of the organizations façade this module uses (its index.ts passes the real one); `exec` as there. */
export interface OrgPort {
  /** 404 ORG.NOT_FOUND for non-members, 403 FORBIDDEN below the minimum; returns the effective role. */
  assertRole(principal: Principal, orgId: string, minimumRole: OrgRole, exec?: Executor): Promise<OrgRole>;
  roleOf(userId: string, orgId: string, exec?: Executor): Promise<OrgRole | null>;
  listMembers(orgId: string, exec?: Executor): Promise<{ userId: string; email: string; role: OrgRole }[]>;
}

/** Timestamps at millisecond precision, as keyset cursors carry them (see the migration). */
export const nowOf = (clock: Clock) => new Date(clock.now().getTime());

export const isOrgAdmin = (role: OrgRole | null): boolean => role === 'owner' || role === 'admin';

export interface ProjectRights {
  canSee: boolean;
  /** Create and update tasks (and log work, for the time module). */
  canContribute: boolean;
  /** Update, archive, delete, members, templates, task deletion. */
  canManage: boolean;
}

/**
 * Org admins and owners see and manage every project; other org members see the projects
 * they are members of, with their project role's rights. An org viewer never writes, whatever
 * its project role.
 */
export function projectRights(orgRole: OrgRole, projectRole: ProjectRole | null): ProjectRights {
  const admin = isOrgAdmin(orgRole);
  const mayWrite = orgRole !== 'viewer';
  const canManage = mayWrite && (admin || projectRole === 'manager');
  return {
    canSee: admin || projectRole !== null,
    canManage,
    canContribute: canManage || (mayWrite && projectRole === 'contributor'),
  };
}

export type Need = 'read' | 'contribute' | 'manage';

/** A project the caller cannot see is a 404, never a 403: its existence is not disclosed. */
export function requireRight(rights: ProjectRights, need: Need): void {
  if (!rights.canSee) throw projectNotFound();
  if (need === 'contribute' && !rights.canContribute) throw CoreProblems.forbidden.error('Your role on this project does not allow this');
  if (need === 'manage' && !rights.canManage) throw CoreProblems.forbidden.error('Only the project managers and organization admins may do this');
}

export const projectNotFound = () => ProjectProblems.notFound.error('Project not found');
export const archived = () => ProjectProblems.archived.error('The project is archived: unarchive it first');
export const keyTaken = (key: string) => ProjectProblems.keyTaken.error(`Another project of this organization already uses the key ${key}`, { details: { key } });

const KEY = new RegExp(KEY_PATTERN);
export const isValidKey = (key: string): boolean => KEY.test(key);

/** Trimmed, without duplicates, in the order given. */
export function normalizeTags(tags: readonly string[]): string[] {
  return [...new Set(tags.map((t) => t.trim()).filter((t) => t.length > 0))];
}

export const normalizeColor = (color: string | null | undefined) => (color == null ? color : color.toLowerCase());

let currencies: Set<string> | undefined;
/** ISO 4217 codes as the runtime's ICU knows them (active and historic). */
export function isCurrency(code: string): boolean {
  currencies ??= new Set(Intl.supportedValuesOf('currency'));
  return currencies.has(code);
}

export function checkCurrency(code: string | null | undefined, field = 'body.currency') {
  if (code != null && !isCurrency(code)) throw invalid(field, 'is not an ISO 4217 currency code');
}

/** Settings a template carries and a project starts with. */
export interface ProjectSettings {
  client: string | null;
  color: string | null;
  billableDefault: boolean;
  hourlyRateMinor: number | null;
  budgetHours: number | null;
  budgetMinor: number | null;
  currency: string | null;
}

export interface TemplateContent {
  tags: string[];
  settings: ProjectSettings;
  tasks: { name: string; estimateMinutes: number | null }[];
}

export interface NewProjectInput {
  name: string;
  key: string;
  description?: string | null;
  client?: string | null;
  tags?: string[];
  color?: string | null;
  budgetHours?: number | null;
  budgetMinor?: number | null;
  currency?: string | null;
  billableDefault?: boolean;
  hourlyRateMinor?: number | null;
}

export interface NewProject extends ProjectSettings {
  name: string;
  key: string;
  description: string | null;
  tags: string[];
}

const pick = <T>(given: T | undefined, fallback: T): T => (given === undefined ? fallback : given);

/**
 * The project a create request describes: the request's fields win, a template fills in
 * what the request leaves out (an explicit null clears a template value), defaults the rest.
 */
export function resolveNewProject(input: NewProjectInput, template?: TemplateContent): NewProject {
  const base: TemplateContent = template ?? {
    tags: [],
    tasks: [],
    settings: { client: null, color: null, billableDefault: true, hourlyRateMinor: null, budgetHours: null, budgetMinor: null, currency: null },
  };
  const s = base.settings;
  return {
    name: input.name.trim(),
    key: input.key,
    description: input.description ?? null,
    client: pick(input.client, s.client)?.trim() ?? null,
    tags: normalizeTags(pick(input.tags, base.tags)),
    color: normalizeColor(pick(input.color, s.color)) ?? null,
    budgetHours: pick(input.budgetHours, s.budgetHours),
    budgetMinor: pick(input.budgetMinor, s.budgetMinor),
    currency: pick(input.currency, s.currency),
    billableDefault: pick(input.billableDefault, s.billableDefault),
    hourlyRateMinor: pick(input.hourlyRateMinor, s.hourlyRateMinor),
  };
}

/** What a template keeps of a project: its settings, tags and tasks (names and estimates). */
export function templateOf(
  project: ProjectSettings & { tags: string[] },
  tasks: { name: string; estimateMinutes: number | null }[],
): TemplateContent {
  return {
    tags: [...project.tags],
    settings: {
      client: project.client,
      color: project.color,
      billableDefault: project.billableDefault,
      hourlyRateMinor: project.hourlyRateMinor,
      budgetHours: project.budgetHours,
      budgetMinor: project.budgetMinor,
      currency: project.currency,
    },
    tasks: tasks.map((t) => ({ name: t.name, estimateMinutes: t.estimateMinutes })),
  };
}
