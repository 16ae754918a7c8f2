// The LLM tool of the projects module (contributions: `llmTools`): find the projects the caller
// can see, as GET /orgs/{orgId}/projects lists them for them (docs/llm-tools.md).
import { Type } from 'typebox';
import type { LlmTool } from '../../core/contributions.ts';
import { Line, Nullable } from '../../core/http/schema-types.ts';
import { assertCredentialsAllow, credentialsAllow, toolActor } from '../../core/llm/tools.ts';
import type { OrganizationsApi } from '../organizations/index.ts';
import { ProjectStatus } from './schemas.ts';
import type { ProjectsService } from './service.ts';

const SCOPE = 'projects:read';
/** A description is cut here: the model needs to recognise the project, not read its brief. */
const DESCRIPTION_CHARS = 300;

const FindProjectsInput = Type.Object({
  query: Type.Optional(Line(200, { description: 'Words to find in the name, key, description, client or tags; a key prefix ("WE") matches too' })),
  client: Type.Optional(Line(200, { description: "Only this client's projects (the exact client name, any case)" })),
  status: Type.Optional(ProjectStatus),
  limit: Type.Integer({ minimum: 1, maximum: 50, default: 20, description: 'Projects to answer at most' }),
});

const FoundProject = Type.Object({
  id: Type.String(),
  key: Type.String(),
  name: Type.String(),
  client: Nullable(Type.String()),
  status: ProjectStatus,
  tags: Type.Array(Type.String()),
  description: Nullable(Type.String()),
});

const FindProjectsOutput = Type.Object({
  projects: Type.Array(FoundProject),
  more: Type.Boolean({ description: 'More projects match than were answered: narrow the search' }),
});

export function projectsTools(deps: { orgs: OrganizationsApi; projects: ProjectsService }): LlmTool<any, any>[] {
  const findProjects: LlmTool<typeof FindProjectsInput, typeof FindProjectsOutput> = {
    name: 'projects.find_projects',
    description:
      'Finds projects of the current organization by name, key, client, tags or words of their description, among the projects you can see ' +
      '(org admins: all of them; others: those they are a member of). Answers their id, key, name, client, status and tags, sorted by name.',
    input: FindProjectsInput,
    output: FindProjectsOutput,
    // Anyone in the org may list projects (viewers included); an API key needs projects:read.
    async allowed(as) {
      if (!as.orgId || !credentialsAllow(as.principal, SCOPE)) return false;
      return (await deps.orgs.roleOf(as.principal.userId, as.orgId)) !== null;
    },
    async run(input, ctx) {
      assertCredentialsAllow(ctx.principal, SCOPE);
      // The org is the caller's, never the model's: the list is the API's, with its visibility rule.
      const page = await deps.projects.list(toolActor(ctx), ctx.orgId!, {
        q: input.query?.trim() || undefined,
        client: input.client,
        status: input.status,
        sort: 'name',
        includeDeleted: false,
        limit: input.limit,
      });
      return {
        projects: page.data.map((p) => ({
          id: p.id,
          key: p.key,
          name: p.name,
          client: p.client,
          status: p.status,
          tags: p.tags,
          description: p.description && p.description.length > DESCRIPTION_CHARS ? `${p.description.slice(0, DESCRIPTION_CHARS)}…` : p.description,
        })),
        more: page.page.nextCursor !== null,
      };
    },
  };
  return [findProjects];
}
