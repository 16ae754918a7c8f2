// Preferences as pure functions: stored switches merged over the catalog's defaults, and
// a patch merged into the stored switches. Stored data is read defensively: a type or
// channel removed from the catalog since it was saved is ignored, never an error.
import { invalid } from '../../core/errors.ts';
import { CATALOG, CHANNELS, type Channel, type ChannelSwitches, isChannel, isNotificationType, NOTIFICATION_TYPES, type NotificationType } from './catalog.ts';
import { NotificationProblems } from './problems.ts';

/** What a user chose explicitly: type -> channel -> on/off. */
export type StoredSwitches = Partial<Record<NotificationType, Partial<ChannelSwitches>>>;
export type EffectiveSwitches = Record<NotificationType, ChannelSwitches>;

export interface PreferencesPatch {
  types?: Partial<Record<string, Partial<Record<string, boolean>>>>;
  /** A number sets it, null removes it, absent keeps it. */
  phoneNumber?: string | null;
}

export const defaultSwitches = (): EffectiveSwitches =>
  Object.fromEntries(NOTIFICATION_TYPES.map((t) => [t, { ...CATALOG[t].defaults }])) as EffectiveSwitches;

export function effectiveSwitches(stored: unknown): EffectiveSwitches {
  const result = defaultSwitches();
  if (!stored || typeof stored !== 'object') return result;
  for (const [type, channels] of Object.entries(stored as Record<string, unknown>)) {
    if (!isNotificationType(type) || !channels || typeof channels !== 'object') continue;
    for (const [channel, value] of Object.entries(channels as Record<string, unknown>)) {
      if (isChannel(channel) && typeof value === 'boolean') result[type][channel] = value;
    }
  }
  return result;
}

/**
 * Merges a patch into the stored switches. Unknown names are refused here as well as by the
 * route schema: the service is the rule's owner, whichever door the call came through.
 */
export function mergeSwitches(stored: unknown, patch: PreferencesPatch['types']): StoredSwitches {
  const next: StoredSwitches = {};
  const set = (type: NotificationType, channel: Channel, value: boolean) => {
    next[type] = { ...next[type], [channel]: value };
  };
  // Keep only valid stored entries, then lay the patch over them.
  for (const [type, channels] of Object.entries((stored ?? {}) as Record<string, Record<string, unknown>>)) {
    if (!isNotificationType(type) || !channels || typeof channels !== 'object') continue;
    for (const [channel, value] of Object.entries(channels)) {
      if (isChannel(channel) && typeof value === 'boolean') set(type, channel, value);
    }
  }
  for (const [type, channels] of Object.entries(patch ?? {})) {
    if (!isNotificationType(type)) throw invalid(`body.types.${type}`, `is not a notification type (one of ${NOTIFICATION_TYPES.join(', ')})`);
    for (const [channel, value] of Object.entries(channels ?? {})) {
      if (!isChannel(channel)) throw invalid(`body.types.${type}.${channel}`, `is not a channel (one of ${CHANNELS.join(', ')})`);
      if (typeof value !== 'boolean') throw invalid(`body.types.${type}.${channel}`, 'must be boolean');
      set(type, channel, value);
    }
  }
  return next;
}

/** SMS needs a number: an SMS switch turned on without one is refused. */
export function checkSmsNeedsPhone(switches: EffectiveSwitches, phoneNumber: string | null): void {
  if (phoneNumber) return;
  const wanting = NOTIFICATION_TYPES.filter((t) => switches[t].sms);
  if (wanting.length) {
    throw NotificationProblems.phoneRequired.error('Add a phone number before turning SMS on', {
      errors: [{ field: 'body.phoneNumber', message: `is required while SMS is on for ${wanting.join(', ')}` }],
    });
  }
}
