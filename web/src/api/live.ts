// The realtime stream (GET /api/v1/stream, Server-Sent Events), one per signed-in page, shared by
// every part of the console that shows something live: notifications arriving, job progress.
// EventSource cannot send the Authorization header, so each connection opens with a single-use
// ticket (POST /stream/tickets). A ticket cannot be reused on EventSource's own reconnects, so a
// broken stream is closed and opened again with a new ticket, resuming after the last event seen.
import { api } from './client';
import { call } from './problem';
import type { components } from './schema';
import { session } from './session';

export type Notification = components['schemas']['Notification'];
export interface JobProgressEvent {
  jobId: string;
  name: string;
  status: components['schemas']['Job']['status'];
  progress: number;
  note: string | null;
}
export interface LiveEvents {
  notification: Notification;
  'notification.read': { ids?: string[]; all?: boolean };
  'job.progress': JobProgressEvent;
  resync: Record<string, never>;
}
type Kind = keyof LiveEvents;
type Listener<K extends Kind> = (data: LiveEvents[K]) => void;

const listeners: { [K in Kind]: Set<Listener<K>> } = { notification: new Set(), 'notification.read': new Set(), 'job.progress': new Set(), resync: new Set() };
let source: EventSource | null = null;
let lastEventId: string | undefined;
let retryTimer: ReturnType<typeof setTimeout> | undefined;
let opening = false;

function listenerCount() {
  return Object.values(listeners).reduce((n, set) => n + set.size, 0);
}

function close() {
  source?.close();
  source = null;
  clearTimeout(retryTimer);
}

async function open() {
  if (source || opening || session.get().status !== 'signed-in' || listenerCount() === 0) return;
  opening = true;
  try {
    const { ticket } = await call(api.POST('/stream/tickets'));
    const query = new URLSearchParams({ ticket, ...(lastEventId ? { lastEventId } : {}) });
    const stream = new EventSource(`/api/v1/stream?${query}`);
    source = stream;
    for (const kind of Object.keys(listeners) as Kind[]) {
      stream.addEventListener(kind, (event) => {
        const message = event as MessageEvent<string>;
        if (kind === 'notification' && message.lastEventId) lastEventId = message.lastEventId;
        const data = message.data ? JSON.parse(message.data) : {};
        for (const listener of listeners[kind]) (listener as Listener<typeof kind>)(data);
      });
    }
    stream.onerror = () => {
      // EventSource would retry with the used ticket and fail: take over, with a new ticket.
      if (source !== stream) return;
      close();
      retryTimer = setTimeout(() => void open(), 3000);
    };
  } catch {
    retryTimer = setTimeout(() => void open(), 5000);
  } finally {
    opening = false;
  }
}

session.subscribe(() => {
  if (session.get().status === 'signed-in') void open();
  else {
    close();
    lastEventId = undefined;
  }
});

export const live = {
  /** Calls `listener` for each event of `kind`; the stream is open while anyone listens. */
  on<K extends Kind>(kind: K, listener: Listener<K>): () => void {
    listeners[kind].add(listener);
    void open();
    return () => {
      listeners[kind].delete(listener);
      if (listenerCount() === 0) close();
    };
  },
  isOpen: () => source?.readyState === EventSource.OPEN,
};
