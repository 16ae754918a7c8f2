// Pushes small messages to a user's open realtime connections on whichever instance
// holds them: through Redis pub/sub when REDIS_URL is set, else PostgreSQL NOTIFY.
// Messages are transient; anything a client must not miss is also stored by its owner
// (notifications) and replayed from there on reconnect (`Last-Event-ID`).
import type { Executor } from '../db/database.ts';

export interface RealtimeMessage {
  /** SSE `event:` name, e.g. `notification`, `job.progress`. */
  event: string;
  /** SSE `id:`; set for messages a client can resume from (stored ones). */
  id?: string;
  data: unknown;
}

export interface RealtimeBroker {
  /** Delivers to every connection of the user, on every instance. */
  publish(userId: string, message: RealtimeMessage): Promise<void>;
  /**
   * Publishes inside the caller's transaction (PostgreSQL NOTIFY, sent at commit, never on
   * rollback). For event subscribers: they run in their delivery transaction, and the message
   * must not go out for a delivery that rolls back (and be sent again on its retry).
   */
  publishWithin(db: Executor, userId: string, message: RealtimeMessage): Promise<void>;
  /** Local connections register here; returns the unsubscribe function. */
  subscribe(userId: string, onMessage: (message: RealtimeMessage) => void): () => void;
  start(): Promise<void>;
  stop(): Promise<void>;
}
