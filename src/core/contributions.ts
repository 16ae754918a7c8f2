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
 * What the conversation a tool runs in is about, as its user chose it (chat: the project a
 * conversation is bound to), set by the consumer and never by the model. A tool that works on
 * such a thing defaults to it and refuses another (`scopedProjectId` in core/llm/tools.ts): a
 * scope only narrows what a call reaches, the caller's rights still decide (decision 0048).
 */
export interface ToolScope {
  /** The project the conversation is about. */
  projectId?: string;
}

/** What a tool's `run` gets besides its input: who it acts for, the signal, and the conversation's scope. */
export type ToolContext = ActingAs & { signal: AbortSignal; scope?: ToolScope };

/**
 * A tool an LLM may call (assistants, chat). It runs with the rights of the user who asked:
 * `allowed` is checked before every call, and `run` gets the same principal. Consumers list and
 * run tools through core/llm/tools.ts (`toolsFor`, `runTool`), never by calling `run` directly:
 * that is where `allowed` is checked again and the input validated (docs/llm-tools.md).
 */
export interface LlmTool<I extends TSchema = TSchema, O extends TSchema = TSchema> {
  /**
   * `<module>.<tool>` in snake case, the module being the one that contributes it. The model
   * sees it as `<module>__<tool>` (`modelToolName`): providers allow no dot in a tool's name.
   */
  name: string;
  /** What it does, for the model: the model chooses tools by this text. */
  description: string;
  input: I;
  output: O;
  /** May this caller use it here? False hides the tool from the model and refuses a call. */
  allowed(as: ActingAs): Promise<boolean>;
  run(input: Static<I>, ctx: ToolContext): Promise<Static<O>>;
}

/** A tool's name: `<module>.<tool>`, both in snake case. */
export const LLM_TOOL_NAME = /^([a-z][a-z0-9]*(?:_[a-z0-9]+)*)\.([a-z][a-z0-9]*(?:_[a-z0-9]+)*)$/;

/**
 * The name the model sees: `analytics.ask_data` is `analytics__ask_data`. Providers accept 1 to 64
 * letters, digits, `_` and `-` (core/llm), so the dot becomes a double underscore, which no
 * snake-case name contains: the mapping is one to one.
 */
export function modelToolName(name: string): string {
  return name.replace('.', '__');
}

/** The small vocabulary of column types every connector maps its driver's types to. */
export type ColumnType = 'integer' | 'number' | 'text' | 'boolean' | 'date' | 'timestamp' | 'json' | 'binary' | 'other';

export interface ResultColumn {
  name: string;
  type: ColumnType;
  /** The type as the source names it (`numeric(12,2)`, `varchar`). */
  dbType: string;
}

/** Caps of one query: the driver stops reading at the first one reached. */
export interface QueryLimits {
  maxRows: number;
  /** Approximate JSON size of the rows read. */
  maxBytes: number;
  /** The statement is cancelled on the server past this, and the client gives up just after. */
  timeoutMs: number;
}

export interface QueryResult {
  columns: ResultColumn[];
  rows: unknown[][];
  rowCount: number;
  /** A cap stopped the reading: more rows exist. */
  truncated: boolean;
  durationMs: number;
}

/** A result read in batches: the columns first, then rows until the end or a cap. */
export interface QueryStream {
  columns: ResultColumn[];
  batches: AsyncIterable<unknown[][]>;
  /** After the batches: whether a cap stopped the reading. */
  truncated(): boolean;
}

export interface SchemaColumn {
  name: string;
  dbType: string;
  type: ColumnType;
  nullable: boolean;
  position: number;
}

export interface SchemaTable {
  name: string;
  kind: 'table' | 'view';
  rowEstimate: number | null;
  columns: SchemaColumn[];
  primaryKey: string[];
  foreignKeys: { columns: string[]; references: { schema: string; table: string; columns: string[] } }[];
}

/** What schema introspection finds in a source. */
export interface SourceSchema {
  schemas: { name: string; tables: SchemaTable[] }[];
}

/** The SQL dialect a connector's guard parses. */
export type SqlDialect = 'postgres' | 'mysql' | 'duckdb' | 'workspace';

/** One data source as its connector sees it: settings opened, host checked, files at hand. */
export interface ConnectorTarget<C = unknown> {
  sourceId: string;
  orgId: string;
  connection: C;
  /** The checked address to dial (SSRF guard): connecting to a fresh DNS answer would undo the check. */
  address?: string;
  /** For file sources: the local path of the source's database file. */
  localFile?: string;
}

