// The inbox as the realtime stream changes it: a notification arriving goes on top and is
// announced (once, though a resumed stream replays it), a read in another tab marks it here, and
// marking read asks the API and updates the list.
import { act, cleanup, render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { MemoryRouter } from 'react-router';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { LiveEvents, Notification } from '../../api/live';

// A stand-in for the stream: the test emits what the server would send.
const handlers = vi.hoisted(() => new Map<string, Set<(data: unknown) => void>>());
vi.mock('../../api/live', () => ({
  live: {
    on(kind: string, fn: (data: unknown) => void) {
      if (!handlers.has(kind)) handlers.set(kind, new Set());
      handlers.get(kind)!.add(fn);
      return () => handlers.get(kind)!.delete(fn);
    },
  },
}));
function emit<K extends keyof LiveEvents>(kind: K, data: LiveEvents[K]) {
  act(() => {
    for (const fn of handlers.get(kind) ?? []) fn(data);
  });
}

import { Inbox } from './Inbox';

const note = (id: string, title: string, read = false): Notification => ({
  id,
  type: 'member_added',
  title,
  body: `${title}.`,
  orgId: null,
  data: { orgId: '00000000-0000-4000-8000-000000000001', orgName: 'Acme', role: 'member', via: 'invitation' },
  read,
  readAt: read ? '2026-12-01T10:00:00Z' : null,
  createdAt: '2026-12-01T09:00:00Z',
});

function serve(list: Notification[]) {
  const calls: Request[] = [];
  vi.stubGlobal('fetch', async (input: RequestInfo | URL, init?: RequestInit) => {
    const request = input instanceof Request ? input : new Request(input, init);
    calls.push(request);
    if (request.method === 'POST') return new Response(null, { status: 204 });
    const body = { data: list, page: { nextCursor: null }, unreadCount: list.filter((n) => !n.read).length };
    return new Response(JSON.stringify(body), { status: 200, headers: { 'content-type': 'application/json' } });
  });
  return calls;
}

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
  handlers.clear();
});

const items = () => within(screen.getByRole('list', { name: 'Notifications' })).queryAllByRole('listitem');

describe('the inbox', () => {
  it('puts a live arrival on top once, announces it, and marks reads from the stream', async () => {
    serve([note('n1', 'Older one', true)]);
    render(
      <MemoryRouter>
        <Inbox />
      </MemoryRouter>,
    );
    await screen.findByText('Older one');
    expect(screen.getByText('Nothing unread.')).toBeTruthy();

    const fresh = note('n2', 'You were added to Acme');
    emit('notification', fresh);
    expect(items().map((li) => li.querySelector('strong')?.textContent)).toEqual(['You were added to Acme', 'Older one']);
    expect(screen.getByText('New notification: You were added to Acme')).toBeTruthy();
    expect(screen.getByText('1 unread')).toBeTruthy();
    // A resumed stream replays what came after the last id it saw: never listed twice.
    emit('notification', fresh);
    expect(items()).toHaveLength(2);

    // Read in another tab: the stream says so.
    emit('notification.read', { ids: ['n2'] });
    expect(screen.getByText('Nothing unread.')).toBeTruthy();
    expect(screen.queryByRole('button', { name: /Mark read/ })).toBeNull();
  });

  it('marks one read, then all, through the API', async () => {
    const calls = serve([note('a', 'First'), note('b', 'Second')]);
    const user = userEvent.setup();
    render(
      <MemoryRouter>
        <Inbox />
      </MemoryRouter>,
    );
    await screen.findByText('2 unread');
    await user.click(screen.getByRole('button', { name: 'Mark read “First”' }));
    await screen.findByText('1 unread');
    expect(calls.some((c) => c.method === 'POST' && new URL(c.url).pathname === '/api/v1/notifications/a/read')).toBe(true);
    await user.click(screen.getByRole('button', { name: 'Mark all read' }));
    await screen.findByText('Nothing unread.');
    expect(calls.some((c) => c.method === 'POST' && new URL(c.url).pathname === '/api/v1/notifications/read-all')).toBe(true);
  });
});
