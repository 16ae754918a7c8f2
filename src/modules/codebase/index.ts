// The codebase module's only public door: a project's code as immutable snapshots, uploaded as
// archives or single files (at once, or in resumable parts), held to the archive defence, stored
// once per content in core/storage, or imported from a Git URL, browsed, searched and compared
// with the project's rights (docs/codebase.md).
import { fileURLToPath } from 'node:url';
import { defineModule, type ModuleInstance } from '../../core/module.ts';
import { organizationsModule } from '../organizations/index.ts';
import { projectsModule } from '../projects/index.ts';
import { createBlobBytes } from './blob-bytes.ts';
import { createBrowse } from './browse.ts';
import { codebaseEvents } from './events.ts';
import { codebaseRoutes } from './routes.ts';
import { createExports } from './exports.ts';
import { createImports } from './imports.ts';
import { codebasePromptTemplates } from './prompt-templates.ts';
import { codebaseTools } from './tools.ts';
import { createSearch } from './search.ts';
import { createSearchIndexing } from './search-indexing.ts';
import { createRepack } from './repack.ts';
import { codebaseSettings } from './settings.ts';
import { createUploadSessions } from './upload-sessions.ts';
import { uploadSessionRoutes } from './upload-sessions-routes.ts';
import { createUploads } from './uploads.ts';
import { createSnapshotReader, type SnapshotReader } from './reader.ts';

export type { CodebaseEvents } from './events.ts';
export { CodebaseProblems } from './problems.ts';

export type { SnapshotFile, SnapshotSummary } from './reader.ts';

/** What other modules (documentation) may ask: a snapshot as a member may read it, and its files. */
export type CodebaseApi = SnapshotReader;

export const codebaseModule = defineModule({
  name: 'codebase',
  apiTags: [{ name: 'codebase', description: 'A project\'s codebase: snapshots uploaded as archives or files, held to the archive defence, browsed, searched and compared.' }],
  requires: { organizations: organizationsModule, projects: projectsModule },
  migrationsDir: fileURLToPath(new URL('./migrations', import.meta.url)),
  events: codebaseEvents,
  settings: codebaseSettings,
  // The scopes its routes check (routes.ts): an API key can hold only declared scopes (decision 0034).
  scopes: [
    { name: 'codebase:read', description: 'Read the codebases of the projects you may see: snapshots, folders, files, search, comparisons.' },
    { name: 'codebase:write', description: 'Upload codebase snapshots to the projects you contribute to; delete snapshots of those you manage.' },
  ],
  // Listed and rendered read-only beside each organization's own templates (decision 0048).
  promptTemplates: codebasePromptTemplates,
  setup(core, { organizations, projects }): ModuleInstance<CodebaseApi> {
    const log = core.log.child({ module: 'codebase' });
    const uploads = createUploads({ db: core.db, events: core.events, clock: core.clock, log, storage: core.storage, projects, settings: core.settings });
    const bytes = createBlobBytes({ db: core.db, storage: core.storage });
    const browse = createBrowse({ db: core.db, events: core.events, log, storage: core.storage, bytes, jobs: core.jobs, projects });
    const sessions = createUploadSessions({ db: core.db, clock: core.clock, log, storage: core.storage, projects, uploads, jobs: core.jobs, orgs: organizations, settings: core.settings });
    const imports = createImports({ db: core.db, clock: core.clock, log, secrets: core.secrets, uploads, projects, settings: core.settings });
    const exports = createExports({ db: core.db, bytes, projects });
    const search = createSearch({ db: core.db, projects });
    const indexing = createSearchIndexing({ db: core.db, jobs: core.jobs, bytes, clock: core.clock, log, maxBlobBytes: core.settings.searchMaxBlobBytes });
    const repack = createRepack({ db: core.db, storage: core.storage, bytes, log });
    return {
      api: createSnapshotReader({ db: core.db, bytes, projects }),
      routes: async (app) => {
        await codebaseRoutes({ uploads, sessions, browse, imports, exports, search })(app);
        await uploadSessionRoutes(sessions)(app);
      },
      subscribers: indexing.subscribers,
      jobs: [...indexing.jobs, ...sessions.jobs, ...repack.jobs],
      llmTools: codebaseTools({ orgs: organizations, browse, search }),
    };
  },
});
