// The open Server-Sent Events streams of this instance. Each stream subscribes to the
// broker for its user, replays what the client missed (Last-Event-ID), sends a heartbeat
// comment so proxies and the idle timeout keep the connection, and ends on disconnect,
// on revocation of its session or key, when it falls too far behind, and at shutdown.
import { PassThrough, type Readable } from 'node:stream';
import type { Logger } from '../../../core/log/logger.ts';
import type { RealtimeBroker, RealtimeMessage } from '../../../core/realtime/types.ts';
import type { NotificationRow } from '../repository.ts';
import { notificationMessage } from '../views.ts';
import type { StreamIdentity } from './tickets.ts';

/** Notifications replayed at most on a resume; a client that missed more reloads its list. */
export const REPLAY_LIMIT = 100;
/** A client that lets this much pile up unread is closed; it resumes from its last id. */
const MAX_BUFFERED_BYTES = 1 << 20;
export const RETRY_MS = 3000;

export interface StreamHubOptions {
  realtime: RealtimeBroker;
  log: Logger;
  heartbeatMs: number;
  maxPerUser: number;
  /** In-app notifications of the user created after `afterId`, oldest first, at most limit + 1. */
  replay(userId: string, afterId: string, limit: number): Promise<NotificationRow[]>;
}

const clean = (s: string) => s.replace(/[\r\n]/g, '');

/** One SSE event. JSON never contains a raw line break, so `data` is always one line. */
export function formatEvent(m: RealtimeMessage): string {
  return `${m.id ? `id: ${clean(m.id)}\n` : ''}event: ${clean(m.event)}\ndata: ${JSON.stringify(m.data ?? null)}\n\n`;
}

/** `stream.close` names the sessions or the API key whose streams must end. */
function closes(identity: StreamIdentity, data: unknown): boolean {
  const d = (data ?? {}) as { sessionIds?: unknown; apiKeyId?: unknown };
  if (identity.sessionId && Array.isArray(d.sessionIds) && d.sessionIds.includes(identity.sessionId)) return true;
  return !!identity.apiKeyId && d.apiKeyId === identity.apiKeyId;
}

export function createStreamHub(opts: StreamHubOptions) {
  const { realtime, log } = opts;
  const open = new Set<() => void>();
  const perUser = new Map<string, number>();

  const count = (userId: string, delta: number) => {
    const n = (perUser.get(userId) ?? 0) + delta;
    if (n > 0) perUser.set(userId, n);
    else perUser.delete(userId);
  };

  const hasRoom = (userId: string) => (perUser.get(userId) ?? 0) < opts.maxPerUser;

  /**
   * Opens a stream. Live messages are subscribed to before the replay is read and held
   * until it is sent, so nothing falls between the two; one in both is sent once.
   * Throws (before anything is sent) when the replay cannot be read.
   */
  async function openStream(identity: StreamIdentity, lastEventId: string | undefined): Promise<Readable> {
    const out = new PassThrough();
    let closed = false;
    let held: RealtimeMessage[] | null = [];
    const replayed = new Set<string>();

    const write = (chunk: string) => {
      if (closed) return;
      out.write(chunk);
      if (out.writableLength > MAX_BUFFERED_BYTES) {
        log.info({ userId: identity.userId }, 'stream client too slow; closed (it resumes from its last event id)');
        close();
      }
    };
    const send = (m: RealtimeMessage) => write(formatEvent(m));

    const unsubscribe = realtime.subscribe(identity.userId, (m) => {
      if (m.event === 'stream.close') {
        if (closes(identity, m.data)) close();
        return;
      }
      if (held) held.push(m);
      else send(m);
    });
    const heartbeat = setInterval(() => write(': heartbeat\n\n'), opts.heartbeatMs);
    heartbeat.unref();

    function close() {
      if (closed) return;
      closed = true;
      clearInterval(heartbeat);
      unsubscribe();
      open.delete(close);
      count(identity.userId, -1);
      if (!out.destroyed) out.end();
    }
    open.add(close);
    count(identity.userId, 1);
    // The client went away: Fastify destroys the stream it was sending.
    out.on('close', close);

    write(`retry: ${RETRY_MS}\n: connected\n\n`);
    try {
      if (lastEventId) {
        const rows = await opts.replay(identity.userId, lastEventId, REPLAY_LIMIT);
        if (rows.length > REPLAY_LIMIT) {
          send({ event: 'resync', data: { reason: 'too_many_missed', limit: REPLAY_LIMIT } });
        } else {
          for (const row of rows) {
            replayed.add(row.id);
            send(notificationMessage(row));
          }
        }
      }
    } catch (err) {
      close();
      throw err;
    }
    const pending = held;
    held = null;
    for (const m of pending) if (!(m.id && replayed.has(m.id))) send(m);
    return out;
  }

  return {
    openStream,
    hasRoom,
    /** Ends every open stream (shutdown): clients reconnect to another instance and resume. */
    closeAll() {
      for (const close of [...open]) close();
    },
    get size() {
      return open.size;
    },
  };
}

export type StreamHub = ReturnType<typeof createStreamHub>;
