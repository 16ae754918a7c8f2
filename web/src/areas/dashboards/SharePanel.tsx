// Share links: create one (it expires), copy it, revoke it. The API answers its own URL for
// the data (/api/v1/shared-dashboards/…); people get the console's page for the token, which
// shows the dashboard read-only without signing in (SharedDashboard).
import { useCallback, useState } from 'react';
import { api } from '../../api/client';
import { call } from '../../api/problem';
import { Field } from '../../ui/Field';
import { Form } from '../../ui/Form';
import { Notice } from '../../ui/Page';
import { ProblemAlert } from '../../ui/ProblemAlert';
import { useAction } from '../../ui/useAction';
import { useLoad } from '../../app/useLoad';

export const sharedPageUrl = (token: string) => `${window.location.origin}/shared/dashboards/${encodeURIComponent(token)}`;

export function SharePanel({ orgId, dashboardId }: { orgId: string; dashboardId: string }) {
  const path = { orgId, dashboardId };
  const shares = useLoad(useCallback(() => call(api.GET('/orgs/{orgId}/dashboards/{dashboardId}/shares', { params: { path: { orgId, dashboardId } } })), [orgId, dashboardId]));
  const [said, setSaid] = useState<string | null>(null);
  const create = useAction(async (v: Record<string, string>) => {
    await call(api.POST('/orgs/{orgId}/dashboards/{dashboardId}/shares', { params: { path }, body: v.expiresInHours ? { expiresInHours: Number(v.expiresInHours) } : {} }));
    setSaid('A share link is created.');
    await shares.reload();
  });
  const revoke = useAction(async (shareId: string) => {
    await call(api.DELETE('/orgs/{orgId}/dashboards/{dashboardId}/shares/{shareId}', { params: { path: { ...path, shareId } } }));
    setSaid('The link is revoked: it no longer opens the dashboard.');
    await shares.reload();
  });
  const copy = async (url: string) => {
    try {
      await navigator.clipboard.writeText(url);
      setSaid('The link is copied.');
    } catch {
      setSaid('The browser refused to copy: select the link and copy it.');
    }
  };
  const now = Date.now();
  const active = (shares.data?.data ?? []).filter((s) => !s.revokedAt && Date.parse(s.expiresAt) > now);
  return (
    <section aria-labelledby="share-title">
      <h2 id="share-title">Share with a link</h2>
      <p className="hint">Anyone with the link sees this dashboard read-only, with your rights, until it expires or is revoked.</p>
      {said && <Notice>{said}</Notice>}
      <ProblemAlert problem={shares.problem ?? revoke.problem} />
      <ul className="list" aria-label="Share links">
        {active.map((s) => {
          const url = sharedPageUrl(s.token);
          return (
            <li key={s.id}>
              <div>
                <a className="share-url" href={url}>
                  {url}
                </a>
                <div className="meta">Expires {new Date(s.expiresAt).toLocaleString()}</div>
              </div>
              <div className="dashboard-actions">
                <button type="button" onClick={() => copy(url)}>
                  Copy<span className="visually-hidden"> the link</span>
                </button>
                <button type="button" className="danger" onClick={() => revoke.start(s.id)}>
                  Revoke<span className="visually-hidden"> the link</span>
                </button>
              </div>
            </li>
          );
        })}
      </ul>
      {shares.data && active.length === 0 && <p>No active link.</p>}
      <Form onSubmit={create.start} problem={create.problem} pending={create.pending} submitLabel="Create a share link" label="Create a share link">
        {(errors) => <Field label="Expires after (hours)" name="expiresInHours" type="number" hint="At most 2160 (90 days); 168 (7 days) when empty." error={errors.expiresInHours} />}
      </Form>
    </section>
  );
}
