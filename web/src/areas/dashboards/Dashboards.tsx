// The org's dashboards: the list and a new one (it opens in the builder).
import { useCallback } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { api } from '../../api/client';
import { call } from '../../api/problem';
import { Field } from '../../ui/Field';
import { Form } from '../../ui/Form';
import { Page } from '../../ui/Page';
import { ProblemAlert } from '../../ui/ProblemAlert';
import { useAction } from '../../ui/useAction';
import { useLoad } from '../../app/useLoad';

export function Dashboards() {
  const { orgId = '' } = useParams();
  const navigate = useNavigate();
  const list = useLoad(useCallback(() => call(api.GET('/orgs/{orgId}/dashboards', { params: { path: { orgId }, query: { limit: 100 } } })), [orgId]));
  const create = useAction(async (v: Record<string, string>) => {
    const board = await call(api.POST('/orgs/{orgId}/dashboards', { params: { path: { orgId } }, body: { name: v.name ?? '', ...(v.description ? { description: v.description } : {}) } }));
    navigate(`/orgs/${orgId}/dashboards/${board.id}`);
  });
  return (
    <Page title="Dashboards">
      <ProblemAlert problem={list.problem} />
      <ul className="list" aria-label="Dashboards">
        {list.data?.data.map((d) => (
          <li key={d.id}>
            <div>
              <Link to={`/orgs/${orgId}/dashboards/${d.id}`}>{d.name}</Link>
              <div className="meta">
                {d.widgets.length} widget{d.widgets.length === 1 ? '' : 's'}
                {d.description ? ` · ${d.description}` : ''}
              </div>
            </div>
          </li>
        ))}
      </ul>
      {list.data && list.data.data.length === 0 && <p>No dashboards yet.</p>}
      <h2>New dashboard</h2>
      <Form onSubmit={create.start} problem={create.problem} pending={create.pending} submitLabel="Create the dashboard">
        {(errors) => (
          <>
            <Field label="Name" name="name" required error={errors.name} />
            <Field label="Description" name="description" error={errors.description} />
          </>
        )}
      </Form>
    </Page>
  );
}
