// A notification as clients see it, in lists and on the stream.
import type { Static } from 'typebox';
import type { RealtimeMessage } from '../../core/realtime/types.ts';
import type { NotificationRow } from './repository.ts';
import type { NotificationSchemas } from './schemas.ts';

export type NotificationView = Static<NotificationSchemas['Notification']>;

export function toView(row: NotificationRow): NotificationView {
  return {
    id: row.id,
    type: row.type,
    title: row.title,
    body: row.body,
    orgId: row.org_id,
    data: typeof row.data === 'string' ? JSON.parse(row.data) : (row.data ?? {}),
    read: row.read_at !== null,
    readAt: row.read_at ? new Date(row.read_at).toISOString() : null,
    createdAt: new Date(row.created_at).toISOString(),
  };
}

/** The stream's `notification` event: its SSE id is the notification id, so a client resumes from it. */
export const notificationMessage = (row: NotificationRow): RealtimeMessage => ({ event: 'notification', id: row.id, data: toView(row) });
