// One assistant: change it, start a conversation with it, delete it.
import { useCallback, useState } from 'react';
import { useNavigate, useParams } from 'react-router';
import { api } from '../../api/client';
import { call } from '../../api/problem';
import { useLoad } from '../../app/useLoad';
import { Form } from '../../ui/Form';
import { Notice, Page } from '../../ui/Page';
import { ProblemAlert } from '../../ui/ProblemAlert';
import { useAction } from '../../ui/useAction';
import { AssistantFields, assistantBody } from './AssistantFields';

export function AssistantEdit() {
  const { orgId = '', assistantId = '' } = useParams();
  const navigate = useNavigate();
  const path = { orgId, assistantId };
  const assistant = useLoad(useCallback(() => call(api.GET('/orgs/{orgId}/assistants/{assistantId}', { params: { path: { orgId, assistantId } } })), [orgId, assistantId]));
  const models = useLoad(useCallback(() => call(api.GET('/orgs/{orgId}/llm/models', { params: { path: { orgId } } })), [orgId]));
  const [saved, setSaved] = useState(false);
  const save = useAction(async (v: Record<string, string>) => {
    setSaved(false);
    await call(api.PATCH('/orgs/{orgId}/assistants/{assistantId}', { params: { path }, body: assistantBody(v) }));
    await assistant.reload();
    setSaved(true);
  });
  const chat = useAction(async () => {
    const created = await call(api.POST('/orgs/{orgId}/conversations', { params: { path: { orgId } }, body: { assistantId } }));
    navigate(`/orgs/${orgId}/chat/${created.id}`);
  });
  const remove = useAction(async () => {
    await call(api.DELETE('/orgs/{orgId}/assistants/{assistantId}', { params: { path } }));
    navigate(`/orgs/${orgId}/assistants`);
  });
  const a = assistant.data;
  return (
    <Page title={a ? a.name : 'Assistant'}>
      <ProblemAlert problem={assistant.problem} />
      {/* The model list first: a select keeps its first value, so its options must be there. */}
      {a && (models.data || models.problem) && (
        <>
          <div className="row">
            <button type="button" className="primary" onClick={() => chat.start()} disabled={chat.pending}>
              Start a conversation
            </button>
          </div>
          <ProblemAlert problem={chat.problem} />
          <h2>Settings</h2>
          {saved && <Notice>The assistant is saved.</Notice>}
          {/* Keyed by the version shown, so the fields start from what is stored. */}
          <Form key={a.updatedAt} onSubmit={save.start} problem={save.problem} pending={save.pending} submitLabel="Save the assistant" label="Assistant settings">
            {(errors) => <AssistantFields errors={errors} initial={a} models={models.data?.data ?? []} />}
          </Form>
          <h2>Delete</h2>
          <button type="button" className="danger" onClick={() => remove.start()} disabled={remove.pending}>
            Delete the assistant
          </button>
          <ProblemAlert problem={remove.problem} />
        </>
      )}
    </Page>
  );
}
