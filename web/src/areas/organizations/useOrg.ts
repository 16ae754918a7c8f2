// The organization of the address (/orgs/:orgId/…), from the list of mine (with my role in it).
import { useParams } from 'react-router';
import { type Organization, useOrgs } from '../../app/orgs';

export function useOrg(): { orgId: string; org: Organization | undefined; loaded: boolean } {
  const { orgId = '' } = useParams();
  const list = useOrgs();
  return { orgId, org: list?.find((o) => o.id === orgId), loaded: list !== undefined };
}
