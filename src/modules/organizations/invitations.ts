// Invitations: an admin invites an address with a role; a mail carries a single-use link
// (7 days); the signed-in user with that address accepts it. Decision 0005, as auth does
// it: the token is HMAC(server key, event id) of `organizations.invitation_sent`, so the
// subscriber that mails it recomputes the very same token on a redelivery. Here the hash is
// stored with the invitation when it is created (publish returns the event id inside the
// transaction), so the invitation is complete the moment it commits and the outbox never
// holds the secret.
import type { Static } from 'typebox';
import { uuidv7 } from 'uuidv7';
import type { Actor } from '../../core/context/actor.ts';
import type { Executor } from '../../core/db/database.ts';
import { CoreProblems } from '../../core/errors.ts';
import { subscriber } from '../../core/events/types.ts';
import { decodeCursor, isUuidKey, toPage } from '../../core/http/pagination.ts';
import type { CoreDeps } from '../../core/module.ts';
import { hashToken } from '../../core/security/random.ts';
import { type Access, orgNotFound } from './access.ts';
import { invitationMail } from './mail.ts';
import { invitations, memberships } from './membership-repository.ts';
import { OrgProblems } from './problems.ts';
import { type InvitationRow, lockHierarchy, orgs, ownerCounts } from './repository.ts';
import { checkOwnersRemain, type OrgRole } from './rules.ts';
import type { Invitation } from './schemas.ts';
import { toOrganizationView } from './service.ts';

export const INVITATION_TTL_DAYS = 7;
const TOKEN_LABEL = 'org-invitation';

const normalizeEmail = (email: string) => email.trim().toLowerCase();

const toInvitation = (r: InvitationRow): Static<typeof Invitation> => ({
  id: r.id,
  orgId: r.org_id,
  email: r.email,
  role: r.role,
  invitedBy: r.invited_by,
  createdAt: r.created_at.toISOString(),
  expiresAt: r.expires_at.toISOString(),
});

/** 400 naming the token field; `message` is the field's message and the problem's detail both. */
type TokenProblem = (typeof OrgProblems)['invitationInvalid' | 'invitationRevoked' | 'invitationUsed' | 'invitationExpired'];
const tokenError = (problem: TokenProblem, message: string) => problem.error(message, { errors: [{ field: 'body.token', message }] });

const ownerOnly = () => CoreProblems.forbidden.error('Only an owner can invite an owner');

