// Organization roles, strongest first, and what each may do here (docs/modules.md: admin+
// manages members, invitations, the audit log and webhooks; only an owner grants `owner`).
import type { Organization } from '../../app/orgs';

export type Role = Organization['role'];
export const ROLES: { value: Role; label: string }[] = [
  { value: 'owner', label: 'Owner' },
  { value: 'admin', label: 'Admin' },
  { value: 'member', label: 'Member' },
  { value: 'viewer', label: 'Viewer' },
];
export const roleLabel = (role: string) => ROLES.find((r) => r.value === role)?.label ?? role;
export const isAdmin = (role: Role | undefined) => role === 'owner' || role === 'admin';
/** The roles `mine` may give: an owner any, an admin all but owner. */
export const grantable = (mine: Role | undefined) => ROLES.filter((r) => mine === 'owner' || (mine === 'admin' && r.value !== 'owner'));
