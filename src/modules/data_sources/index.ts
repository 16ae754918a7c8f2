// The data_sources module's only public door: an org's databases and files, reachable safely.
// Other modules reach it through `DataSourcesApi` (analytics runs its queries through it), never
// through its files; connectors for more kinds plug in through the `connectors` contribution.
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SqlDialect } from '../../core/contributions.ts';
import type { Executor } from '../../core/db/database.ts';
import { defineModule, type ModuleInstance } from '../../core/module.ts';
import { organizationsModule } from '../organizations/index.ts';
import { createCatalog, type SchemaViewType } from './catalog.ts';
import { builtInConnectors } from './built-in-connectors.ts';
import { dataSourcesEvents } from './events.ts';
import { createFiles, type Files } from './files.ts';
import { dataSourcesJobs } from './jobs.ts';
import { createQueries, type Queries, SourceReads } from './queries.ts';
import { sources } from './repository.ts';
import { dataSourcesRoutes } from './routes.ts';
import { createSourcesService, type DataSourceView } from './service.ts';
import { dataSourcesSettings } from './settings.ts';
import { createTargets } from './targets.ts';

export type { DataSourcesEvents } from './events.ts';
export { DataSourcesProblems } from './problems.ts';
export type { ParameterType, QueryParameter, QueryRequest, SourceReads } from './queries.ts';
export type { DataSourceView } from './service.ts';
export type { SchemaViewType as DataSourceSchema } from './catalog.ts';

/** What analytics (and later visualizations, assistants) may ask of data sources. Roles are the caller's to check. */
export interface DataSourcesApi {
  /** The source, or null when the org has none by this id. */
  getSource(orgId: string, sourceId: string, exec?: Executor): Promise<DataSourceView | null>;
  /** The SQL dialect of a kind of source (what the question generator writes). */
  dialectOf(kind: string): SqlDialect | null;
  /** The synced schema with descriptions, and the glossary: what the question generator is grounded in. */
  schemaOf(orgId: string, sourceId: string): Promise<SchemaViewType>;
  glossaryOf(orgId: string, sourceId: string): Promise<{ term: string; definition: string }[]>;
  /** Binds and guards without running: throws the refusal a run would. */
  prepare: Queries['prepare'];
  /** A memo for `prepare` of runs made together (a dashboard's widgets): each source read once. */
  readsTogether(): SourceReads;
  execute: Queries['execute'];
  stream: Queries['stream'];
}


export const dataSourcesModule = defineModule({
  name: 'data_sources',
  apiTags: [{ name: 'data_sources', description: 'Data sources of an organization: PostgreSQL and MySQL/MariaDB databases, uploaded files, and its own workspace data.' }],
  requires: { organizations: organizationsModule },
  migrationsDir: fileURLToPath(new URL('./migrations', import.meta.url)),
  events: dataSourcesEvents,
  settings: dataSourcesSettings,
  // The scopes its routes check (routes.ts): an API key can hold only declared scopes (decision 0034).
  scopes: [
    { name: 'data_sources:read', description: 'Read the data sources of an organization, their schemas and glossaries.' },
    { name: 'data_sources:write', description: 'Add, change, test, sync and delete data sources; upload their files; describe their tables; edit their glossaries.' },
  ],
  setup(core, { organizations }): ModuleInstance<DataSourcesApi> {
    const connectors = builtInConnectors({ databaseUrl: core.database.url, relations: core.registries.workspaceRelations });
    // Late-bound: files needs the service, the service's targets need files' local copies.
    let files: Files | undefined;
    const targets = createTargets({ secrets: core.secrets, allow: core.settings.allow, localDatabase: (row) => files!.localDatabase(row) });
    const service = createSourcesService({
      db: core.db,
      events: core.events,
      clock: core.clock,
      orgs: organizations,
      secrets: core.secrets,
      jobs: core.jobs,
      registries: core.registries,
      settings: core.settings,
      targets,
      forget: async (row, gone) => {
        if (row.kind === 'files') await files!.forget(row, gone);
      },
    });
    files = createFiles({
      db: core.db,
      events: core.events,
      clock: core.clock,
      orgs: organizations,
      storage: core.storage,
      sources: service,
      cacheDir: join(core.config.dataDir, 'cache', 'data-sources'),
      maxRows: core.settings.fileMaxRows,
    });
    const catalog = createCatalog({ db: core.db, clock: core.clock, orgs: organizations, sources: service, registries: core.registries });
    const queries = createQueries({ db: core.db, sources: service, targets, registries: core.registries });
    const api: DataSourcesApi = {
      async getSource(orgId, sourceId, exec = core.db) {
        const row = await sources.byId(exec, orgId, sourceId);
        return row ? service.view(row, exec) : null;
      },
      dialectOf: (kind) => core.registries.connectors.get(kind)?.dialect ?? null,
      schemaOf: (orgId, sourceId) => catalog.schemaOf(orgId, sourceId),
      glossaryOf: (orgId, sourceId) => catalog.glossaryOf(orgId, sourceId),
      prepare: queries.prepare,
      readsTogether: () => new SourceReads(),
      execute: queries.execute,
      stream: queries.stream,
    };
    return {
      api,
      routes: dataSourcesRoutes(service, catalog, files),
      jobs: dataSourcesJobs({ db: core.db, events: core.events, clock: core.clock, secrets: core.secrets, registries: core.registries, targets, log: core.log }),
      connectors,
      stop: async () => {
        await Promise.all(connectors.map((c) => c.close()));
      },
    };
  },
});
