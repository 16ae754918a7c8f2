// An organization's webhook endpoints (admins): create one (its signing secret is shown once),
// list them with their state, open one for its delivery log.
import { useCallback, useState } from 'react';
import { Link } from 'react-router';
import { api } from '../../api/client';
import { call } from '../../api/problem';
import { useLoad } from '../../app/useLoad';
import { Field } from '../../ui/Field';
import { Form } from '../../ui/Form';
import { Notice, Page } from '../../ui/Page';
import { ProblemAlert } from '../../ui/ProblemAlert';
import { useAction } from '../../ui/useAction';
import { useOrg } from './useOrg';

/** `projects.*, organizations.member_added` → the patterns, without blanks. */
export const eventPatterns = (text: string) =>
  text
    .split(/[\s,]+/)
    .map((p) => p.trim())
    .filter(Boolean);

export function Webhooks() {
  const { orgId, org } = useOrg();
  const hooks = useLoad(useCallback(() => call(api.GET('/orgs/{orgId}/webhooks', { params: { path: { orgId }, query: { limit: 100 } } })), [orgId]));
  const [created, setCreated] = useState<{ id: string; url: string; secret: string } | null>(null);

  const create = useAction(async (v: Record<string, string>) => {
    setCreated(null);
    const hook = await call(
      api.POST('/orgs/{orgId}/webhooks', { params: { path: { orgId } }, body: { url: v.url.trim(), events: eventPatterns(v.events), description: v.description.trim() || null } }),
    );
    setCreated({ id: hook.id, url: hook.url, secret: hook.secret });
    await hooks.reload();
  });

  return (
    <Page title={org ? `Webhooks of ${org.name}` : 'Webhooks'}>
      <p>Each endpoint receives the organization's events as signed HTTP requests (Standard Webhooks).</p>
      {created && (
        <>
          <Notice>
            The endpoint {created.url} is created. Copy its signing secret now: it is not shown again.
          </Notice>
          <p>
            Signing secret: <code className="secret" id="new-webhook-secret">{created.secret}</code>
          </p>
        </>
      )}
      <ProblemAlert problem={hooks.problem} />
      {hooks.data?.data.length === 0 && <p>No endpoint yet.</p>}
      <ul className="list" aria-label="Webhook endpoints">
        {hooks.data?.data.map((h) => (
          <li key={h.id}>
            <div>
              <strong className="break">{h.url}</strong>
              {h.enabled ? <span className="tag">Enabled</span> : <span className="tag off">Disabled{h.disabledReason ? ` (${h.disabledReason})` : ''}</span>}
              <div className="meta">
                {h.description ? `${h.description} · ` : ''}
                {h.events.join(', ')}
              </div>
            </div>
            <Link to={h.id}>
              Deliveries<span className="visually-hidden"> to {h.url}</span>
            </Link>
          </li>
        ))}
      </ul>
      <h2>Add an endpoint</h2>
      <Form onSubmit={create.start} problem={create.problem} pending={create.pending} submitLabel="Add the endpoint" label="Add an endpoint">
        {(errors) => (
          <>
            <Field label="URL" name="url" type="url" required placeholder="https://hooks.example.com/trellis" error={errors.url} />
            <Field
              label="Events"
              name="events"
              required
              defaultValue="*"
              hint="Comma-separated: * for all, projects.* for a module's, or exact types such as organizations.member_added."
              error={errors.events}
            />
            <Field label="Description (optional)" name="description" error={errors.description} />
          </>
        )}
      </Form>
    </Page>
  );
}
