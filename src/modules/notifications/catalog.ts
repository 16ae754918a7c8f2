// The notification types, the channels, and what each type sends by default: the kinds the
// producing modules declared (core/notifications/kinds.ts, decision 0035), which this module
// only reads. Users store only the switches they change (preferences.ts merges them over these
// defaults).
import { CHANNELS, type Channel, type ChannelSwitches, type NotificationKind } from '../../core/notifications/kinds.ts';

export { CHANNELS, type Channel, type ChannelSwitches };

/** The part of a kind the catalog reads: no handler, no database. */
export type KindInfo = Pick<NotificationKind, 'type' | 'description' | 'defaults' | 'data'>;

export interface Catalog {
  /** Every type, sorted. */
  readonly types: readonly string[];
  /** The kinds in the order of `types`. */
  readonly kinds: readonly KindInfo[];
  has(type: string): boolean;
  /** A copy of the type's default switches. */
  defaults(type: string): ChannelSwitches;
  description(type: string): string;
}

export function createCatalog(kinds: readonly KindInfo[]): Catalog {
  const sorted = [...kinds].sort((a, b) => a.type.localeCompare(b.type));
  const byType = new Map(sorted.map((k) => [k.type, k]));
  const get = (type: string) => {
    const kind = byType.get(type);
    if (!kind) throw new Error(`unknown notification type "${type}"`);
    return kind;
  };
  return {
    types: sorted.map((k) => k.type),
    kinds: sorted,
    has: (type) => byType.has(type),
    defaults: (type) => ({ ...get(type).defaults }),
    description: (type) => get(type).description,
  };
}

export const isChannel = (value: string): value is Channel => (CHANNELS as readonly string[]).includes(value);
