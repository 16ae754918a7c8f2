// Contribution points the coming modules plug into (design §2): a producer returns them from
// `setup` (they need its services at run time), the app gathers them into registries, and the
// consumer reads the registry, naming no producer. Named and typed now, before their first
// producers and consumers (data sources, analytics, visualizations, dashboards, assistants,
// chat, gendoc), so each of those modules adds one folder and no edit elsewhere (decision 0030).
import type { Static, TSchema } from 'typebox';
import type { Executor } from './db/database.ts';
import type { Principal } from './http/principal.ts';

/** Who a contribution acts for: always a person (or their API key), never the server itself. */
export interface ActingAs {
  principal: Principal;
  /** The org the call is made in, when it is made in one. */
  orgId: string | null;
}

/**
 * A tool an LLM may call (assistants, chat). It runs with the rights of the user who asked:
 * `allowed` is checked before every call, and `run` gets the same principal.
 */
export interface LlmTool<I extends TSchema = TSchema, O extends TSchema = TSchema> {
  /** `<module>.<tool>`, as the model sees it (snake case). */
  name: string;
  /** What it does, for the model: the model chooses tools by this text. */
  description: string;
  input: I;
  output: O;
  /** May this caller use it here? False hides the tool from the model and refuses a call. */
  allowed(as: ActingAs): Promise<boolean>;
  run(input: Static<I>, ctx: ActingAs & { signal: AbortSignal }): Promise<Static<O>>;
}

/** A read-only query against a data source: the guard has already accepted it. */
export interface GuardedQuery {
  sql: string;
  params: unknown[];
  /** Rows past this are not read. */
  maxRows: number;
  /** The statement is cancelled on the server past this. */
  timeoutMs: number;
}

/** A kind of data source (PostgreSQL, MySQL, files): how to reach it and how to read it safely. */
export interface DataConnector<C extends TSchema = TSchema> {
  /** `postgresql`, `mysql`, `csv`…: stored with each data source. */
  kind: string;
  description: string;
  /** The connection settings a user gives (sealed at rest by the data-sources module). */
  connection: C;
  /** Refuses what is not one read-only statement in this dialect; returns the statement to run. */
  guard(sql: string): { ok: true; sql: string } | { ok: false; reason: string };
  /** Checks that the source answers, without reading data. */
  test(connection: Static<C>, signal: AbortSignal): Promise<void>;
  run(connection: Static<C>, query: GuardedQuery, signal: AbortSignal): Promise<{ columns: { name: string; type: string }[]; rows: unknown[][]; truncated: boolean }>;
}

/** A kind of chart or dashboard widget: its options as data, and how they become Vega-Lite. */
export interface WidgetKind<O extends TSchema = TSchema> {
  /** `bar`, `line`, `single_number`…: stored with each chart. */
  kind: string;
  description: string;
  /** The vocabulary of its options: data only, never expressions. */
  options: O;
  /** A Vega-Lite specification, built from the fixed vocabulary and the result's columns. */
  compile(options: Static<O>, data: { columns: { name: string; type: string }[]; rows: unknown[][] }): Record<string, unknown>;
}

/** A document a module can generate (gendoc): its inputs, and how it renders. */
export interface DocumentTemplate<I extends TSchema = TSchema> {
  /** `<module>.<template>`. */
  name: string;
  description: string;
  input: I;
  render(input: Static<I>, ctx: ActingAs & { db: Executor; signal: AbortSignal }): Promise<{ contentType: string; fileName: string; body: Uint8Array }>;
}

/** What `setup` may return besides its API and routes: its contributions to the registries. */
export interface Contributions {
  llmTools?: LlmTool<any, any>[];
  connectors?: DataConnector<any>[];
  widgets?: WidgetKind<any>[];
  documentTemplates?: DocumentTemplate<any>[];
}

/** One registry: contributions by key, from every module, read by the consumers. */
export interface Registry<T> {
  get(key: string): T | undefined;
  /** Sorted by key. */
  all(): readonly T[];
}

export class ContributionError extends Error {}

/**
 * A registry filled as modules are set up; consumers read it when they serve, so a consumer set
 * up before a producer still sees its contributions. Two contributions under one key are refused.
 */
export function createRegistry<T>(what: string, keyOf: (item: T) => string): Registry<T> & { add(module: string, items: readonly T[]): void } {
  const items = new Map<string, { item: T; module: string }>();
  return {
    add(module, added) {
      for (const item of added) {
        const key = keyOf(item);
        const seen = items.get(key);
        if (seen) throw new ContributionError(`${what} "${key}" is contributed twice: by "${seen.module}" and by "${module}"`);
        items.set(key, { item, module });
      }
    },
    get: (key) => items.get(key)?.item,
    all: () => [...items.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([, v]) => v.item),
  };
}

export interface Registries {
  llmTools: Registry<LlmTool<any, any>>;
  connectors: Registry<DataConnector<any>>;
  widgets: Registry<WidgetKind<any>>;
  documentTemplates: Registry<DocumentTemplate<any>>;
}

/** The registries of the app, and how `app.ts` fills them from each module's `setup`. */
export function createRegistries(): Registries & { collect(module: string, from: Contributions): void } {
  const llmTools = createRegistry<LlmTool<any, any>>('the LLM tool', (t) => t.name);
  const connectors = createRegistry<DataConnector<any>>('the data connector', (c) => c.kind);
  const widgets = createRegistry<WidgetKind<any>>('the widget kind', (w) => w.kind);
  const documentTemplates = createRegistry<DocumentTemplate<any>>('the document template', (d) => d.name);
  return {
    llmTools,
    connectors,
    widgets,
    documentTemplates,
    collect(module, from) {
      llmTools.add(module, from.llmTools ?? []);
      connectors.add(module, from.connectors ?? []);
      widgets.add(module, from.widgets ?? []);
      documentTemplates.add(module, from.documentTemplates ?? []);
    },
  };
}
