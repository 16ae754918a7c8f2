// Preferences as pure functions of the catalog: stored switches merged over the declared
// defaults, and a patch merged into the stored switches. Stored data is read defensively: a
// type or channel no module declares any more since it was saved is ignored, never an error.
import { invalid } from '../../core/errors.ts';
import { CHANNELS, type Catalog, type Channel, type ChannelSwitches, isChannel } from './catalog.ts';
import { NotificationProblems } from './problems.ts';

/** What a user chose explicitly: type -> channel -> on/off. */
export type StoredSwitches = Record<string, Partial<ChannelSwitches>>;
export type EffectiveSwitches = Record<string, ChannelSwitches>;

export interface PreferencesPatch {
  types?: Partial<Record<string, Partial<Record<string, boolean>>>>;
  /** A number sets it, null removes it, absent keeps it. */
  phoneNumber?: string | null;
}

export const defaultSwitches = (catalog: Catalog): EffectiveSwitches => Object.fromEntries(catalog.types.map((t) => [t, catalog.defaults(t)]));

export function effectiveSwitches(catalog: Catalog, stored: unknown): EffectiveSwitches {
  const result = defaultSwitches(catalog);
  if (!stored || typeof stored !== 'object') return result;
  for (const [type, channels] of Object.entries(stored as Record<string, unknown>)) {
    if (!catalog.has(type) || !channels || typeof channels !== 'object') continue;
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
export function mergeSwitches(catalog: Catalog, stored: unknown, patch: PreferencesPatch['types']): StoredSwitches {
  const next: StoredSwitches = {};
  const set = (type: string, channel: Channel, value: boolean) => {
    next[type] = { ...next[type], [channel]: value };
  };
  // Keep only valid stored entries, then lay the patch over them.
  for (const [type, channels] of Object.entries((stored ?? {}) as Record<string, Record<string, unknown>>)) {
    if (!catalog.has(type) || !channels || typeof channels !== 'object') continue;
    for (const [channel, value] of Object.entries(channels)) {
      if (isChannel(channel) && typeof value === 'boolean') set(type, channel, value);
    }
  }
  for (const [type, channels] of Object.entries(patch ?? {})) {
    if (!catalog.has(type)) throw invalid(`body.types.${type}`, `is not a notification type (one of ${catalog.types.join(', ')})`);
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
  const wanting = Object.keys(switches).filter((t) => switches[t].sms);
  if (wanting.length) {
    throw NotificationProblems.phoneRequired.error('Add a phone number before turning SMS on', {
      errors: [{ field: 'body.phoneNumber', message: `is required while SMS is on for ${wanting.join(', ')}` }],
    });
  }
}
