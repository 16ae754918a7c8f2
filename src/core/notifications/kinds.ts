// The notifications contribution point (decision 0035). A module declares the kinds of
// notification its own events raise: the type users see and switch, what it is about, the
// channels on by default, the shape of its data and the event that raises it. Bound to the
// module's runtime, a kind also says which facts of the event it needs (`trigger`) and who is
// notified with what text (`compose`). app.ts gathers every module's kinds into one registry
// that the notifications module reads: it names no producer, and no producer names it.
import { type Static, type TObject, type TProperties, type TSchema, Type } from 'typebox';
import type { Executor } from '../db/database.ts';
import type { DomainEvent, EventType } from '../events/types.ts';
import { named, nameOf } from '../http/schema-types.ts';

export const CHANNELS = ['in_app', 'email', 'sms'] as const;
export type Channel = (typeof CHANNELS)[number];
export type ChannelSwitches = Record<Channel, boolean>;

/** SMS is never on by default: it needs a phone number the user gives first. */
export type DefaultChannel = Exclude<Channel, 'sms'>;

/**
 * Who is notified: a user id, or `{ email }` for the active account with that address, if there
 * is one (an invitation goes to an address, which may or may not be a user's).
 */
export type Recipient = string | { email: string };

/** A composed notification: its recipients and what each of them reads. */
export interface Notice<Data = unknown> {
  recipients: readonly Recipient[];
  /** The organization it is about (clients filter and link by it), or null. */
  orgId: string | null;
  title: string;
  body: string;
  /** What a client needs to act on it without another call: the kind's `data` schema. */
  data: Data;
  /** Label/value lines shown in the email under the body (when, from where, a comment). */
  details?: [string, string][];
  /**
   * The channels this notice may use, when its producer narrows them (an alert sent only by
   * SMS). The recipient's preferences still decide among them: a channel they switched off
   * stays off. Absent: every channel the preferences allow.
   */
  channels?: readonly Channel[];
}

/**
 * What `trigger` keeps for `compose`: plain JSON, since it travels in a job. `kind` and
 * `eventId` are the job's own keys.
 */
export type Facts = { [key: string]: unknown; kind?: never; eventId?: never };

export interface KindRules<E extends EventType, F extends Facts, D> {
  /**
   * The facts of the event that `compose` needs, or null when this event notifies nobody. Runs
   * inside the notifications subscriber's delivery transaction (`db`), so it must stay short;
   * it may read and write its own module's tables, which then commit with the delivery (a
   * redelivered event finds the delivery recorded and is not triggered twice).
   */
  trigger(event: DomainEvent<E>, ctx: { db: Executor }): F | null | Promise<F | null>;
  /**
   * Who is notified and what they read, or null when nobody is any more (the org was deleted).
   * Runs in the delivery job, outside any transaction, and again when the job is retried: it
   * may read its module's data and its peers' façades, and changes nothing.
   */
  compose(facts: F): Promise<Notice<D> | null>;
}

/** A kind bound to its module's runtime (what `NotificationKind.handle` returns). */
export interface NotificationHandler {
  readonly kind: NotificationKind;
  trigger(event: DomainEvent, ctx: { db: Executor }): Promise<Facts | null>;
  compose(facts: Facts): Promise<Notice | null>;
}

export interface NotificationKind<E extends EventType = EventType, D = unknown> {
  /** What users see and switch in their preferences, stored with each notification: never rename one. */
  readonly type: string;
  /** One sentence for the preferences' documentation. */
  readonly description: string;
  readonly defaults: ChannelSwitches;
  /** The event that raises it: one of its own module's events. */
  readonly event: E;
  /** A named object schema whose description names the type: one shape of the API's `NotificationData`. */
  readonly data: TSchema;
  /** Binds the kind to its module's runtime; the facts' type ties `trigger` to `compose`. */
  handle<F extends Facts>(rules: KindRules<E, F, D>): NotificationHandler;
}

const TYPE_NAME = /^[a-z][a-z0-9_]{0,62}$/;

