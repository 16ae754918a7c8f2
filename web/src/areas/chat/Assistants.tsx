// The organization's assistants the member sees (theirs, and those shared with the
// organization), and a new one.
import { useCallback } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { api } from '../../api/client';
import { call } from '../../api/problem';
import { useLoad } from '../../app/useLoad';
import { Form } from '../../ui/Form';
import { Page } from '../../ui/Page';
import { ProblemAlert } from '../../ui/ProblemAlert';
import { useAction } from '../../ui/useAction';
import { AssistantFields, assistantBody } from './AssistantFields';

export function Assistants() {
  const { orgId = '' } = useParams();
  const navigate = useNavigate();
  const list = useLoad(useCallback(() => call(api.GET('/orgs/{orgId}/assistants', { params: { path: { orgId }, query: { limit: 100 } } })), [orgId]));
  const models = useLoad(useCallback(() => call(api.GET('/orgs/{orgId}/llm/models', { params: { path: { orgId } } })), [orgId]));
  const create = useAction(async (v: Record<string, string>) => {
    const created = await call(api.POST('/orgs/{orgId}/assistants', { params: { path: { orgId } }, body: assistantBody(v) }));
    navigate(`/orgs/${orgId}/assistants/${created.id}`);
  });
  return (
    <Page title="Assistants">
      <ProblemAlert problem={list.problem} />
      {list.data && list.data.data.length === 0 && <p>No assistants yet.</p>}
      <ul className="list" aria-label="Assistants">
        {list.data?.data.map((a) => (
          <li key={a.id}>
            <div>
              <Link to={`/orgs/${orgId}/assistants/${a.id}`}>{a.name}</Link>
              {a.visibility === 'org' && <span className="tag">shared</span>}
              {a.description && <div className="meta">{a.description}</div>}
            </div>
          </li>
        ))}
      </ul>
      <h2>Create an assistant</h2>
      <Form onSubmit={create.start} problem={create.problem} pending={create.pending} submitLabel="Create the assistant" label="Create an assistant">
        {(errors) => <AssistantFields errors={errors} models={models.data?.data ?? []} />}
      </Form>
    </Page>
  );
}
