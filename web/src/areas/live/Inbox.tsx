// In-app notifications: unread first, then newest. New ones arrive through the realtime stream
// and are announced; marking read here (or in another tab) updates the list and the header.
import { useCallback, useEffect, useState } from 'react';
import { api } from '../../api/client';
import { live, type Notification } from '../../api/live';
import { call, type Problem, ProblemError, toProblem } from '../../api/problem';
import { Page } from '../../ui/Page';
import { ProblemAlert } from '../../ui/ProblemAlert';
import { useAction } from '../../ui/useAction';
import { arrived, markedRead } from './inboxList';
import { refreshUnread } from './unread';

const PAGE = 30;

export function Inbox() {
  const [list, setList] = useState<Notification[] | undefined>(undefined);
  const [cursor, setCursor] = useState<string | null>(null);
  const [problem, setProblem] = useState<Problem | null>(null);
  const [announce, setAnnounce] = useState('');

  const load = useCallback(async (after?: string) => {
    try {
      const page = await call(api.GET('/notifications', { params: { query: { limit: PAGE, ...(after ? { cursor: after } : {}) } } }));
      setList((now) => (after && now ? [...now, ...page.data.filter((n) => !now.some((x) => x.id === n.id))] : page.data));
      setCursor(page.page.nextCursor ?? null);
      setProblem(null);
    } catch (err) {
      setProblem(err instanceof ProblemError ? err.problem : toProblem(err));
    }
  }, []);

  useEffect(() => {
    void load();
    const offs = [
      live.on('notification', (n) => {
        setList((now) => (now ? arrived(now, n) : now));
        setAnnounce(`New notification: ${n.title}`);
      }),
      live.on('notification.read', (read) => setList((now) => (now ? markedRead(now, read) : now))),
      live.on('resync', () => void load()),
    ];
    return () => {
      for (const off of offs) off();
    };
  }, [load]);

  const markRead = useAction(async (id: string) => {
    await call(api.POST('/notifications/{id}/read', { params: { path: { id } } }));
    setList((now) => (now ? markedRead(now, { ids: [id] }) : now));
    void refreshUnread();
  });
  const markAll = useAction(async () => {
    await call(api.POST('/notifications/read-all'));
    setList((now) => (now ? markedRead(now, { all: true }) : now));
    void refreshUnread();
  });

  const unread = list?.filter((n) => !n.read).length ?? 0;
  return (
    <Page title="Inbox">
      <p role="status" className="visually-hidden">
        {announce}
      </p>
      <ProblemAlert problem={problem ?? markRead.problem ?? markAll.problem} />
      {!list && !problem && <p role="status">Loading…</p>}
      {list && (
        <div className="inbox-head">
          <p className="meta">{unread === 0 ? 'Nothing unread.' : `${unread} unread`}</p>
          {unread > 0 && (
            <button type="button" onClick={() => markAll.start()} disabled={markAll.pending}>
              Mark all read
            </button>
          )}
        </div>
      )}
      {list?.length === 0 && <p>No notifications yet. They arrive here as they happen, without reloading.</p>}
      <ul className="list" aria-label="Notifications">
        {list?.map((n) => (
          <li key={n.id} className={n.read ? 'read' : 'unread'}>
            <div>
              <strong>{n.title}</strong>
              {!n.read && <span className="tag">New</span>}
              <p className="body">{n.body}</p>
              <div className="meta">{new Date(n.createdAt).toLocaleString()}</div>
            </div>
            {!n.read && (
              <button type="button" onClick={() => markRead.start(n.id)} disabled={markRead.pending}>
                Mark read<span className="visually-hidden"> “{n.title}”</span>
              </button>
            )}
          </li>
        ))}
      </ul>
      {cursor && (
        <p>
          <button type="button" onClick={() => void load(cursor)}>
            Show older notifications
          </button>
        </p>
      )}
    </Page>
  );
}
