// The signed-in member's conversations in the organization (private to each member), newest
// activity first, and a new one, with an assistant or without.
import { useCallback } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { api } from '../../api/client';
import { call } from '../../api/problem';
import { useLoad } from '../../app/useLoad';
import { Field } from '../../ui/Field';
import { Form } from '../../ui/Form';
import { Page } from '../../ui/Page';
import { ProblemAlert } from '../../ui/ProblemAlert';
import { useAction } from '../../ui/useAction';

export function Conversations() {
  const { orgId = '' } = useParams();
  const navigate = useNavigate();
  const list = useLoad(useCallback(() => call(api.GET('/orgs/{orgId}/conversations', { params: { path: { orgId }, query: { limit: 50 } } })), [orgId]));
  const assistants = useLoad(useCallback(() => call(api.GET('/orgs/{orgId}/assistants', { params: { path: { orgId }, query: { limit: 100 } } })), [orgId]));
  const create = useAction(async (v: Record<string, string>) => {
    const created = await call(
      api.POST('/orgs/{orgId}/conversations', { params: { path: { orgId } }, body: { ...(v.title?.trim() ? { title: v.title.trim() } : {}), ...(v.assistantId ? { assistantId: v.assistantId } : {}) } }),
    );
    navigate(`/orgs/${orgId}/chat/${created.id}`);
  });
  return (
    <Page title="Conversations">
      <h2>Start a conversation</h2>
      <Form onSubmit={create.start} problem={create.problem ?? assistants.problem} pending={create.pending} submitLabel="Start the conversation" label="Start a conversation">
        {(errors) => (
          <>
            <div className="field">
              <label htmlFor="new-assistant">Assistant</label>
              <select id="new-assistant" name="assistantId" defaultValue="">
                <option value="">None: the organization's default model</option>
                {assistants.data?.data.map((a) => (
                  <option key={a.id} value={a.id}>
                    {a.name}
                  </option>
                ))}
              </select>
              {errors.assistantId && <p className="field-error">{errors.assistantId}</p>}
            </div>
            <Field label="Title" name="title" hint="Optional: else the first words of the first question." error={errors.title} />
          </>
        )}
      </Form>
      <h2>Your conversations</h2>
      <ProblemAlert problem={list.problem} />
      {list.data && list.data.data.length === 0 && <p>No conversations yet.</p>}
      <ul className="list" aria-label="Conversations">
        {list.data?.data.map((c) => (
          <li key={c.id}>
            <Link to={`/orgs/${orgId}/chat/${c.id}`}>{c.title ?? 'New conversation'}</Link>
            <span className="meta">{new Date(c.updatedAt).toLocaleString()}</span>
          </li>
        ))}
      </ul>
    </Page>
  );
}
