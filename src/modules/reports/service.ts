// Time reports and project budgets. The figures always come from the time module's SQL
// aggregation (never from loading entries); this service decides whose time the caller may
// see, resolves the period in the org's zone and puts names on the grouped rows.
import { CoreProblems, invalid } from '../../core/errors.ts';
import type { Principal } from '../../core/http/principal.ts';
import type { Clock } from '../../core/module.ts';
import { type OrganizationsApi, OrgProblems } from '../organizations/index.ts';
import type { ProjectsApi, ProjectSummary } from '../projects/index.ts';
import type { TimeApi } from '../time/index.ts';
import { addDays, isTimeZone, resolvePeriod } from './period.ts';
import { GROUP_TITLES, type Money, type ProjectBudget, type ReportGroupBy, type ReportRow, type ReportScope, type ReportTotals, type TimeReport } from './model.ts';

export interface ReportsDeps {
  clock: Clock;
  organizations: OrganizationsApi;
  projects: ProjectsApi;
  time: TimeApi;
}

export interface TimeReportQuery {
  from?: string;
  to?: string;
  groupBy: ReportGroupBy;
  projectId?: string;
  userId?: string;
  billable?: boolean;
  tz?: string;
}

/** The whole history of a project, for budgets: wide enough for any entry, still a valid timestamptz. */
const ALL_TIME = { from: new Date('1970-01-01T00:00:00Z'), to: new Date('9999-01-01T00:00:00Z') };

const round = (n: number, digits: number) => Math.round(n * 10 ** digits) / 10 ** digits;

function emptyTotals(): ReportTotals {
  return { entries: 0, durationSeconds: 0, roundedSeconds: 0, billableSeconds: 0, billableRoundedSeconds: 0, amounts: [] };
}

function addTotals(into: ReportTotals, t: ReportTotals): void {
  into.entries += t.entries;
  into.durationSeconds += t.durationSeconds;
  into.roundedSeconds += t.roundedSeconds;
  into.billableSeconds += t.billableSeconds;
  into.billableRoundedSeconds += t.billableRoundedSeconds;
  for (const a of t.amounts) {
    const have = into.amounts.find((x) => x.currency === a.currency);
    if (have) have.amountMinor += a.amountMinor;
    else into.amounts.push({ ...a });
  }
}

/** Only the fields of the contract (the façade may carry more), numbers as numbers. */
function totalsOf(t: ReportTotals): ReportTotals {
  return {
    entries: Number(t.entries),
    durationSeconds: Number(t.durationSeconds),
    roundedSeconds: Number(t.roundedSeconds),
    billableSeconds: Number(t.billableSeconds),
    billableRoundedSeconds: Number(t.billableRoundedSeconds),
    amounts: t.amounts.map((a) => ({ currency: a.currency, amountMinor: Number(a.amountMinor) })).sort((a, b) => a.currency.localeCompare(b.currency)),
  };
}

const BUCKETS = new Set<ReportGroupBy>(['day', 'week', 'month']);
const byLabel = (a: ReportRow, b: ReportRow) => (a.key === null ? 1 : 0) - (b.key === null ? 1 : 0) || a.label.localeCompare(b.label) || String(a.key).localeCompare(String(b.key));

