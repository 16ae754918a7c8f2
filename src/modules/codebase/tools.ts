// The LLM tools of the codebase module (contributions: `llmTools`, docs/llm-tools.md): search a
// project's code, read a file by line range, list a folder, over its current snapshot (or one
// named), each as the caller through the same services and rights as the API's routes (a project
// they are not on is 404 to the tool as to them). Answers cite `path:line` and the API path of
// the file view, so a client can link each citation. In a conversation bound to a project
// (`ctx.scope.projectId`) the tools work on that project: `projectId` may be left out, and
// another project is refused (scopedProjectId, decision 0048).
import { Type } from 'typebox';
import type { LlmTool } from '../../core/contributions.ts';
import { Line, Nullable, Uuid } from '../../core/http/schema-types.ts';
import { assertCredentialsAllow, credentialsAllow, scopedProjectId, toolActor } from '../../core/llm/tools.ts';
import type { OrganizationsApi } from '../organizations/index.ts';
import type { Browse } from './browse.ts';
import { CodebaseProblems } from './problems.ts';
import type { Search } from './search.ts';

const SCOPE = 'codebase:read';
/**
 * The API path of the file view a citation links to (docs/codebase.md): the snapshot pinned, so
 * the link shows the lines the model read even after a newer snapshot; `#L<line>` the line.
 */
const fileLink = (orgId: string, projectId: string, snapshot: number, path: string, line?: number | null) =>
  `/api/v1/orgs/${orgId}/projects/${projectId}/codebase/file?path=${encodeURIComponent(path)}&snapshot=${snapshot}${line ? `#L${line}` : ''}`;

/** Lines one read_file call answers at most, and characters: enough to read a function, not a whole large file. */
export const MAX_READ_LINES = 400;
export const MAX_READ_CHARS = 24_000;

const Project = Type.Optional(
  Uuid("The project whose codebase to use (projects.find_projects gives ids). Leave it out when the conversation is about a project: it is that one, and no other may be named"),
);
const Snapshot = Type.Optional(Type.Integer({ minimum: 1, maximum: 2_147_483_647, description: 'A snapshot version; absent: the current one' }));

const SearchCodeInput = Type.Object({
  projectId: Project,
  query: Line(300, { description: 'Words to find in the code or in file paths; identifiers match by their parts (getUserName, user_name); "quoted words" must be in that order' }),
  language: Type.Optional(Line(40, { description: 'Only files of this language (typescript, python…)' })),
  path: Type.Optional(Line(500, { description: 'Only files whose path starts with this' })),
  snapshot: Snapshot,
  limit: Type.Integer({ minimum: 1, maximum: 50, default: 20, description: 'Matches to answer at most' }),
});
const SearchCodeOutput = Type.Object({
  snapshot: Type.Integer(),
  matches: Type.Array(Type.Object({ citation: Type.String({ description: '`path:line` (just the path when the path matched)' }), language: Nullable(Type.String()), snippet: Type.String(), link: Type.String() })),
  more: Type.Boolean({ description: 'More matches exist: narrow the query' }),
});

const ReadFileInput = Type.Object({
  projectId: Project,
  path: Line(1024, { description: 'The file\'s path in the codebase, as search_code or list_tree give it' }),
  startLine: Type.Integer({ minimum: 1, default: 1, description: 'First line to read, from 1' }),
  endLine: Type.Optional(Type.Integer({ minimum: 1, description: `Last line to read; at most ${MAX_READ_LINES} lines are read at once` })),
  snapshot: Snapshot,
});
const ReadFileOutput = Type.Object({
  path: Type.String(),
  snapshot: Type.Integer(),
  language: Nullable(Type.String()),
  startLine: Type.Integer(),
  endLine: Type.Integer(),
  totalLines: Type.Integer(),
  text: Type.String({ description: 'The lines, each prefixed with its number and a tab' }),
  link: Type.String(),
});

const ListTreeInput = Type.Object({
  projectId: Project,
  path: Type.Optional(Line(1024, { blank: true, description: 'A folder; absent or empty: the root' })),
  snapshot: Snapshot,
});
const ListTreeOutput = Type.Object({
  snapshot: Type.Integer(),
  path: Type.String(),
  entries: Type.Array(Type.Object({ type: Type.String(), path: Type.String(), files: Type.Optional(Type.Integer()), bytes: Type.Integer(), language: Type.Optional(Nullable(Type.String())) })),
});

