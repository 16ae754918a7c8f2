// The organization rules as pure functions: role ordering, inheritance, hierarchy checks
// and input checks. The service applies them to what the repository read; unit tests
// exercise them without a database.
import { CoreProblems, invalid } from '../../core/errors.ts';
import { canonicalTimeZone, isTimeZone } from '../../core/time/zones.ts';
import { OrgProblems } from './problems.ts';

export type OrgRole = 'owner' | 'admin' | 'member' | 'viewer';

export const ORG_ROLES: readonly OrgRole[] = ['owner', 'admin', 'member', 'viewer'];

const RANK: Record<OrgRole, number> = { owner: 4, admin: 3, member: 2, viewer: 1 };

/** Does `role` reach `minimum`? owner > admin > member > viewer. */
export function roleAtLeast(role: OrgRole, minimum: OrgRole): boolean {
  return RANK[role] >= RANK[minimum];
}

/** A direct membership found while walking up from an org: `distance` 0 is the org itself. */
export interface ChainMembership {
  orgId: string;
  role: OrgRole;
  distance: number;
}

export interface EffectiveRole {
  role: OrgRole;
  inherited: boolean;
  /** The org whose membership gives the role (the org itself when direct). */
  sourceOrgId: string;
}

/**
 * A direct membership wins; otherwise the nearest ancestor's. A nearer membership overrides
 * a farther one even when it grants less: that is how a department narrows a company role.
 */
export function effectiveRole(chain: readonly ChainMembership[]): EffectiveRole | null {
  let best: ChainMembership | undefined;
  for (const m of chain) if (!best || m.distance < best.distance) best = m;
  return best ? { role: best.role, inherited: best.distance > 0, sourceOrgId: best.orgId } : null;
}

export const SLUG_PATTERN = '^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$';
const SLUG = new RegExp(SLUG_PATTERN);

export const isSlug = (slug: string) => SLUG.test(slug);


let currencies: Set<string> | undefined;
/** ISO 4217 codes as the runtime's ICU knows them (three capital letters, and a real code). */
export function isCurrency(code: string): boolean {
  currencies ??= new Set(Intl.supportedValuesOf('currency'));
  return /^[A-Z]{3}$/.test(code) && currencies.has(code);
}

/**
 * Checks TypeBox cannot express (IANA zones, ISO 4217). Returns the input with the zone in
 * its canonical spelling ("europe/zurich" -> "Europe/Zurich"), so stored zones compare equal.
 */
export function checkSettings<T extends { timezone?: string; currency?: string }>(input: T): T {
  if (input.timezone !== undefined && !isTimeZone(input.timezone)) throw invalid('body.timezone', 'is not an IANA time zone');
  if (input.currency !== undefined && !isCurrency(input.currency)) throw invalid('body.currency', 'is not an ISO 4217 currency code');
  if (input.timezone === undefined) return input;
  return { ...input, timezone: canonicalTimeZone(input.timezone) };
}

/**
 * Placing `orgId` (whose subtree has `subtreeHeight` levels, 1 for a leaf) under a parent
 * whose ancestor chain, from the parent itself up to its root, is `parentChain`.
 * A cycle means the org is among the parent's ancestors (or is the parent).
 * Depth: a top-level org is level 1; the deepest node of the moved subtree must stay
 * within `maxDepth`.
 */
export function checkPlacement(p: { orgId: string | null; parentChain: readonly string[]; subtreeHeight: number; maxDepth: number }) {
  if (p.orgId !== null && p.parentChain.includes(p.orgId)) {
    throw OrgProblems.hierarchyCycle.error('An organization cannot be placed under itself or one of its descendants');
  }
  const deepest = p.parentChain.length + p.subtreeHeight;
  if (deepest > p.maxDepth) {
    throw OrgProblems.maxDepthExceeded.error(`Organizations may be nested at most ${p.maxDepth} levels deep`, {
      details: { maxDepth: p.maxDepth, depth: deepest },
    });
  }
}

/**
 * The last-owner rule, given the number of effective owners of each live org a change
 * touched (the org and the ones below it, which may inherit their owners from it).
 */
export function checkOwnersRemain(owners: readonly { orgId: string; owners: number }[]) {
  const orphaned = owners.filter((o) => o.owners === 0).map((o) => o.orgId);
  if (orphaned.length) {
    throw OrgProblems.lastOwner.error('An organization must keep at least one owner', { details: { orgIds: orphaned } });
  }
}

export interface MemberChange {
  actorRole: OrgRole;
  actorIsTarget: boolean;
  /** The target's effective role in the org before the change. */
  targetRole: OrgRole;
  /** The role to set; undefined when the membership is removed. */
  newRole?: OrgRole;
}

/**
 * Who may change whom. Admin+ manages members; only an owner grants `owner` or touches an
 * owner; anyone may leave. The last-owner rule is checked against the data afterwards.
 */
export function checkMemberChange(c: MemberChange) {
  const leaving = c.newRole === undefined && c.actorIsTarget;
  if (!leaving && !roleAtLeast(c.actorRole, 'admin')) throw CoreProblems.forbidden.error('Only an admin or owner can manage members');
  if ((c.newRole === 'owner' || c.targetRole === 'owner') && c.actorRole !== 'owner' && !leaving) {
    throw CoreProblems.forbidden.error('Only an owner can grant the owner role or change an owner');
  }
}
