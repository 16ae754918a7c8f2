// Stream tickets: browsers' EventSource cannot send an Authorization header, so a signed-in
// client trades its credentials for a ticket (POST /stream/tickets) and puts that in the
// stream URL. A ticket is random, stored only as its SHA-256, works once and for 60 s, so
// one that ends up in a proxy's access log is already spent or about to expire.
import type { Principal } from '../../../core/http/principal.ts';
import type { CoreDeps } from '../../../core/module.ts';
import { hashToken, randomToken } from '../../../core/security/random.ts';
import { streamTickets } from '../repository.ts';

export const TICKET_TTL_SECONDS = 60;

/** Who a redeemed ticket stands for: the user, and the session or key to close the stream with. */
export interface StreamIdentity {
  userId: string;
  sessionId: string | null;
  apiKeyId: string | null;
}

export function createStreamTickets(core: Pick<CoreDeps, 'db' | 'clock'>) {
  const { db, clock } = core;

  async function issue(principal: Principal): Promise<{ ticket: string; expiresIn: number }> {
    const ticket = randomToken();
    const now = clock.now();
    await streamTickets.insert(db, {
      token_hash: hashToken(ticket),
      user_id: principal.userId,
      session_id: principal.sessionId,
      api_key_id: principal.apiKeyId,
      expires_at: new Date(now.getTime() + TICKET_TTL_SECONDS * 1000),
    });
    // Spent and expired tickets are worthless; an hour's grace keeps this a cheap range delete.
    await streamTickets.deleteExpired(db, new Date(now.getTime() - 3_600_000));
    return { ticket, expiresIn: TICKET_TTL_SECONDS };
  }

  async function redeem(ticket: string): Promise<StreamIdentity | null> {
    const row = await streamTickets.redeem(db, hashToken(ticket), clock.now());
    return row ? { userId: row.user_id, sessionId: row.session_id, apiKeyId: row.api_key_id } : null;
  }

  return { issue, redeem };
}

export type StreamTickets = ReturnType<typeof createStreamTickets>;