export function codebaseTools(deps: { orgs: Pick<OrganizationsApi, 'roleOf'>; browse: Browse; search: Search }): LlmTool<any, any>[] {
  const { orgs, browse, search } = deps;
  // Any member of the org may read the codebases of the projects they are on; a key needs codebase:read.
  const allowed: LlmTool['allowed'] = async (as) => {
    if (!as.orgId || !credentialsAllow(as.principal, SCOPE)) return false;
    return (await orgs.roleOf(as.principal.userId, as.orgId)) !== null;
  };

  const searchCode: LlmTool<typeof SearchCodeInput, typeof SearchCodeOutput> = {
    name: 'codebase.search_code',
    description:
      "Searches a project's codebase (its current snapshot unless one is named) for words in the code or in file paths, as GET …/codebase/search does. " +
      'Answers matches best first, each cited as path:line with the line as a snippet. Use it to find where something is defined or used, then read_file to read around a match.',
    input: SearchCodeInput,
    output: SearchCodeOutput,
    allowed,
    async run(input, ctx) {
      assertCredentialsAllow(ctx.principal, SCOPE);
      const orgId = ctx.orgId!;
      const projectId = scopedProjectId(input.projectId, ctx);
      const found = await search.search(toolActor(ctx), orgId, projectId, { q: input.query, language: input.language, path: input.path, snapshot: input.snapshot, limit: input.limit });
      return {
        snapshot: found.snapshot,
        matches: found.data.map((h) => ({
          citation: h.line ? `${h.path}:${h.line}` : h.path,
          language: h.language,
          snippet: h.snippet,
          link: fileLink(orgId, projectId, found.snapshot, h.path, h.line),
        })),
        more: found.page.nextCursor !== null,
      };
    },
  };

  const readFile: LlmTool<typeof ReadFileInput, typeof ReadFileOutput> = {
    name: 'codebase.read_file',
    description: `Reads lines of a text file of a project's codebase (at most ${MAX_READ_LINES} lines a call), each line prefixed with its number, so answers can cite path:line.`,
    input: ReadFileInput,
    output: ReadFileOutput,
    allowed,
    async run(input, ctx) {
      assertCredentialsAllow(ctx.principal, SCOPE);
      const orgId = ctx.orgId!;
      const projectId = scopedProjectId(input.projectId, ctx);
      const file = await browse.file(toolActor(ctx), orgId, projectId, { path: input.path, snapshot: input.snapshot });
      if (file.as !== 'text') {
        file.body.destroy();
        throw CodebaseProblems.pathNotFound.error(`${input.path} is a binary file: it cannot be read as text`);
      }
      const lines = file.text.split('\n');
      if (lines.at(-1) === '') lines.pop();
      const start = Math.min(input.startLine, Math.max(lines.length, 1));
      let end = Math.min(input.endLine ?? start + MAX_READ_LINES - 1, start + MAX_READ_LINES - 1, lines.length);
      const out: string[] = [];
      let chars = 0;
      for (let n = start; n <= end; n++) {
        const line = `${n}\t${lines[n - 1]}`;
        if (chars + line.length > MAX_READ_CHARS && out.length) {
          end = n - 1;
          break;
        }
        out.push(line);
        chars += line.length + 1;
      }
      return { path: file.path, snapshot: file.snapshot, language: file.language, startLine: start, endLine: Math.max(end, start - 1), totalLines: lines.length, text: out.join('\n'), link: fileLink(orgId, projectId, file.snapshot, file.path, start) };
    },
  };

  const listTree: LlmTool<typeof ListTreeInput, typeof ListTreeOutput> = {
    name: 'codebase.list_tree',
    description: "Lists one folder of a project's codebase: its files (size, language) and its folders (file counts, sizes). Start at the root to see the layout.",
    input: ListTreeInput,
    output: ListTreeOutput,
    allowed,
    async run(input, ctx) {
      assertCredentialsAllow(ctx.principal, SCOPE);
      const tree = await browse.tree(toolActor(ctx), ctx.orgId!, scopedProjectId(input.projectId, ctx), { path: input.path, snapshot: input.snapshot });
      return {
        snapshot: tree.snapshot,
        path: tree.path,
        entries: tree.entries.map((e) => (e.type === 'folder' ? { type: 'folder', path: e.path, files: e.files, bytes: e.bytes } : { type: 'file', path: e.path, bytes: e.bytes, language: e.language })),
      };
    },
  };

  return [searchCode, readFile, listTree];
}
