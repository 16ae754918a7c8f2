// One project: its settings (name, client, budgets, rate, billable by default), archive or
// unarchive, save as a template, its budget, tasks and members. Managers and org admins change
// it; others read it.
import { useCallback, useState, useSyncExternalStore } from 'react';
import { Link, useParams } from 'react-router';
import { api } from '../../api/client';
import { call, fieldMessages } from '../../api/problem';
import { session } from '../../api/session';
import { useOrgs } from '../../app/orgs';
import { useLoad } from '../../app/useLoad';
import { Field } from '../../ui/Field';
import { Form } from '../../ui/Form';
import { Notice, Page } from '../../ui/Page';
import { ProblemAlert } from '../../ui/ProblemAlert';
import { useAction } from '../../ui/useAction';
import { ProjectBudget } from './ProjectBudget';
import { resetActiveForm } from './load';
import { toMinor, toNumber } from './ProjectList';
import { ProjectMembers } from './ProjectMembers';
import { ProjectTasks } from './ProjectTasks';

export function ProjectDetail() {
  const { orgId = '', projectId = '' } = useParams();
  const me = useSyncExternalStore(session.subscribe, session.get);
  const myId = me.status === 'signed-in' ? me.user.id : '';
  const orgRole = useOrgs()?.find((o) => o.id === orgId)?.role;
  const project = useLoad(useCallback(() => call(api.GET('/orgs/{orgId}/projects/{projectId}', { params: { path: { orgId, projectId } } })), [orgId, projectId]));
  const mine = useLoad(
    useCallback(
      () => call(api.GET('/orgs/{orgId}/projects/{projectId}/members/{userId}', { params: { path: { orgId, projectId, userId: myId } } })).catch(() => undefined),
      [orgId, projectId, myId],
    ),
  );
  const [notice, setNotice] = useState('');
  const [version, setVersion] = useState(0);
  const p = project.data;
  const canManage = orgRole === 'owner' || orgRole === 'admin' || mine.data?.role === 'manager';
  const canWrite = canManage || mine.data?.role === 'contributor';
  const archived = p?.status === 'archived';

  const save = useAction(async (v: Record<string, string>) => {
    await call(
      api.PATCH('/orgs/{orgId}/projects/{projectId}', {
        params: { path: { orgId, projectId } },
        body: {
          name: v.name,
          client: v.client?.trim() || null,
          budgetHours: toNumber(v.budgetHours) ?? null,
          budgetMinor: toMinor(v.budget) ?? null,
          hourlyRateMinor: toMinor(v.hourlyRate) ?? null,
          billableDefault: v.billableDefault === 'on',
        },
      }),
    );
    await project.reload();
    setVersion((n) => n + 1);
    setNotice('The project is saved.');
  });
  const archive = useAction(async () => {
    const path = { orgId, projectId };
    await call(archived ? api.POST('/orgs/{orgId}/projects/{projectId}/unarchive', { params: { path } }) : api.POST('/orgs/{orgId}/projects/{projectId}/archive', { params: { path } }));
    await project.reload();
    setNotice(archived ? 'The project is active again.' : 'The project is archived: its time is read-only.');
  });
  const template = useAction(async (v: Record<string, string>) => {
    const t = await call(api.POST('/orgs/{orgId}/projects/{projectId}/save-as-template', { params: { path: { orgId, projectId } }, body: { name: v.name } }));
    resetActiveForm();
    setNotice(`Saved as the template “${t.name}”, with ${t.tasks.length} tasks.`);
  });
  const errors = fieldMessages(save.problem);

  return (
    <Page title={p ? `${p.key} · ${p.name}` : 'Project'}>
      <div className="area-time">
        <p>
          <Link to={`/orgs/${orgId}/projects`}>All projects</Link>
        </p>
        <ProblemAlert problem={project.problem} />
        {notice && <Notice>{notice}</Notice>}
        {p && (
          <>
            {archived && <p className="hint">This project is archived: it and its time are read-only.</p>}
            {canManage && (
              <>
                <h2>Settings</h2>
                <Form onSubmit={save.start} problem={save.problem} pending={save.pending} submitLabel="Save the project" label="Project settings" key={p.updatedAt}>
                  {() => (
                    <>
                      <Field label="Name" name="name" defaultValue={p.name} error={errors.name} />
                      <Field label="Client" name="client" defaultValue={p.client ?? ''} error={errors.client} />
                      <div className="row-fields">
                        <Field label="Budget in hours" name="budgetHours" inputMode="decimal" defaultValue={p.budgetHours ?? ''} error={errors.budgetHours} />
                        <Field label="Budget in money" name="budget" inputMode="decimal" defaultValue={p.budgetMinor !== null ? (p.budgetMinor / 100).toFixed(2) : ''} error={errors.budgetMinor} />
                        <Field label="Hourly rate" name="hourlyRate" inputMode="decimal" defaultValue={p.hourlyRateMinor !== null ? (p.hourlyRateMinor / 100).toFixed(2) : ''} error={errors.hourlyRateMinor} />
                      </div>
                      <label className="checkbox">
                        <input type="checkbox" name="billableDefault" defaultChecked={p.billableDefault} />
                        New time is billable by default
                      </label>
                    </>
                  )}
                </Form>
                <div className="toolbar">
                  <button type="button" onClick={() => void archive.start()} disabled={archive.pending}>
                    {archived ? 'Unarchive the project' : 'Archive the project'}
                  </button>
                </div>
                <ProblemAlert problem={archive.problem} />
              </>
            )}
            <ProjectBudget orgId={orgId} projectId={projectId} version={version} />
            <ProjectTasks orgId={orgId} projectId={projectId} canWrite={canWrite && !archived} />
            <ProjectMembers orgId={orgId} projectId={projectId} canManage={canManage && !archived} />
            {canManage && (
              <>
                <h2>Save as a template</h2>
                <Form onSubmit={template.start} problem={template.problem} pending={template.pending} submitLabel="Save as a template" label="Save as a template">
                  {() => <Field label="Template name" name="name" hint="Its tasks and settings start new projects." required />}
                </Form>
              </>
            )}
          </>
        )}
      </div>
    </Page>
  );
}
