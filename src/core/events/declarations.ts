// Event declarations: each module states, next to `setup`, the events it publishes: the payload
// schema, its version, whether receivers outside the system may have it (webhooks) and what
// the event is about (the audit log's target). The app collects them into one catalog; the
// outbox, the audit log, webhooks and `cli events` read the catalog and name no producer
// (decision 0036).
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { type Static, type TProperties, type TSchema, type TUnsafe, Type } from 'typebox';

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

/** The payload field that names what an event is about, and that thing's type (`time_entry`). */
export interface EventTarget {
  type: string;
  /** A string id, or an array of them (the first is the target). */
  field: string;
}

export interface EventDeclaration<S extends TSchema = TSchema> {
  /** What happened, for `cli events`, the OpenAPI `webhooks` and docs. */
  description: string;
  /** The payload. Subscribers may rely on it; public events go to receivers with only its fields. */
  schema: S;
  /** Bump when the payload changes incompatibly; receivers see it in the body. */
  version: number;
  /**
   * Delivered to webhook receivers and listed in `/openapi.json` under `webhooks`. Internal
   * events (false) can change with the code; a public one is a contract with outside systems.
   */
  public: boolean;
  /** What the audit log files the event under; null when it names nothing more than the actor. */
  target: EventTarget | null;
}

export type EventDeclarations = Readonly<Record<string, EventDeclaration>>;

/** Keeps each declaration's schema type, so `PayloadsOf` gives the payload types. */
export function defineEvents<const D extends Record<string, EventDeclaration>>(events: D): D {
  return events;
}

/** The payload type of each declared event: what a module adds to core's `EventMap`. */
export type PayloadsOf<D extends EventDeclarations> = { [K in keyof D]: Static<D[K]['schema']> };

export interface DeclaredEvent extends EventDeclaration {
  type: string;
  /** The module that declares (and alone publishes) it. */
  producer: string;
}

export interface EventCatalog {
  get(type: string): DeclaredEvent | undefined;
  /** Every declared event, sorted by type. */
  all(): readonly DeclaredEvent[];
  /** Why `payload` does not match its declaration (one line per error), or null when it does. */
  check(type: string, payload: unknown): string[] | null;
  /** A copy of a public event's payload with only the fields its schema declares. */
  publicPayload(type: string, payload: unknown): Record<string, unknown>;
}

export class EventDeclarationError extends Error {}

const TYPE = /^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$/;

/**
 * One catalog of every module's events. Refuses an event a module declares outside its own
 * namespace (`<module>.<what_happened>`), so the type names its producer and two modules can
 * never declare the same one.
 */
export function createEventCatalog(modules: readonly { name: string; events?: EventDeclarations }[]): EventCatalog {
  const byType = new Map<string, DeclaredEvent>();
  for (const m of modules) {
    for (const [type, declaration] of Object.entries(m.events ?? {})) {
      if (!TYPE.test(type) || !type.startsWith(`${m.name}.`)) {
        throw new EventDeclarationError(`module "${m.name}" declares the event "${type}": event types are "${m.name}.<what_happened>" in snake case`);
      }
      if (!Number.isInteger(declaration.version) || declaration.version < 1) {
        throw new EventDeclarationError(`event "${type}" has version ${declaration.version}: versions are whole numbers from 1`);
      }
      byType.set(type, { ...declaration, type, producer: m.name });
    }
  }
  const sorted = [...byType.values()].sort((a, b) => a.type.localeCompare(b.type));

  // Compiled on first use, per event: most processes check a handful of types.
  let checker: Ajv | undefined;
  let cleaner: Ajv | undefined;
  const checks = new Map<string, ValidateFunction>();
  const cleans = new Map<string, ValidateFunction>();
  const compiled = (type: string, cache: Map<string, ValidateFunction>, ajv: () => Ajv) => {
    let fn = cache.get(type);
    if (!fn) {
      const declared = byType.get(type);
      if (!declared) throw new EventDeclarationError(`event type "${type}" is not declared by any module`);
      fn = ajv().compile(declared.schema as object);
      cache.set(type, fn);
    }
    return fn;
  };

  return {
    get: (type) => byType.get(type),
    all: () => sorted,
    check(type, payload) {
      const validate = compiled(type, checks, () => {
        checker ??= addFormats(new Ajv({ allErrors: true, strict: false }));
        return checker;
      });
      if (validate(payload)) return null;
      return (validate.errors ?? []).map((e) => `${e.instancePath || '(payload)'} ${e.message}`);
    },
    publicPayload(type, payload) {
      const declared = byType.get(type);
      if (!declared?.public) throw new EventDeclarationError(`event type "${type}" is not public`);
      const copy = structuredClone(payload) as Record<string, unknown>;
      // removeAdditional strips every field the schema does not declare, nested ones included.
      compiled(type, cleans, () => {
        cleaner ??= addFormats(new Ajv({ removeAdditional: 'all', strict: false }));
        return cleaner;
      })(copy);
      return copy;
    },
  };
}

// The vocabulary of payload schemas. Payloads are ours, not client input: plain types, with
// `additionalProperties: false` so a field published but not declared fails the check the
// tests run on every publish (outbox.ts).

/** An event payload: exactly these fields. */
export const Payload = <P extends TProperties>(properties: P, description?: string) =>
  Type.Object(properties, { additionalProperties: false, ...(description ? { description } : {}) });

/** A uuid. */
export const Id = (description?: string) => Type.String({ format: 'uuid', ...(description ? { description } : {}) });

/**
 * A declaration of version 1 with `properties` as its payload: `publicEvent` for one webhook
 * receivers get, `internalEvent` for one that stays inside. Bump to a version of your own by
 * writing the declaration out when a payload changes incompatibly.
 */
export const publicEvent = <P extends TProperties>(description: string, properties: P, target: EventTarget | null) => ({
  description,
  schema: Payload(properties),
  version: 1,
  public: true,
  target,
});

export const internalEvent = <P extends TProperties>(description: string, properties: P, target: EventTarget | null) => ({
  description,
  schema: Payload(properties),
  version: 1,
  public: false,
  target,
});

/** One of a few words. */
export const OneOf = <const T extends readonly string[]>(values: T, description?: string): TUnsafe<T[number]> =>
  Type.Unsafe<T[number]>({ type: 'string', enum: [...values], ...(description ? { description } : {}) });

/**
 * A date-time in UTC as `Date.toISOString()` writes it. No `date-time` format: a row past year
 * 9999 (data from before the input bounds, decision 0020) is written `+010000-…`, which RFC 3339
 * cannot say, and the event about deleting it must still be publishable.
 */
export const Instant = (description?: string) =>
  Type.String({ description: description ?? 'ISO 8601 date-time in UTC (RFC 3339 for years 0 to 9999).', examples: ['2026-12-06T14:05:00.000Z'] });

/** `T | null`, as response schemas write it. */
export { Nullable } from '../http/schema-types.ts';