export function createReportsService(deps: ReportsDeps) {
  const { clock, organizations, projects, time } = deps;

  async function orgOf(orgId: string) {
    const org = await organizations.getOrganization(orgId);
    if (!org) throw OrgProblems.notFound.error('Organization not found');
    return org;
  }

  /**
   * Whose time the caller may see. Org admins and owners: everything. A project manager
   * (with projectId): that project, anyone's time. Everyone else: their own time only;
   * asking for someone else's is refused rather than silently narrowed.
   */
  async function visibility(principal: Principal, orgId: string, q: { projectId?: string; userId?: string }) {
    const role = await organizations.assertRole(principal, orgId, 'viewer');
    let project: ProjectSummary | null = null;
    let canManage = organizations.roleAtLeast(role, 'admin');
    if (q.projectId) {
      const access = await projects.assertProjectAccess(principal, orgId, q.projectId, 'read');
      project = access.project;
      canManage = canManage || access.canManage;
    }
    const scope: ReportScope = organizations.roleAtLeast(role, 'admin') ? 'organization' : canManage && project ? 'project' : 'own';
    if (scope === 'own' && q.userId && q.userId !== principal.userId) {
      throw CoreProblems.forbidden.error(project ? 'Only the project managers see the time of others on this project' : 'Only org admins see the time of others across projects');
    }
    return { scope, project, userId: scope === 'own' ? principal.userId : q.userId };
  }

  /** Names for the grouped rows; `client` folds per-project rows by the project's client. */
  async function labelRows(orgId: string, groupBy: ReportGroupBy, rows: (ReportTotals & { key: string | null })[]): Promise<ReportRow[]> {
    if (BUCKETS.has(groupBy)) {
      const label = (key: string) => (groupBy === 'week' ? `${key} – ${addDays(key, 6)}` : groupBy === 'month' ? key.slice(0, 7) : key);
      return rows.map((r) => ({ ...totalsOf(r), key: r.key, label: r.key ? label(r.key) : '(no date)', detail: null })).sort((a, b) => String(a.key).localeCompare(String(b.key)));
    }
    const ids = rows.map((r) => r.key).filter((k): k is string => k !== null);
    if (groupBy === 'user') {
      const emails = new Map((await organizations.listMembers(orgId)).map((m) => [m.userId, m.email]));
      return rows.map((r) => ({ ...totalsOf(r), key: r.key, label: (r.key && emails.get(r.key)) || `(former member ${r.key?.slice(0, 8) ?? '?'})`, detail: null })).sort(byLabel);
    }
    if (groupBy === 'task') {
      const tasks = new Map((ids.length ? await projects.listTasks(orgId, ids) : []).map((t) => [t.id, t]));
      const projectIds = [...new Set([...tasks.values()].map((t) => t.projectId))];
      const names = new Map((projectIds.length ? await projects.listProjects(orgId, projectIds) : []).map((p) => [p.id, `${p.key} ${p.name}`]));
      return rows
        .map((r) => {
          const task = r.key ? tasks.get(r.key) : undefined;
          return { ...totalsOf(r), key: r.key, label: r.key === null ? '(no task)' : (task?.name ?? '(deleted task)'), detail: task ? (names.get(task.projectId) ?? null) : null };
        })
        .sort(byLabel);
    }
    const list = new Map((ids.length ? await projects.listProjects(orgId, ids) : []).map((p) => [p.id, p]));
    if (groupBy === 'project') {
      return rows.map((r) => {
        const p = r.key ? list.get(r.key) : undefined;
        return { ...totalsOf(r), key: r.key, label: p?.name ?? '(deleted project)', detail: p?.key ?? null };
      }).sort(byLabel);
    }
    // client: at most one row per project, so folding in memory stays small.
    const clients = new Map<string | null, ReportRow>();
    for (const r of rows) {
      const client = (r.key && list.get(r.key)?.client) || null;
      let row = clients.get(client);
      if (!row) {
        row = { ...emptyTotals(), key: client, label: client ?? '(no client)', detail: null };
        clients.set(client, row);
      }
      addTotals(row, totalsOf(r));
    }
    return [...clients.values()].map((r) => ({ ...r, amounts: r.amounts.sort((a, b) => a.currency.localeCompare(b.currency)) })).sort(byLabel);
  }

  async function timeReport(principal: Principal, orgId: string, q: TimeReportQuery): Promise<TimeReport> {
    const seen = await visibility(principal, orgId, q);
    const org = await orgOf(orgId);
    const timeZone = q.tz ?? org.timezone;
    if (!isTimeZone(timeZone)) throw invalid('query.tz', 'is not an IANA time zone');
    const period = resolvePeriod({ from: q.from, to: q.to, timeZone, now: clock.now() });
    const result = await time.aggregate({
      orgId,
      from: period.from,
      to: period.to,
      groupBy: q.groupBy === 'client' ? 'project' : q.groupBy,
      timeZone,
      ...(q.projectId ? { projectId: q.projectId } : {}),
      ...(seen.userId ? { userId: seen.userId } : {}),
      ...(q.billable !== undefined ? { billable: q.billable } : {}),
    });
    const rows = await labelRows(orgId, q.groupBy, result.rows);
    const totals = totalsOf(result.totals);

    const filterLabels: string[] = [];
    if (seen.project) filterLabels.push(`Project: ${seen.project.key} ${seen.project.name}`);
    if (seen.userId) {
      const email = seen.userId === principal.userId ? principal.email : (await organizations.listMembers(orgId)).find((m) => m.userId === seen.userId)?.email;
      filterLabels.push(`Person: ${email ?? seen.userId}`);
    }
    if (q.billable !== undefined) filterLabels.push(q.billable ? 'Billable entries only' : 'Non-billable entries only');

    return {
      title: GROUP_TITLES[q.groupBy].title,
      organization: { id: org.id, name: org.name },
      period: { from: period.from.toISOString(), to: period.to.toISOString(), fromDate: period.fromDate, toDate: period.toDate, timeZone },
      groupBy: q.groupBy,
      scope: seen.scope,
      filters: { projectId: q.projectId ?? null, userId: seen.userId ?? null, billable: q.billable ?? null },
      filterLabels,
      currencies: totals.amounts.map((a) => a.currency),
      rows,
      totals,
      generatedAt: clock.now().toISOString(),
    };
  }

  /** Spent against budget (hours and money) and the weekly burn, for anyone who can read the project. */
  async function projectBudget(principal: Principal, orgId: string, projectId: string): Promise<ProjectBudget> {
    const { project } = await projects.assertProjectAccess(principal, orgId, projectId, 'read');
    const [org, settings] = await Promise.all([orgOf(orgId), time.settings(orgId)]);
    const currency = project.currency ?? settings.currency ?? org.currency;
    const agg = await time.aggregate({ orgId, projectId, groupBy: 'week', timeZone: org.timezone, ...ALL_TIME });
    const totals = totalsOf(agg.totals);
    const inCurrency = (amounts: Money[]) => amounts.find((a) => a.currency === currency)?.amountMinor ?? 0;

    const spentHours = totals.durationSeconds / 3600;
    const spentRounded = totals.roundedSeconds / 3600;
    const spentMinor = inCurrency(totals.amounts);
    let cumulativeSeconds = 0;
    let cumulativeMinor = 0;
    const burn = agg.rows
      .filter((r): r is typeof r & { key: string } => r.key !== null)
      .map((r) => ({ week: r.key, ...totalsOf(r) }))
      .sort((a, b) => a.week.localeCompare(b.week))
      .map((r) => {
        cumulativeSeconds += r.roundedSeconds;
        cumulativeMinor += inCurrency(r.amounts);
        return {
          week: r.week,
          seconds: r.durationSeconds,
          roundedSeconds: r.roundedSeconds,
          hours: round(r.roundedSeconds / 3600, 2),
          amountMinor: inCurrency(r.amounts),
          cumulativeHours: round(cumulativeSeconds / 3600, 2),
          cumulativeAmountMinor: cumulativeMinor,
        };
      });
    const budgetHours = project.budgetHours;
    const budgetMinor = project.budgetMinor;
    return {
      project: { id: project.id, name: project.name, key: project.key, status: project.status },
      timeZone: org.timezone,
      hours: {
        spent: round(spentHours, 2),
        spentRounded: round(spentRounded, 2),
        budget: budgetHours,
        remaining: budgetHours === null ? null : round(budgetHours - spentRounded, 2),
        percent: budgetHours ? round((spentRounded / budgetHours) * 100, 1) : null,
      },
      money: {
        currency,
        spentMinor,
        budgetMinor,
        remainingMinor: budgetMinor === null ? null : budgetMinor - spentMinor,
        percent: budgetMinor ? round((spentMinor / budgetMinor) * 100, 1) : null,
        otherCurrencies: totals.amounts.filter((a) => a.currency !== currency),
      },
      burn,
      generatedAt: clock.now().toISOString(),
    };
  }

  /** The checks of timeReport without the aggregation: a file export is refused at once, not in its job. */
  async function checkTimeReport(principal: Principal, orgId: string, q: TimeReportQuery): Promise<void> {
    await visibility(principal, orgId, q);
    const org = await orgOf(orgId);
    const timeZone = q.tz ?? org.timezone;
    if (!isTimeZone(timeZone)) throw invalid('query.tz', 'is not an IANA time zone');
    resolvePeriod({ from: q.from, to: q.to, timeZone, now: clock.now() });
  }

  return { timeReport, checkTimeReport, projectBudget, visibility, orgOf };
}

export type ReportsService = ReturnType<typeof createReportsService>;
