// Time reports: a period, a grouping and an optional project; the totals, a bar chart and the
// grouped rows; and CSV, XLSX or PDF files of the same report, made as background jobs whose
// progress shows until a Download button appears.
import { type FormEvent, useCallback, useState } from 'react';
import { useParams } from 'react-router';
import { api } from '../../api/client';
import { call, fieldMessages } from '../../api/problem';
import type { components } from '../../api/schema';
import { useLoad } from '../../app/useLoad';
import { Field } from '../../ui/Field';
import { Page } from '../../ui/Page';
import { ProblemAlert } from '../../ui/ProblemAlert';
import { useAction } from '../../ui/useAction';
import { loadProjects, projectLabel } from '../projects/load';
import { ReportChart } from './ReportChart';
import { FORMAT_LABEL, ReportFile } from './ReportFile';
import { SubNav } from './SubNav';
import { formatDuration, ymd } from './week';

type Report = components['schemas']['TimeReport'];
type GroupBy = Report['groupBy'];
type Format = keyof typeof FORMAT_LABEL;
const GROUPS: { value: GroupBy; label: string }[] = [
  { value: 'project', label: 'Project' },
  { value: 'user', label: 'Person' },
  { value: 'task', label: 'Task' },
  { value: 'client', label: 'Client' },
  { value: 'day', label: 'Day' },
  { value: 'week', label: 'Week' },
  { value: 'month', label: 'Month' },
];
interface Filters {
  from: string;
  to: string;
  groupBy: GroupBy;
  projectId?: string;
}

const money = (amounts: components['schemas']['MoneyAmount'][]) => amounts.map((a) => `${(a.amountMinor / 100).toFixed(2)} ${a.currency}`).join(', ') || '—';

export function Reports() {
  const orgId = useParams().orgId ?? '';
  const now = new Date();
  const [filters, setFilters] = useState<Filters>({ from: ymd(new Date(now.getFullYear(), now.getMonth(), 1)), to: ymd(new Date(now.getFullYear(), now.getMonth() + 1, 0)), groupBy: 'project' });
  const [report, setReport] = useState<Report | undefined>(undefined);
  const [files, setFiles] = useState<{ jobId: string; format: Format }[]>([]);
  const projects = useLoad(useCallback(() => loadProjects(orgId), [orgId]));

  const show = useAction(async (next: Filters) => {
    setFilters(next);
    const query = { from: next.from, to: next.to, groupBy: next.groupBy, ...(next.projectId ? { projectId: next.projectId } : {}) };
    setReport((await call(api.GET('/orgs/{orgId}/reports/time', { params: { path: { orgId }, query: { ...query, format: 'json' } } }))) as Report);
  });
  const makeFile = useAction(async (format: Format) => {
    const body = { from: filters.from, to: filters.to, groupBy: filters.groupBy, format, ...(filters.projectId ? { projectId: filters.projectId } : {}) };
    const accepted = await call(api.POST('/orgs/{orgId}/reports/time/files', { params: { path: { orgId } }, body }));
    setFiles((now) => [{ jobId: accepted.jobId, format }, ...now]);
  });
  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const v = new FormData(event.currentTarget);
    const projectId = String(v.get('projectId') ?? '');
    void show.start({ from: String(v.get('from')), to: String(v.get('to')), groupBy: String(v.get('groupBy')) as GroupBy, ...(projectId ? { projectId } : {}) });
  };
  const errors = fieldMessages(show.problem);
  const groupLabel = GROUPS.find((g) => g.value === (report?.groupBy ?? filters.groupBy))?.label.toLowerCase() ?? 'group';

  return (
    <Page title="Reports">
      <div className="area-time">
        <SubNav orgId={orgId} />
        <form onSubmit={submit} aria-label="Report" noValidate aria-busy={show.pending || undefined}>
          <div className="row-fields">
            <Field label="From" name="from" type="date" defaultValue={filters.from} error={errors.from} />
            <Field label="To" name="to" type="date" defaultValue={filters.to} error={errors.to} />
            <div className="field">
              <label htmlFor="report-group">Group by</label>
              <select id="report-group" name="groupBy" defaultValue={filters.groupBy}>
                {GROUPS.map((g) => (
                  <option key={g.value} value={g.value}>
                    {g.label}
                  </option>
                ))}
              </select>
            </div>
            <div className="field">
              <label htmlFor="report-project">Project</label>
              <select id="report-project" name="projectId" defaultValue="">
                <option value="">All projects</option>
                {projects.data?.map((p) => (
                  <option key={p.id} value={p.id}>
                    {projectLabel(p)}
                  </option>
                ))}
              </select>
            </div>
          </div>
          <ProblemAlert problem={show.problem} />
          <div>
            <button type="submit" className="primary" disabled={show.pending}>
              Show the report
            </button>
          </div>
        </form>
        {report && (
          <section aria-labelledby="report-title">
            <h2 id="report-title">
              {report.period.fromDate} to {report.period.toDate}, by {groupLabel}
            </h2>
            <p role="status">
              Total {formatDuration(report.totals.durationSeconds)} in {report.totals.entries} entries; billable {formatDuration(report.totals.billableSeconds)}.
            </p>
            <ReportChart rows={report.rows} groupLabel={groupLabel} />
            {/* biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling region must take the keyboard's focus to scroll sideways on a narrow screen */}
            <section className="table-scroll" tabIndex={0} aria-label="Report rows">
              <table className="report">
                <caption className="visually-hidden">Hours by {groupLabel}</caption>
                <thead>
                  <tr>
                    <th scope="col">{GROUPS.find((g) => g.value === report.groupBy)?.label}</th>
                    <th scope="col" className="num">
                      Entries
                    </th>
                    <th scope="col" className="num">
                      Hours
                    </th>
                    <th scope="col" className="num">
                      Rounded
                    </th>
                    <th scope="col" className="num">
                      Billable
                    </th>
                    <th scope="col" className="num">
                      Amount
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {report.rows.map((r) => (
                    <tr key={r.key ?? r.label}>
                      <th scope="row">
                        {r.label}
                        {r.detail && <span className="meta"> {r.detail}</span>}
                      </th>
                      <td className="num">{r.entries}</td>
                      <td className="num">{formatDuration(r.durationSeconds)}</td>
                      <td className="num">{formatDuration(r.roundedSeconds)}</td>
                      <td className="num">{formatDuration(r.billableSeconds)}</td>
                      <td className="num">{money(r.amounts)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </section>
            <h2>Download</h2>
            <div className="toolbar">
              {(Object.keys(FORMAT_LABEL) as Format[]).map((f) => (
                <button key={f} type="button" onClick={() => void makeFile.start(f)} disabled={makeFile.pending}>
                  Make {f === 'xlsx' ? 'an' : 'a'} {FORMAT_LABEL[f]} file
                </button>
              ))}
            </div>
            <ProblemAlert problem={makeFile.problem} />
            <div className="downloads">
              {files.map((f) => (
                <ReportFile key={f.jobId} orgId={orgId} jobId={f.jobId} format={f.format} />
              ))}
            </div>
          </section>
        )}
      </div>
    </Page>
  );
}
