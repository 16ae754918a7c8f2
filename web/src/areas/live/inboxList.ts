// The inbox's list as events change it: a notification arriving from the stream goes on top
// (once: a resumed stream may replay one already listed), a read one is marked in place.
import type { Notification } from '../../api/live';

export function arrived(list: Notification[], n: Notification): Notification[] {
  if (list.some((x) => x.id === n.id)) return list;
  return [n, ...list];
}

export function markedRead(list: Notification[], read: { ids?: string[]; all?: boolean }, at = new Date().toISOString()): Notification[] {
  return list.map((n) => (!n.read && (read.all || read.ids?.includes(n.id)) ? { ...n, read: true, readAt: at } : n));
}
