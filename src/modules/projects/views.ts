// Rows to API views (their types are the schemas': schemas.ts) and façade summaries.
import type { Static } from 'typebox';
import type { MemberRow, ProjectRow } from './repository.ts';
import type { ProjectRole, ProjectSettings, TemplateContent } from './rules.ts';
import type * as S from './schemas.ts';
import type { TaskRow, TemplateRow } from './task-repository.ts';

export type ProjectView = Static<typeof S.ProjectView>;
export type TaskView = Static<typeof S.TaskView>;
export type MemberView = Static<typeof S.MemberView>;
export type TemplateView = Static<typeof S.TemplateView>;

const iso = (d: Date | null): string | null => (d ? d.toISOString() : null);

export interface ProjectSummary {
  id: string;
  orgId: string;
  name: string;
  key: string;
  status: 'active' | 'archived';
  /** Its description, as its managers wrote it (an assistant's knowledge cites it). */
  description: string | null;
  client: string | null;
  tags: string[];
  color: string | null;
  budgetHours: number | null;
  budgetMinor: number | null;
  currency: string | null;
  billableDefault: boolean;
  hourlyRateMinor: number | null;
  createdAt: string;
  updatedAt: string;
}

export interface TaskSummary {
  id: string;
  projectId: string;
  name: string;
  status: string;
  estimateMinutes: number | null;
  assigneeId: string | null;
}

export function toProjectSummary(p: ProjectRow): ProjectSummary {
  return {
    id: p.id,
    orgId: p.org_id,
    name: p.name,
    key: p.key,
    status: p.status,
    description: p.description,
    client: p.client,
    tags: p.tags,
    color: p.color,
    budgetHours: p.budget_hours,
    budgetMinor: p.budget_minor,
    currency: p.currency,
    billableDefault: p.billable_default,
    hourlyRateMinor: p.hourly_rate_minor,
    createdAt: p.created_at.toISOString(),
    updatedAt: p.updated_at.toISOString(),
  };
}

export function toProjectView(p: ProjectRow): ProjectView {
  return {
    ...toProjectSummary(p),
    templateId: p.template_id,
    createdBy: p.created_by,
    lastActivityAt: p.last_activity_at.toISOString(),
    archivedAt: iso(p.archived_at),
    deletedAt: iso(p.deleted_at),
  };
}

export function settingsOf(p: ProjectRow): ProjectSettings & { tags: string[] } {
  const s = toProjectSummary(p);
  return {
    tags: s.tags,
    client: s.client,
    color: s.color,
    billableDefault: s.billableDefault,
    hourlyRateMinor: s.hourlyRateMinor,
    budgetHours: s.budgetHours,
    budgetMinor: s.budgetMinor,
    currency: s.currency,
  };
}

export function toTaskSummary(t: TaskRow): TaskSummary {
  return { id: t.id, projectId: t.project_id, name: t.name, status: t.status, estimateMinutes: t.estimate_minutes, assigneeId: t.assignee_id };
}

export function toTaskView(t: TaskRow): TaskView {
  return { ...toTaskSummary(t), status: t.status, createdAt: t.created_at.toISOString(), updatedAt: t.updated_at.toISOString() };
}

export function toMemberView(m: MemberRow, email: string | null): MemberView {
  return {
    userId: m.user_id,
    email,
    role: m.role as ProjectRole,
    hourlyRateMinor: m.hourly_rate_minor,
    addedAt: m.added_at.toISOString(),
    updatedAt: m.updated_at.toISOString(),
  };
}

export function toTemplateView(t: TemplateRow): TemplateView {
  const content = { settings: t.settings, tasks: t.tasks } as Pick<TemplateContent, 'settings' | 'tasks'>;
  return {
    id: t.id,
    orgId: t.org_id,
    name: t.name,
    sourceProjectId: t.source_project_id,
    tags: t.tags,
    settings: content.settings,
    tasks: content.tasks,
    createdBy: t.created_by,
    createdAt: t.created_at.toISOString(),
  };
}

export function templateContentOf(t: TemplateRow): TemplateContent {
  const v = toTemplateView(t);
  return { tags: v.tags, settings: v.settings, tasks: v.tasks };
}