export function createInvitationsService(core: CoreDeps, access: Access) {
  const { db, events, clock, secrets, mailer, config, log } = core;
  const pending = (r: InvitationRow, now: Date) => !r.accepted_at && !r.revoked_at && r.expires_at > now;

  async function invite(actor: Actor, orgId: string, input: { email: string; role: OrgRole }) {
    const { principal } = actor;
    const actorRole = await access.assertRole(principal, orgId, 'admin');
    if (input.role === 'owner' && actorRole !== 'owner') throw ownerOnly();
    const email = normalizeEmail(input.email);
    const row = await db.transaction().execute(async (tx) => {
      if (!(await orgs.live(tx, orgId))) throw orgNotFound();
      if (await memberships.byEmail(tx, orgId, email)) throw OrgProblems.alreadyMember.error('This address already belongs to a member');
      const now = clock.now();
      await invitations.revokePendingFor(tx, orgId, email, now);
      const id = uuidv7();
      const eventId = await events.publish(
        tx,
        'organizations.invitation_sent',
        { invitationId: id, orgId, email, role: input.role, invitedBy: principal.userId },
        { actor, orgId },
      );
      return invitations.insert(tx, {
        id,
        org_id: orgId,
        email,
        role: input.role,
        token_hash: hashToken(secrets.mac(TOKEN_LABEL, eventId)),
        invited_by: principal.userId,
        inviter_email: principal.email,
        expires_at: new Date(now.getTime() + INVITATION_TTL_DAYS * 86_400_000),
      });
    });
    return toInvitation(row);
  }

  async function listPending(actor: Actor, orgId: string, page: { cursor?: string; limit: number }) {
    const { principal } = actor;
    await access.assertRole(principal, orgId, 'admin');
    const after = decodeCursor(page.cursor, isUuidKey);
    const rows = await invitations.listPending(db, orgId, clock.now(), { after: after ? String(after[0]) : undefined, limit: page.limit });
    const p = toPage(rows, page.limit, (r) => [r.id]);
    return { data: p.data.map(toInvitation), page: p.page };
  }

  async function revoke(actor: Actor, orgId: string, id: string) {
    const { principal } = actor;
    const actorRole = await access.assertRole(principal, orgId, 'admin');
    await db.transaction().execute(async (tx) => {
      const row = await invitations.byId(tx, orgId, id);
      if (!row || !pending(row, clock.now())) throw OrgProblems.invitationNotFound.error('Invitation not found');
      if (row.role === 'owner' && actorRole !== 'owner') throw CoreProblems.forbidden.error('Only an owner can revoke an invitation to the owner role');
      await invitations.revoke(tx, orgId, id, clock.now());
      await events.publish(tx, 'organizations.invitation_revoked', { invitationId: id, orgId }, { actor, orgId });
    });
  }

  /** The signed-in user joins with the invited role; the token works once, for 7 days. */
  async function accept(actor: Actor, token: string) {
    const { principal } = actor;
    return access.write(async (tx, evict) => {
      await lockHierarchy(tx);
      const row = await invitations.lockByTokenHash(tx, hashToken(token));
      const org = row && (await orgs.live(tx, row.org_id));
      if (!row || !org) throw tokenError(OrgProblems.invitationInvalid, 'is not a valid invitation token');
      if (row.revoked_at) throw tokenError(OrgProblems.invitationRevoked, 'belongs to an invitation that was revoked');
      if (row.accepted_at) throw tokenError(OrgProblems.invitationUsed, 'was already used');
      if (row.expires_at <= clock.now()) throw tokenError(OrgProblems.invitationExpired, 'has expired: ask for a new invitation');
      if (normalizeEmail(principal.email) !== row.email) {
        throw OrgProblems.invitationEmailMismatch.error('This invitation was sent to another email address');
      }
      const added = await memberships.insert(tx, { org_id: row.org_id, user_id: principal.userId, email: normalizeEmail(principal.email), role: row.role });
      if (!added) throw OrgProblems.alreadyMember.error('You are already a member of this organization');
      // Joining with a narrower role than one inherited here overrides it: that must not
      // take away the org's (or a child's) only owner.
      checkOwnersRemain(await ownerCounts(tx, row.org_id));
      await invitations.markAccepted(tx, row.org_id, row.id, principal.userId, clock.now());
      const m = { actor, orgId: row.org_id };
      await events.publish(tx, 'organizations.invitation_accepted', { invitationId: row.id, orgId: row.org_id, userId: principal.userId, role: row.role }, m);
      await events.publish(tx, 'organizations.member_added', { orgId: row.org_id, userId: principal.userId, role: row.role, via: 'invitation' }, m);
      evict({ user: principal.userId });
      return { ...toOrganizationView(org), role: row.role, inherited: false };
    });
  }

  /** Mails the invitation after the request committed (never inside it). */
  async function send(db: Executor, eventId: string, invitationId: string, orgId: string) {
    const row = await invitations.byId(db, orgId, invitationId);
    const org = await orgs.live(db, orgId);
    if (!row || !org || !pending(row, clock.now())) return;
    const token = secrets.mac(TOKEN_LABEL, eventId);
    if (hashToken(token) !== row.token_hash) {
      // The server key changed since the invitation was made: its link could never work.
      log.warn({ invitationId }, 'invitation token does not match its hash; not mailed');
      return;
    }
    const link = `${config.publicUrl.replace(/\/$/, '')}/invitations/accept?token=${encodeURIComponent(token)}`;
    const mail = invitationMail({ inviterName: row.inviter_email, orgName: org.name, link });
    await mailer.send({ to: row.email, ...mail, idempotencyKey: `${eventId}-invitation` });
  }

  const subscribers = [
    subscriber('organizations.send_invitation', 'organizations.invitation_sent', (e, ctx) => send(ctx.db, e.id, e.payload.invitationId, e.payload.orgId)),
  ];

  return { invite, listPending, revoke, accept, subscribers };
}

export type InvitationsService = ReturnType<typeof createInvitationsService>;
