// The notifications the time module's events raise (decision 0035): timesheets to those who may
// decide on them and decisions to the member; budgets to the project's managers. By default
// email goes where someone must act and may not be in the app: a rejected timesheet (the member
// fixes it and submits again) and a used-up budget (every further hour costs beyond what was
// agreed). A submission, an approval and the 80 % warning stay in the app: they come weekly per
// member, or ask nothing of whoever reads them.
import { Type } from 'typebox';
import { Nullable, Uuid } from '../../core/http/schema-types.ts';
import type { NotificationContribution } from '../../core/module.ts';
import { notificationKind } from '../../core/notifications/kinds.ts';
import type { OrganizationsApi, OrgRole } from '../organizations/index.ts';
import type { ProjectsApi } from '../projects/index.ts';
import { entries } from './repository.ts';
import { timesheets } from './timesheet-repository.ts';

const OrgName = Type.String({ description: 'The organization name when the notification was made' });
const Period = Type.String({ description: 'The ISO week (`2026-W45`) or month (`2026-11`)' });

const timesheetSubmitted = notificationKind({
  type: 'timesheet_submitted',
  description:
    "A timesheet you may decide on was submitted: to the managers of the projects it has time in, or to the organization's admins when none of them may decide.",
  defaults: ['in_app'],
  event: 'time.timesheet_submitted',
  data: {
    name: 'TimesheetSubmittedData',
    properties: {
      orgId: Uuid(),
      orgName: OrgName,
      timesheetId: Uuid(),
      userId: Uuid('Whose timesheet it is'),
      userEmail: Type.String(),
      period: Period,
      entries: Type.Integer({ minimum: 0, description: 'Finished entries in the period when the notification was made' }),
      durationSeconds: Type.Integer({ minimum: 0 }),
    },
  },
});

const decision = (verb: 'approved' | 'rejected') => ({
  name: verb === 'approved' ? 'TimesheetApprovedData' : 'TimesheetRejectedData',
  properties: {
    orgId: Uuid(),
    orgName: OrgName,
    timesheetId: Uuid(),
    period: Period,
    approverId: Uuid(`Who ${verb} it`),
    approverEmail: Type.String(),
    comment: Nullable(Type.String({ description: "The approver's comment" })),
  },
});

const timesheetApproved = notificationKind({
  type: 'timesheet_approved',
  description: 'Your timesheet was approved: its entries are locked from now on.',
  defaults: ['in_app'],
  event: 'time.timesheet_approved',
  data: decision('approved'),
});

const timesheetRejected = notificationKind({
  type: 'timesheet_rejected',
  description: "Your timesheet was rejected, with the approver's comment: correct it and submit it again.",
  defaults: ['in_app', 'email'],
  event: 'time.timesheet_rejected',
  data: decision('rejected'),
});

const budget = (name: string, threshold: 80 | 100) => ({
  name,
  properties: {
    orgId: Uuid(),
    orgName: OrgName,
    projectId: Uuid(),
    projectName: Type.String(),
    kind: Type.Union([Type.Literal('hours'), Type.Literal('money')], { description: 'Which budget: hours, or money (billable amounts)' }),
    threshold: Type.Literal(threshold),
    spent: Type.Number({ description: 'Hours, or minor units of `currency`, when the threshold was crossed' }),
    budget: Type.Number({ description: 'The budget, in the same unit' }),
    currency: Nullable(Type.String({ description: 'ISO 4217, for a money budget' })),
  },
});

const budgetWarning = notificationKind({
  type: 'budget_warning',
  description: 'A project you manage has used 80 % of its hours or money budget.',
  defaults: ['in_app'],
  event: 'time.budget_threshold_reached',
  data: budget('BudgetWarningData', 80),
});

const budgetReached = notificationKind({
  type: 'budget_reached',
  description: 'A project you manage has used all of its hours or money budget.',
  defaults: ['in_app', 'email'],
  event: 'time.budget_threshold_reached',
  data: budget('BudgetReachedData', 100),
});

const isAdmin = (role: OrgRole) => role === 'owner' || role === 'admin';
const hours = (seconds: number) => `${(seconds / 3600).toFixed(1)} h`;

/** 123456 minor units of CHF: "CHF 1,234.56" (with a plain space: mail folds spaces anyway). */
function money(minor: number, currency: string): string {
  const format = new Intl.NumberFormat('en', { style: 'currency', currency });
  return format.format(minor / 10 ** (format.resolvedOptions().maximumFractionDigits ?? 2)).replace(/\s/g, ' ');
}

type Peers = { organizations: OrganizationsApi; projects: ProjectsApi };

