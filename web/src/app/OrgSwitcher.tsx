// The header's organization switcher: choosing another organization keeps the page's area
// (/orgs/A/time/week → /orgs/B/time/week) or opens the organization's first page.
import { useLocation, useNavigate } from 'react-router';
import { useCurrentOrgId, useOrgs } from './orgs';

export function OrgSwitcher() {
  const list = useOrgs();
  const current = useCurrentOrgId();
  const navigate = useNavigate();
  const { pathname } = useLocation();
  if (!list || list.length === 0) return null;
  const choose = (orgId: string) => {
    const area = /^\/orgs\/[^/]+\/([^/]+)/.exec(pathname)?.[1];
    // Only the area is kept: an entry, a dashboard or a file of one org does not exist in another.
    navigate(area ? `/orgs/${orgId}/${area}` : `/orgs/${orgId}`);
  };
  return (
    <label className="org-switcher">
      <span className="visually-hidden">Organization</span>
      <select value={current && list.some((o) => o.id === current) ? current : ''} onChange={(e) => choose(e.target.value)}>
        {!current && (
          <option value="" disabled>
            Choose an organization
          </option>
        )}
        {list.map((o) => (
          <option key={o.id} value={o.id}>
            {o.name}
          </option>
        ))}
      </select>
    </label>
  );
}
