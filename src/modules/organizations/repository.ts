// SQL of the organizations schema: orgs and the hierarchy walks. Memberships and
// invitations are in their own files. Plain rows out, no rules.
import { type Generated, type Kysely, type Selectable, sql, type Updateable } from 'kysely';
import type { Executor } from '../../core/db/database.ts';
import type { OrgRole } from './rules.ts';

interface OrgsTable {
  id: string;
  name: string;
  slug: string;
  parent_id: string | null;
  timezone: string;
  currency: string;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
  deleted_at: Date | null;
  deleted_by: string | null;
}
interface MembershipsTable {
  org_id: string;
  user_id: string;
  email: string;
  role: OrgRole;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}
interface InvitationsTable {
  id: string;
  org_id: string;
  email: string;
  role: OrgRole;
  token_hash: string;
  invited_by: string;
  inviter_email: string;
  created_at: Generated<Date>;
  expires_at: Date;
  accepted_at: Date | null;
  accepted_by: string | null;
  revoked_at: Date | null;
}
export interface OrganizationsTables {
  'organizations.orgs': OrgsTable;
  'organizations.memberships': MembershipsTable;
  'organizations.invitations': InvitationsTable;
}
export type OrgRow = Selectable<OrgsTable>;
export type MembershipRow = Selectable<MembershipsTable>;
export type InvitationRow = Selectable<InvitationsTable>;

export const q = (db: Executor) => db as unknown as Kysely<OrganizationsTables>;

/** Bounds every recursive walk, so corrupt data (a cycle) cannot make a query run forever. */
const WALK_LIMIT = 64;

/** PostgreSQL's unique_violation, as both drivers report it. */
export const isUniqueViolation = (err: unknown, constraint?: string) =>
  (err as { code?: string })?.code === '23505' && (!constraint || String((err as { constraint?: string }).constraint ?? (err as Error).message).includes(constraint));

export const orgs = {
  insert: (db: Executor, row: { id: string; name: string; slug: string; parent_id: string | null; timezone: string; currency: string }) =>
    q(db).insertInto('organizations.orgs').values(row).returningAll().executeTakeFirstOrThrow(),

  /** Deleted orgs included: restore needs them. */
  byId: (db: Executor, id: string) => q(db).selectFrom('organizations.orgs').selectAll().where('id', '=', id).executeTakeFirst(),

  byIds: (db: Executor, ids: readonly string[]) =>
    ids.length === 0
      ? Promise.resolve([] as OrgRow[])
      : q(db).selectFrom('organizations.orgs').selectAll().where('id', 'in', ids).where('deleted_at', 'is', null).execute(),

  live: (db: Executor, id: string) =>
    q(db).selectFrom('organizations.orgs').selectAll().where('id', '=', id).where('deleted_at', 'is', null).executeTakeFirst(),

  update: (db: Executor, id: string, patch: Updateable<OrgsTable>) =>
    q(db)
      .updateTable('organizations.orgs')
      .set({ ...patch, updated_at: sql<Date>`now()` })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirstOrThrow(),

  slugInUse: async (db: Executor, slug: string, exceptId?: string) => {
    let query = q(db).selectFrom('organizations.orgs').select('id').where('slug', '=', slug).where('deleted_at', 'is', null);
    if (exceptId) query = query.where('id', '<>', exceptId);
    return (await query.executeTakeFirst()) !== undefined;
  },

  hasLiveChildren: async (db: Executor, id: string) =>
    (await q(db).selectFrom('organizations.orgs').select('id').where('parent_id', '=', id).where('deleted_at', 'is', null).limit(1).executeTakeFirst()) !==
    undefined,

  /** Ids from `id` up to its root, `id` first. Live orgs only have live ancestors. */
  ancestorChain: async (db: Executor, id: string): Promise<string[]> => {
    const { rows } = await sql<{ id: string }>`
      WITH RECURSIVE chain(id, parent_id, distance) AS (
        SELECT id, parent_id, 0 FROM organizations.orgs WHERE id = ${id}
        UNION ALL
        SELECT o.id, o.parent_id, c.distance + 1 FROM organizations.orgs o JOIN chain c ON o.id = c.parent_id WHERE c.distance < ${WALK_LIMIT}
      )
      SELECT id FROM chain ORDER BY distance`.execute(db);
    return rows.map((r) => r.id);
  },

  /** Levels of the live subtree under `id`, counting `id` itself (1 for a leaf). */
  subtreeHeight: async (db: Executor, id: string): Promise<number> => {
    const { rows } = await sql<{ height: number }>`
      WITH RECURSIVE sub(id, distance) AS (
        SELECT id, 0 FROM organizations.orgs WHERE id = ${id}
        UNION ALL
        SELECT o.id, s.distance + 1 FROM organizations.orgs o JOIN sub s ON o.parent_id = s.id
        WHERE o.deleted_at IS NULL AND s.distance < ${WALK_LIMIT}
      )
      SELECT (max(distance) + 1)::int AS height FROM sub`.execute(db);
    return rows[0]?.height ?? 1;
  },
};

/** Serializes the writes that can orphan an org or break the hierarchy (see the service). */
export async function lockHierarchy(db: Executor) {
  await sql`SELECT pg_advisory_xact_lock(hashtext('organizations.hierarchy'))`.execute(db);
}

