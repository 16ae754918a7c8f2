// Read-only share links of a conversation, made and revoked by its owner. Opening one needs no
// credentials: the conversation's branch shown by default, as it is now, in the export's JSON
// shape. A link works while it is signed, unexpired and unrevoked, its conversation exists, and
// its creator is still a member of the org; anything else is the same 404, so a token says
// nothing about why it stopped working.
import { uuidv7 } from 'uuidv7';
import type { Actor } from '../../core/context/actor.ts';
import type { Executor } from '../../core/db/database.ts';
import type { EventPublisher } from '../../core/events/types.ts';
import { API_PREFIX } from '../../core/http/server.ts';
import type { Clock } from '../../core/module.ts';
import type { OrganizationsApi } from '../organizations/index.ts';
import type { Conversations } from './conversations.ts';
import { type Transcript, transcriptOf } from './export.ts';
import { ChatProblems } from './problems.ts';
import { conversations, messages, type ShareRow, shares } from './repository.ts';
import type { ShareLinks } from '../../core/security/share-links.ts';

const DEFAULT_SHARE_HOURS = 24 * 7;

export interface SharesDeps {
  db: Executor;
  events: EventPublisher;
  clock: Clock;
  orgs: OrganizationsApi;
  conversations: Conversations;
  links: ShareLinks;
}

export function createShares(deps: SharesDeps) {
  const { db, events, clock, orgs, links } = deps;
  const { mine } = deps.conversations;

  /** The token is signed again, not stored: the same share and expiry always sign to the same token. */
  function view(row: ShareRow) {
    const token = links.sign(row.id, row.expires_at);
    return {
      id: row.id,
      conversationId: row.conversation_id,
      token,
      url: `${API_PREFIX}/shared-conversations/${token}`,
      expiresAt: row.expires_at.toISOString(),
      revokedAt: row.revoked_at?.toISOString() ?? null,
      createdAt: row.created_at.toISOString(),
    };
  }

  async function create(actor: Actor, orgId: string, conversationId: string, input: { expiresInHours?: number }) {
    await mine(actor, orgId, conversationId);
    const now = clock.now();
    // To the second: the token carries whole seconds.
    const expiresAt = new Date(Math.floor(now.getTime() / 1000) * 1000 + (input.expiresInHours ?? DEFAULT_SHARE_HOURS) * 3_600_000);
    const row: ShareRow = { id: uuidv7(), org_id: orgId, conversation_id: conversationId, created_by: actor.principal.userId, expires_at: expiresAt, revoked_at: null, created_at: now };
    await db.transaction().execute(async (tx) => {
      await shares.insert(tx, row);
      await events.publish(tx, 'chat.conversation_shared', { orgId, conversationId, shareId: row.id, expiresAt: expiresAt.toISOString() }, { actor, orgId });
    });
    return view(row);
  }

  async function list(actor: Actor, orgId: string, conversationId: string) {
    await mine(actor, orgId, conversationId);
    return { data: (await shares.list(db, orgId, conversationId)).map(view) };
  }

  async function revoke(actor: Actor, orgId: string, conversationId: string, shareId: string): Promise<void> {
    await mine(actor, orgId, conversationId);
    await db.transaction().execute(async (tx) => {
      if (!(await shares.revoke(tx, orgId, conversationId, shareId, clock.now()))) throw ChatProblems.shareNotFound.error('Share link not found');
      await events.publish(tx, 'chat.share_revoked', { orgId, conversationId, shareId }, { actor, orgId });
    });
  }

  /** The conversation behind a token, as it is now. */
  async function open(token: string): Promise<Transcript> {
    const gone = () => ChatProblems.shareNotFound.error('This share link does not work');
    const now = clock.now();
    const signed = links.verify(token, now);
    if (!signed) throw gone();
    const share = await shares.byId(db, signed.shareId);
    if (!share || share.revoked_at || share.expires_at.getTime() !== signed.expiresAt.getTime() || share.expires_at <= now) throw gone();
    if (!(await orgs.roleOf(share.created_by, share.org_id))) throw gone();
    // Still the creator's: a conversation is never handed to another owner, but the check costs nothing.
    const conv = await conversations.mine(db, share.org_id, share.created_by, share.conversation_id);
    if (!conv) throw gone();
    return transcriptOf(conv, await messages.all(db, conv.id), null, now);
  }

  return { create, list, revoke, open };
}

export type Shares = ReturnType<typeof createShares>;