/** Declares a kind. `data.name` is the PascalCase name of its data shape in the API (`<Type>Data`). */
export function notificationKind<const E extends EventType, P extends TProperties>(def: {
  type: string;
  description: string;
  defaults: readonly DefaultChannel[];
  event: E;
  data: { name: string; properties: P };
}): NotificationKind<E, Static<TObject<P>>> {
  if (!TYPE_NAME.test(def.type)) throw new NotificationKindError(`notification type "${def.type}" must be snake_case`);
  const kind: NotificationKind<E, Static<TObject<P>>> = {
    type: def.type,
    description: def.description,
    defaults: { in_app: def.defaults.includes('in_app'), email: def.defaults.includes('email'), sms: false },
    event: def.event,
    data: named(def.data.name, Type.Object(def.data.properties, { description: `The data of a notification of type \`${def.type}\`` })),
    handle: (rules) => ({
      kind: kind as NotificationKind,
      trigger: async (event, ctx) => (await rules.trigger(event as DomainEvent<E>, ctx)) ?? null,
      compose: (facts) => rules.compose(facts as never),
    }),
  };
  return kind;
}

export class NotificationKindError extends Error {}

/** The registry the notifications module reads (`CoreDeps.notificationKinds`). */
export interface NotificationKinds {
  /** Every declared kind, sorted by type. Known before any module is set up. */
  readonly kinds: readonly NotificationKind[];
  /**
   * The handler of a type, once every module is set up (the dispatcher and the job workers start
   * after that); undefined for a type no module declares any more.
   */
  handler(type: string): NotificationHandler | undefined;
}

export interface NotificationKindsRegistry extends NotificationKinds {
  /** The handlers a module's contribution returned; each must be one of that module's kinds. */
  bind(module: string, handlers: readonly NotificationHandler[]): void;
  /** After every module's setup: a declared kind without a handler stops start-up. */
  seal(): void;
}

/**
 * Gathers the kinds declared by each module. Refused, naming the module: a type or data shape
 * declared twice, and a kind raised by another module's event (a producer composes from its own
 * data, so the event is its own).
 */
export function createNotificationKinds(declared: readonly { module: string; kinds: readonly NotificationKind[] }[]): NotificationKindsRegistry {
  const owners = new Map<string, string>();
  const dataNames = new Map<string, string>();
  for (const { module, kinds } of declared) {
    for (const kind of kinds) {
      const other = owners.get(kind.type);
      if (other) throw new NotificationKindError(`notification type "${kind.type}" is declared by "${other}" and "${module}"`);
      if (!kind.event.startsWith(`${module}.`)) {
        throw new NotificationKindError(`notification type "${kind.type}" of module "${module}" is raised by "${kind.event}": a module declares kinds of its own events only`);
      }
      const dataName = nameOf(kind.data) ?? kind.type;
      const sameData = dataNames.get(dataName);
      if (sameData) throw new NotificationKindError(`notification types "${sameData}" and "${kind.type}" share the data shape "${dataName}"`);
      owners.set(kind.type, module);
      dataNames.set(dataName, kind.type);
    }
  }
  const kinds = declared.flatMap((d) => d.kinds).sort((a, b) => a.type.localeCompare(b.type));
  const handlers = new Map<string, NotificationHandler>();
  let sealed = false;

  return {
    kinds,
    handler(type) {
      if (!sealed) throw new NotificationKindError('notification handlers were read before every module was set up');
      return handlers.get(type);
    },
    bind(module, given) {
      for (const h of given) {
        if (owners.get(h.kind.type) !== module || !kinds.includes(h.kind)) {
          throw new NotificationKindError(`module "${module}" handles notification type "${h.kind.type}", which it does not declare`);
        }
        if (handlers.has(h.kind.type)) throw new NotificationKindError(`notification type "${h.kind.type}" is handled twice`);
        handlers.set(h.kind.type, h);
      }
    },
    seal() {
      const missing = kinds.filter((k) => !handlers.has(k.type));
      if (missing.length) {
        const list = missing.map((k) => `"${k.type}" (${owners.get(k.type)})`).join(', ');
        throw new NotificationKindError(`notification kinds without a handler: ${list}; the module's notifications.setup must return kind.handle(…) for each`);
      }
      sealed = true;
    },
  };
}