/** A kind of data source (PostgreSQL, MySQL, files, workspace): how to reach it and read it safely. */
export interface DataConnector<C extends TSchema = TSchema> {
  /** `postgres`, `mysql`, `files`, `workspace`: stored with each data source. */
  kind: string;
  description: string;
  /** The connection settings a user gives; `secretFields` of it are sealed at rest and never shown. */
  connection: C;
  secretFields: readonly string[];
  dialect: SqlDialect;
  /** The host and port the connection dials, for the SSRF guard; null when it dials none. */
  endpoint(connection: Static<C>): { host: string; port: number } | null;
  /** Checks that the source answers, without reading data. */
  test(target: ConnectorTarget<Static<C>>, signal: AbortSignal): Promise<{ serverVersion: string; latencyMs: number }>;
  introspect(target: ConnectorTarget<Static<C>>, signal: AbortSignal): Promise<SourceSchema>;
  /** Runs a guarded, bound SELECT read-only under the caps. */
  run(target: ConnectorTarget<Static<C>>, sql: string, params: unknown[], limits: QueryLimits, signal: AbortSignal): Promise<QueryResult>;
  /** The same, in batches, for results too big to hold (downloads). */
  stream(target: ConnectorTarget<Static<C>>, sql: string, params: unknown[], limits: QueryLimits, signal: AbortSignal): Promise<QueryStream>;
  /** Ends every pool (shutdown). A source's own pool ends when it has been idle a while, or at once when its connection changed. */
  close(): Promise<void>;
}

/**
 * A relation of the org's own data that the `workspace` data source shows (decision 0038): the
 * owning module publishes a view in its own schema that filters by the org in
 * `trellis.workspace_org`, and names it here; queries see it under `name`, and nothing else.
 */
export interface WorkspaceRelation {
  /** The name queries use: `time_entries`. */
  name: string;
  /** The owner's view, schema-qualified: `time_tracking.workspace_time_entries`. */
  view: string;
  description: string;
  /** Column descriptions, for people and for the question generator. */
  columns: Record<string, string>;
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
  workspaceRelations?: WorkspaceRelation[];
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
  workspaceRelations: Registry<WorkspaceRelation>;
}

/** The registries of the app, and how `app.ts` fills them from each module's `setup`. */
export function createRegistries(): Registries & { collect(module: string, from: Contributions): void } {
  const llmTools = createRegistry<LlmTool<any, any>>('the LLM tool', (t) => t.name);
  const connectors = createRegistry<DataConnector<any>>('the data connector', (c) => c.kind);
  const widgets = createRegistry<WidgetKind<any>>('the widget kind', (w) => w.kind);
  const documentTemplates = createRegistry<DocumentTemplate<any>>('the document template', (d) => d.name);
  const workspaceRelations = createRegistry<WorkspaceRelation>('the workspace relation', (r) => r.name);
  return {
    llmTools,
    connectors,
    widgets,
    documentTemplates,
    workspaceRelations,
    collect(module, from) {
      for (const tool of from.llmTools ?? []) checkToolName(module, tool.name);
      llmTools.add(module, from.llmTools ?? []);
      connectors.add(module, from.connectors ?? []);
      widgets.add(module, from.widgets ?? []);
      documentTemplates.add(module, from.documentTemplates ?? []);
      workspaceRelations.add(module, from.workspaceRelations ?? []);
    },
  };
}

/** A tool is named after the module that contributes it, in a form every provider accepts once mapped. */
function checkToolName(module: string, name: string): void {
  const parts = LLM_TOOL_NAME.exec(name);
  if (!parts) throw new ContributionError(`the LLM tool "${name}" of "${module}" must be named <module>.<tool>, both in snake case`);
  if (parts[1] !== module) throw new ContributionError(`the LLM tool "${name}" is contributed by "${module}": name it "${module}.${parts[2]}"`);
  if (modelToolName(name).length > 64) throw new ContributionError(`the LLM tool "${name}" is too long: the model sees "${modelToolName(name)}", at most 64 characters`);
}

/** Why a connector failed, in a word: decides the problem the caller gets. */
export type ConnectorFailureKind =
  /** The server could not be reached or dropped the connection: refused, unknown host, no answer in time, shutting down, too many connections. */
  | 'unreachable'
  /** TLS could not be negotiated or the certificate was refused. */
  | 'tls'
  /** The server refused the login: wrong user or password, no such database, no access to it. */
  | 'auth'
  /** The query ran past its time limit and was stopped (by the server or by the client deadline). */
  | 'timeout'
  /** The caller gave up (its AbortSignal) and the query was stopped. */
  | 'canceled'
  /** The server refused the statement: missing privilege, or a write in the read-only transaction. */
  | 'permission'
  /** The SQL failed: syntax, unknown table or column, types, division by zero, out of memory. The server's message is kept. */
  | 'query'
  /** A file could not be ingested: malformed, wrong encoding, not the format it claims, a zip bomb. */
  | 'file'
  /** An ingestion went past its row or byte caps. */
  | 'too_large';

/**
 * The one error connectors throw. `message` is plain words safe to show the user (host and
 * port or the file, the server's reason), never a password, a stack or a query's data; the
 * driver's own error is not kept (it may carry a connection string), only its code.
 */
export class ConnectorError extends Error {
  readonly kind: ConnectorFailureKind;
  /** The server's or the system's code when there is one (`28P01`, `ER_ACCESS_DENIED_ERROR`, `ECONNREFUSED`), for logs. */
  readonly code: string | undefined;
  constructor(kind: ConnectorFailureKind, message: string, code?: string) {
    super(message);
    this.name = 'ConnectorError';
    this.kind = kind;
    this.code = code;
  }
}
