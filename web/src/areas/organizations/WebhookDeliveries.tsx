// One webhook endpoint: send a test event, turn it off or on, delete it, and its delivery log
// (newest first, each attempt's request headers, response and latency). While a delivery is
// still being sent the log is asked again every few seconds.
import { useCallback, useEffect } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { api } from '../../api/client';
import { call } from '../../api/problem';
import type { components } from '../../api/schema';
import { useLoad } from '../../app/useLoad';
import { Page } from '../../ui/Page';
import { ProblemAlert } from '../../ui/ProblemAlert';
import { useAction } from '../../ui/useAction';
import { useOrg } from './useOrg';

type Delivery = components['schemas']['WebhookDelivery'];
const STATUS: Record<Delivery['status'], string> = { pending: 'Sending', delivered: 'Delivered', failed: 'Failed' };

export function WebhookDeliveries() {
  const { orgId } = useOrg();
  const { webhookId = '' } = useParams();
  const navigate = useNavigate();
  const path = { orgId, webhookId };
  const hook = useLoad(useCallback(() => call(api.GET('/orgs/{orgId}/webhooks/{webhookId}', { params: { path: { orgId, webhookId } } })), [orgId, webhookId]));
  const deliveries = useLoad(
    useCallback(() => call(api.GET('/orgs/{orgId}/webhooks/{webhookId}/deliveries', { params: { path: { orgId, webhookId }, query: { limit: 50 } } })), [orgId, webhookId]),
  );
  const pending = deliveries.data?.data.some((d) => d.status === 'pending') ?? false;
  const reloadDeliveries = deliveries.reload;
  useEffect(() => {
    if (!pending) return;
    const timer = setInterval(() => void reloadDeliveries(), 2000);
    return () => clearInterval(timer);
  }, [pending, reloadDeliveries]);

  const test = useAction(async () => {
    await call(api.POST('/orgs/{orgId}/webhooks/{webhookId}/test', { params: { path } }));
    await deliveries.reload();
  });
  const toggle = useAction(async (enabled: boolean) => {
    await call(api.PATCH('/orgs/{orgId}/webhooks/{webhookId}', { params: { path }, body: { enabled } }));
    await hook.reload();
  });
  const redeliver = useAction(async (deliveryId: string) => {
    await call(api.POST('/orgs/{orgId}/webhooks/{webhookId}/deliveries/{deliveryId}/redeliver', { params: { path: { ...path, deliveryId } } }));
    await deliveries.reload();
  });
  const remove = useAction(async () => {
    await call(api.DELETE('/orgs/{orgId}/webhooks/{webhookId}', { params: { path } }));
    navigate(`/orgs/${orgId}/webhooks`);
  });

  const h = hook.data;
  return (
    <Page title="Webhook deliveries">
      <p>
        <Link to={`/orgs/${orgId}/webhooks`}>All webhooks</Link>
      </p>
      <ProblemAlert problem={hook.problem ?? test.problem ?? toggle.problem ?? remove.problem} />
      {h && (
        <>
          <dl className="facts">
            <dt>URL</dt>
            <dd className="break">{h.url}</dd>
            <dt>Events</dt>
            <dd>{h.events.join(', ')}</dd>
            <dt>State</dt>
            <dd>
              {h.enabled ? 'Enabled' : `Disabled${h.disabledReason === 'failing' ? ' after failing deliveries' : h.disabledReason === 'gone' ? ' (the receiver answered 410 Gone)' : ''}`}
              {h.consecutiveFailures > 0 && ` · ${h.consecutiveFailures} failed in a row`}
            </dd>
          </dl>
          <div className="row-actions">
            <button type="button" className="primary" onClick={() => test.start()} disabled={test.pending || !h.enabled}>
              Send a test event
            </button>
            <button type="button" onClick={() => toggle.start(!h.enabled)} disabled={toggle.pending}>
              {h.enabled ? 'Disable' : 'Enable'}
            </button>
            <button type="button" className="danger" onClick={() => remove.start()} disabled={remove.pending}>
              Delete the endpoint
            </button>
          </div>
        </>
      )}
      <h2>Deliveries</h2>
      <p>
        <button type="button" onClick={() => void deliveries.reload()}>
          Refresh
        </button>
      </p>
      <ProblemAlert problem={deliveries.problem ?? redeliver.problem} />
      {deliveries.data?.data.length === 0 && <p>Nothing was sent yet.</p>}
      <ul className="list" aria-label="Deliveries">
        {deliveries.data?.data.map((d) => (
          <li key={d.id} className="delivery">
            <div className="delivery-head">
              <div>
                <code>{d.eventType}</code> <span className={`tag ${d.status}`}>{STATUS[d.status]}</span>
                <div className="meta">
                  {new Date(d.createdAt).toLocaleString()} · {d.attempts} {d.attempts === 1 ? 'attempt' : 'attempts'}
                  {d.lastStatus !== null && ` · answered ${d.lastStatus}`}
                  {d.lastError && ` · ${d.lastError}`}
                </div>
              </div>
              {d.status !== 'pending' && (
                <button type="button" onClick={() => redeliver.start(d.id)} disabled={redeliver.pending}>
                  Send again<span className="visually-hidden"> the {d.eventType} delivery</span>
                </button>
              )}
            </div>
            <details>
              <summary>
                Request and answers<span className="visually-hidden"> of the {d.eventType} delivery</span>
              </summary>
              <h3>Body sent</h3>
              <pre className="payload">{d.request.body}</pre>
              {d.log.map((a) => (
                <div key={a.attempt}>
                  <h3>
                    Attempt {a.attempt}, {new Date(a.at).toLocaleTimeString()}, {a.latencyMs} ms
                  </h3>
                  <pre className="payload">{Object.entries(a.request.headers).map(([k, v]) => `${k}: ${v}`).join('\n')}</pre>
                  {a.response ? (
                    <>
                      <p>Answer: {a.response.status}</p>
                      {a.response.body && <pre className="payload">{a.response.body}</pre>}
                    </>
                  ) : (
                    <p>No answer: {a.error}</p>
                  )}
                </div>
              ))}
            </details>
          </li>
        ))}
      </ul>
    </Page>
  );
}
