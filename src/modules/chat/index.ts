// The chat module's only public door: an organization member's conversations with a model of
// the organization's catalog, answers streamed as Server-Sent Events, stored as they stream
// (resumable from any instance, stoppable from any), the tools the member may use, and
// agent/act, the same tool loop waited for. Models are called through LlmAdminApi only.
import { fileURLToPath } from 'node:url';
import { defineModule, type ModuleInstance } from '../../core/module.ts';
import { assistantsModule } from '../assistants/index.ts';
import { llmAdminModule } from '../llm_admin/index.ts';
import { organizationsModule } from '../organizations/index.ts';
import { projectsModule } from '../projects/index.ts';
import { createAttachments } from './attachments.ts';
import { createAgent } from './agent.ts';
import { createConversations } from './conversations.ts';
import { chatEvents } from './events.ts';
import { createExports } from './export.ts';
import { createGenerations } from './generation.ts';
import { createKnowledge } from './knowledge.ts';
import { createMessages } from './messages.ts';
import { createProjectScope } from './project-scope.ts';
import { chatRoutes } from './routes.ts';
import { chatSettings } from './settings.ts';
import { createShareLinks } from '../../core/security/share-links.ts';
import { createShares } from './shares.ts';
import { createTails } from './tail.ts';
import { createTitles } from './titles.ts';

export type { ChatEvents } from './events.ts';
export { ChatProblems } from './problems.ts';

/** Nothing yet: no other module asks chat anything. */
export type ChatApi = Record<never, never>;

/** Without news for this long, a stream reads the table (a dropped realtime message, a dead generation). */
const POLL_MS = 2000;
/** A comment line this often keeps proxies and idle timeouts from closing a quiet stream. */
const HEARTBEAT_MS = 15_000;

export const chatModule = defineModule({
  name: 'chat',
  apiTags: [
    {
      name: 'chat',
      description: 'Conversations with a model of the organization\'s catalog, private to their user: a message tree (edits and regenerations keep every branch), answers streamed as Server-Sent Events and resumable, tools with the user\'s rights, and agent/act.',
    },
  ],
  requires: { organizations: organizationsModule, llm_admin: llmAdminModule, assistants: assistantsModule, projects: projectsModule },
  migrationsDir: fileURLToPath(new URL('./migrations', import.meta.url)),
  events: chatEvents,
  settings: chatSettings,
  // The scopes its routes check (routes.ts): an API key can hold only declared scopes (decision 0034).
  scopes: [
    { name: 'chat:read', description: 'Read your conversations and their messages, and follow an answer as it is written.' },
    { name: 'chat:write', description: 'Start, rename, archive, share and delete your conversations, ask questions, regenerate and stop answers, and run agent/act.' },
  ],
  setup(core, { organizations, llm_admin: models, assistants, projects }): ModuleInstance<ChatApi> {
    const { settings } = core;
    const log = core.log.child({ module: 'chat' });
    const projectScope = createProjectScope({ projects });
    const conversations = createConversations({ db: core.db, events: core.events, realtime: core.realtime, clock: core.clock, orgs: organizations, models, assistants, projectScope, storage: core.storage, log });
    const attachments = createAttachments({ db: core.db, clock: core.clock, log, storage: core.storage, conversations, settings });
    const knowledge = createKnowledge({ db: core.db, log, storage: core.storage, projects, settings });
    const generations = createGenerations({
      db: core.db,
      events: core.events,
      realtime: core.realtime,
      clock: core.clock,
      log,
      models,
      tools: core.registries.llmTools,
      staleAfterMs: settings.staleAfterMs,
    });
    const tails = createTails({ db: core.db, realtime: core.realtime, log, pollMs: POLL_MS, heartbeatMs: HEARTBEAT_MS });
    const messages = createMessages({ db: core.db, realtime: core.realtime, clock: core.clock, conversations, generations, tails, attachments, knowledge, projectScope, settings });
    const agent = createAgent({ conversations, messages, clock: core.clock, timeoutMs: settings.agentTimeoutMs });
    const titles = createTitles({ db: core.db, jobs: core.jobs, models, orgs: organizations, log, titleModel: settings.titleModel });
    const exports = createExports({ db: core.db, clock: core.clock, orgs: organizations, conversations, generations });
    const shares = createShares({ db: core.db, events: core.events, clock: core.clock, orgs: organizations, conversations, links: createShareLinks(core.secrets, 'chat.share-link') });
    return {
      api: {},
      subscribers: titles.subscribers,
      jobs: titles.jobs,
      routes: chatRoutes({ conversations, messages, attachments, agent, tails, exports, shares }),
      // An answer in flight ends `failed` (CHAT.INTERRUPTED) with its text so far, rather than waiting to be found stale.
      stop: () => generations.stopAll(),
    };
  },
});