/** The user's direct memberships on the walk from `orgId` up to its root. */
export async function chainMemberships(db: Executor, userId: string, orgId: string, opts: { includeDeleted?: boolean } = {}) {
  const { rows } = await sql<{ org_id: string; role: OrgRole; distance: number }>`
    WITH RECURSIVE chain(id, parent_id, distance) AS (
      SELECT id, parent_id, 0 FROM organizations.orgs WHERE id = ${orgId} AND (${opts.includeDeleted ?? false} OR deleted_at IS NULL)
      UNION ALL
      SELECT o.id, o.parent_id, c.distance + 1 FROM organizations.orgs o JOIN chain c ON o.id = c.parent_id WHERE c.distance < ${WALK_LIMIT}
    )
    SELECT m.org_id, m.role, c.distance FROM chain c
    JOIN organizations.memberships m ON m.org_id = c.id AND m.user_id = ${userId}`.execute(db);
  return rows.map((r) => ({ orgId: r.org_id, role: r.role, distance: Number(r.distance) }));
}

export interface ReachedOrg {
  org_id: string;
  role: OrgRole;
  source_org_id: string;
  distance: number;
}

/**
 * Every live org the user has a role in: their direct memberships and everything below
 * them, each with the role of the nearest membership above it. Keyset by org id.
 */
export async function reachableOrgs(db: Executor, userId: string, page?: { after?: string; limit: number }) {
  const { rows } = await sql<ReachedOrg>`
    WITH RECURSIVE reach(org_id, role, source_org_id, distance) AS (
      SELECT m.org_id, m.role, m.org_id, 0
      FROM organizations.memberships m JOIN organizations.orgs o ON o.id = m.org_id AND o.deleted_at IS NULL
      WHERE m.user_id = ${userId}
      UNION ALL
      SELECT c.id, r.role, r.source_org_id, r.distance + 1
      FROM reach r JOIN organizations.orgs c ON c.parent_id = r.org_id AND c.deleted_at IS NULL
      WHERE r.distance < ${WALK_LIMIT}
    ),
    nearest AS (SELECT DISTINCT ON (org_id) org_id, role, source_org_id, distance FROM reach ORDER BY org_id, distance)
    SELECT * FROM nearest
    WHERE ${page?.after ?? null}::uuid IS NULL OR org_id > ${page?.after ?? null}::uuid
    ORDER BY org_id
    LIMIT ${page ? page.limit + 1 : null}`.execute(db);
  return rows.map((r) => ({ ...r, distance: Number(r.distance) }));
}

export interface EffectiveMemberRow {
  user_id: string;
  email: string;
  role: OrgRole;
  source_org_id: string;
  joined_at: Date;
}

/** Everyone with an effective role in a live org, nearest membership first. Keyset by user id. */
export async function effectiveMembers(db: Executor, orgId: string, page?: { after?: string; limit: number }) {
  const { rows } = await sql<EffectiveMemberRow>`
    WITH RECURSIVE chain(id, parent_id, distance) AS (
      SELECT id, parent_id, 0 FROM organizations.orgs WHERE id = ${orgId} AND deleted_at IS NULL
      UNION ALL
      SELECT o.id, o.parent_id, c.distance + 1 FROM organizations.orgs o JOIN chain c ON o.id = c.parent_id WHERE c.distance < ${WALK_LIMIT}
    ),
    nearest AS (
      SELECT DISTINCT ON (m.user_id) m.user_id, m.email, m.role, c.id AS source_org_id, m.created_at AS joined_at
      FROM chain c JOIN organizations.memberships m ON m.org_id = c.id
      ORDER BY m.user_id, c.distance
    )
    SELECT * FROM nearest
    WHERE ${page?.after ?? null}::uuid IS NULL OR user_id > ${page?.after ?? null}::uuid
    ORDER BY user_id
    LIMIT ${page ? page.limit + 1 : null}`.execute(db);
  return rows;
}

/**
 * Effective owners of each live org in the subtree of `rootId` (itself included): what the
 * last-owner rule looks at after a change, since orgs below inherit their owners.
 */
export async function ownerCounts(db: Executor, rootId: string) {
  const { rows } = await sql<{ org_id: string; owners: number }>`
    WITH RECURSIVE sub(id, distance) AS (
      SELECT id, 0 FROM organizations.orgs WHERE id = ${rootId} AND deleted_at IS NULL
      UNION ALL
      SELECT o.id, s.distance + 1 FROM organizations.orgs o JOIN sub s ON o.parent_id = s.id
      WHERE o.deleted_at IS NULL AND s.distance < ${WALK_LIMIT}
    ),
    up(org_id, ancestor_id, distance) AS (
      SELECT id, id, 0 FROM sub
      UNION ALL
      SELECT u.org_id, o.parent_id, u.distance + 1 FROM up u JOIN organizations.orgs o ON o.id = u.ancestor_id
      WHERE o.parent_id IS NOT NULL AND u.distance < ${WALK_LIMIT}
    ),
    nearest AS (
      SELECT DISTINCT ON (u.org_id, m.user_id) u.org_id, m.role
      FROM up u JOIN organizations.memberships m ON m.org_id = u.ancestor_id
      ORDER BY u.org_id, m.user_id, u.distance
    )
    SELECT s.id AS org_id, (count(n.role) FILTER (WHERE n.role = 'owner'))::int AS owners
    FROM sub s LEFT JOIN nearest n ON n.org_id = s.id
    GROUP BY s.id`.execute(db);
  return rows.map((r) => ({ orgId: r.org_id, owners: Number(r.owners) }));
}