export const timeNotifications: NotificationContribution<Peers> = {
  kinds: [timesheetSubmitted, timesheetApproved, timesheetRejected, budgetWarning, budgetReached],
  setup: ({ db }, { organizations, projects }) => {
    /** The org and everyone in it (effective roles, with their addresses); null once it is deleted. */
    async function orgOf(orgId: string) {
      const org = await organizations.getOrganization(orgId);
      if (!org) return null;
      const members = new Map((await organizations.listMembers(orgId)).map((m) => [m.userId, m]));
      return { name: org.name, currency: org.currency, members };
    }
    type Org = NonNullable<Awaited<ReturnType<typeof orgOf>>>;
    const admins = (org: Org, except?: string) => [...org.members.values()].filter((m) => isAdmin(m.role) && m.userId !== except).map((m) => m.userId);

    const decided = (kind: typeof timesheetApproved | typeof timesheetRejected, verb: 'approved' | 'rejected') =>
      kind.handle({
        trigger: (e) => {
          const p = e.payload;
          // Deciding on one's own timesheet (an admin may) tells them nothing new.
          if (!e.orgId || p.approverId === p.userId) return null;
          return { orgId: e.orgId, timesheetId: p.timesheetId, userId: p.userId, period: p.period, approverId: p.approverId, comment: p.comment };
        },
        async compose(f) {
          const org = await orgOf(f.orgId);
          if (!org) return null;
          const approver = org.members.get(f.approverId)?.email ?? 'An approver';
          const said = f.comment ? `: “${f.comment}”` : '.';
          const next = verb === 'approved' ? ' Its entries are locked now.' : ' Correct it and submit it again.';
          return {
            recipients: [f.userId],
            orgId: f.orgId,
            title: `Your timesheet for ${f.period} was ${verb}`,
            body: `${approver} ${verb} your timesheet for ${f.period} in ${org.name}${said}${next}`,
            data: { orgId: f.orgId, orgName: org.name, timesheetId: f.timesheetId, period: f.period, approverId: f.approverId, approverEmail: approver, comment: f.comment },
            details: f.comment ? [['Comment', f.comment]] : undefined,
          };
        },
      });

    const budgetCrossed = (kind: typeof budgetWarning | typeof budgetReached, threshold: 80 | 100) =>
      kind.handle({
        trigger: (e) => {
          const p = e.payload;
          if (!e.orgId || p.threshold !== threshold) return null;
          return { orgId: e.orgId, projectId: p.projectId, budgetKind: p.kind, spent: p.spent, budget: p.budget };
        },
        async compose(f) {
          const [org, project] = await Promise.all([orgOf(f.orgId), projects.getProject(f.orgId, f.projectId)]);
          if (!org || !project) return null;
          // Org admins manage every project: they hear of it when it has no manager of its own.
          const managers = await projects.listManagers(f.orgId, f.projectId);
          const currency = f.budgetKind === 'money' ? (project.currency ?? org.currency) : null;
          const amount = (n: number) => (currency ? money(n, currency) : `${Number(n.toFixed(1))} h`);
          const which = f.budgetKind;
          return {
            recipients: managers.length ? managers : admins(org),
            orgId: f.orgId,
            title: threshold === 100 ? `${project.name} has used its ${which} budget` : `${project.name} has used ${threshold} % of its ${which} budget`,
            body: `${f.budgetKind === 'money' ? 'Billable so far' : 'Logged so far'}: ${amount(f.spent)} of ${amount(f.budget)} (${project.name}, ${org.name}).`,
            data: {
              orgId: f.orgId,
              orgName: org.name,
              projectId: f.projectId,
              projectName: project.name,
              kind: f.budgetKind,
              threshold,
              spent: f.spent,
              budget: f.budget,
              currency,
            },
            details: [
              ['Spent', amount(f.spent)],
              ['Budget', amount(f.budget)],
            ],
          };
        },
      });

    return [
      timesheetSubmitted.handle({
        trigger: (e) => {
          const p = e.payload;
          return e.orgId ? { orgId: e.orgId, timesheetId: p.timesheetId, userId: p.userId, period: p.period, start: p.start, end: p.end } : null;
        },
        async compose(f) {
          const sheet = await timesheets.get(db, f.orgId, f.userId, f.period);
          const org = await orgOf(f.orgId);
          // Decided before this ran: nobody has anything to do.
          if (!org || sheet?.status !== 'submitted') return null;
          // Who may decide (timesheets-service.ts, assertApprover): a manager of a project the
          // sheet has time in who is at least an org member, or an org admin; never its owner.
          const projectIds = await entries.projectsInPeriod(db, f.orgId, f.userId, new Date(f.start), new Date(f.end));
          const managers = new Set((await Promise.all(projectIds.map((id) => projects.listManagers(f.orgId, id)))).flat());
          const deciders = [...managers].filter((id) => {
            const role = org.members.get(id)?.role;
            return id !== f.userId && role !== undefined && role !== 'viewer';
          });
          const member = org.members.get(f.userId)?.email ?? 'A member';
          const duration = Math.round(sheet.duration_seconds);
          return {
            // Every admin on every sheet would drown them in an org of any size: they are told
            // only when no manager can decide.
            recipients: deciders.length ? deciders : admins(org, f.userId),
            orgId: f.orgId,
            title: `${member} submitted a timesheet for ${f.period}`,
            body: `${member} submitted the timesheet for ${f.period} in ${org.name}: ${hours(duration)} in ${sheet.entries} ${sheet.entries === 1 ? 'entry' : 'entries'}. Approve or reject it.`,
            data: {
              orgId: f.orgId,
              orgName: org.name,
              timesheetId: f.timesheetId,
              userId: f.userId,
              userEmail: member,
              period: f.period,
              entries: sheet.entries,
              durationSeconds: duration,
            },
          };
        },
      }),
      decided(timesheetApproved, 'approved'),
      decided(timesheetRejected, 'rejected'),
      budgetCrossed(budgetWarning, 80),
      budgetCrossed(budgetReached, 100),
    ];
  },
};
