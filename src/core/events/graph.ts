// Who reacts to what: every declared event with its producer and its consumers, read from the
// catalog and the subscribers the modules' setup returned (`npm run cli -- events`). A
// subscriber to every event counts for the types it says it accepts (`Subscriber.accepts`).
import type { EventCatalog } from './declarations.ts';
import type { Subscriber } from './types.ts';

export interface EventGraphRow {
  type: string;
  producer: string;
  version: number;
  public: boolean;
  description: string;
  /** Subscriber names, sorted: `<module>.<what_it_does>`. */
  consumers: string[];
}

export function eventGraph(catalog: EventCatalog, subscribers: readonly Pick<Subscriber<any>, 'name' | 'event' | 'accepts'>[]): EventGraphRow[] {
  return catalog.all().map((e) => ({
    type: e.type,
    producer: e.producer,
    version: e.version,
    public: e.public,
    description: e.description,
    consumers: subscribers
      .filter((s) => s.event === e.type || (s.event === '*' && (s.accepts?.(e.type) ?? true)))
      .map((s) => s.name)
      .sort(),
  }));
}

/** The subscribers that wait for a type no module declares: a typo, or a producer that is gone. */
export function undeclaredSubscriptions(catalog: EventCatalog, subscribers: readonly Pick<Subscriber<any>, 'name' | 'event'>[]): string[] {
  return subscribers.filter((s) => s.event !== '*' && !catalog.get(s.event)).map((s) => `${s.name} (${s.event})`);
}

/** The graph as a plain-text table, one event per line, for a terminal. */
export function formatEventGraph(rows: readonly EventGraphRow[]): string {
  const header = ['EVENT', 'PRODUCER', 'V', 'PUBLIC', 'CONSUMERS'];
  const lines = rows.map((r) => [r.type, r.producer, String(r.version), r.public ? 'yes' : 'no', r.consumers.join(', ') || '-']);
  const widths = header.slice(0, 4).map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  const pad = (cells: string[]) => cells.map((c, i) => (i < 4 ? c.padEnd(widths[i]) : c)).join('  ').trimEnd();
  return [pad(header), ...lines.map(pad)].join('\n') + '\n';
}
