// The in-app inbox (list, unread count, mark read) and the preferences of the caller.
import { invalid } from '../../core/errors.ts';
import { decodeCursor, encodeCursor } from '../../core/http/pagination.ts';
import type { Principal } from '../../core/http/principal.ts';
import type { CoreDeps } from '../../core/module.ts';
import type { Catalog } from './catalog.ts';
import { NotificationProblems } from './problems.ts';
import { checkSmsNeedsPhone, defaultSwitches, effectiveSwitches, mergeSwitches, type PreferencesPatch } from './preferences.ts';
import { type ListKey, notifications, preferences } from './repository.ts';
import { toView } from './views.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const isListKey = (key: unknown[]): boolean => key.length === 2 && typeof key[0] === 'boolean' && typeof key[1] === 'string' && UUID.test(key[1]);

export function createNotificationsService(core: Pick<CoreDeps, 'db' | 'clock' | 'events' | 'realtime'>, catalog: Catalog) {
  const { db, clock, events, realtime } = core;

  async function list(principal: Principal, query: { cursor?: string; limit: number; unread?: boolean }) {
    const after = decodeCursor(query.cursor, isListKey) as ListKey | null;
    const rows = await notifications.list(db, principal.userId, { unreadOnly: query.unread === true, after: after ?? undefined, limit: query.limit });
    const data = rows.slice(0, query.limit);
    const last = data[data.length - 1];
    const nextCursor = rows.length > query.limit ? encodeCursor([last.read_at === null, last.id]) : null;
    return { data: data.map(toView), page: { nextCursor, limit: query.limit }, unreadCount: await notifications.unreadCount(db, principal.userId) };
  }

  /** Idempotent: reading a read notification again is fine. Another user's id is 404. */
  async function markRead(principal: Principal, id: string) {
    const found = await notifications.markRead(db, principal.userId, id, clock.now());
    if (!found) throw NotificationProblems.notFound.error('Notification not found');
    // Other tabs and devices of the user update their badge.
    await realtime.publish(principal.userId, { event: 'notification.read', data: { ids: [id] } });
  }

  async function markAllRead(principal: Principal) {
    const count = await notifications.markAllRead(db, principal.userId, clock.now());
    if (count > 0) await realtime.publish(principal.userId, { event: 'notification.read', data: { all: true } });
  }

  async function getPreferences(principal: Principal) {
    const row = await preferences.get(db, principal.userId);
    return { types: effectiveSwitches(catalog, row?.switches), defaults: defaultSwitches(catalog), phoneNumber: row?.phone_number ?? null };
  }

  async function updatePreferences(principal: Principal, patch: PreferencesPatch) {
    const userId = principal.userId;
    if (patch.phoneNumber !== undefined && patch.phoneNumber !== null && !/^\+[1-9][0-9]{6,14}$/.test(patch.phoneNumber)) {
      throw invalid('body.phoneNumber', 'must be an E.164 number, e.g. +41791234567');
    }
    await db.transaction().execute(async (tx) => {
      const current = await preferences.lock(tx, userId);
      const switches = mergeSwitches(catalog, current?.switches, patch.types);
      const phone = patch.phoneNumber === undefined ? (current?.phone_number ?? null) : patch.phoneNumber;
      checkSmsNeedsPhone(effectiveSwitches(catalog, switches), phone);
      await preferences.upsert(tx, { user_id: userId, switches, phone_number: phone });
      await events.publish(tx, 'notifications.preferences_updated', {
        userId,
        types: Object.keys(patch.types ?? {}).filter((t) => catalog.has(t)),
        phoneNumberChanged: phone !== (current?.phone_number ?? null),
      });
    });
    return getPreferences(principal);
  }

  return { list, markRead, markAllRead, getPreferences, updatePreferences };
}

export type NotificationsService = ReturnType<typeof createNotificationsService>;
