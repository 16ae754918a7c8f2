// The time area's own links: the week, the timesheets, the reports of the current organization.
import { NavLink } from 'react-router';

export function SubNav({ orgId }: { orgId: string }) {
  return (
    <nav className="subnav" aria-label="Time">
      <ul>
        <li>
          <NavLink to={`/orgs/${orgId}/time`} end>
            Week
          </NavLink>
        </li>
        <li>
          <NavLink to={`/orgs/${orgId}/time/timesheets`}>Timesheets</NavLink>
        </li>
        <li>
          <NavLink to={`/orgs/${orgId}/reports`}>Reports</NavLink>
        </li>
      </ul>
    </nav>
  );
}
