// The codebase API contract (TypeBox): params, queries and views.
import { Type } from 'typebox';
import { PageInfo, PageQuery } from '../../core/http/pagination.ts';
import { Line, named, Nullable, Timestamp, Uuid } from '../../core/http/schema-types.ts';

const Version = (description: string) => Type.Integer({ minimum: 1, maximum: 2_147_483_647, description });
/** A path of a codebase as the API takes it: `/`-separated, relative. */
const CodePath = (description: string) => Line(1024, { description, examples: ['src/index.ts'] });

export const ProjectParams = Type.Object({ orgId: Uuid(), projectId: Uuid() });
export const SnapshotParams = Type.Object({ orgId: Uuid(), projectId: Uuid(), version: Version('The snapshot\'s version') });

export const UploadQuery = Type.Object({
  name: Line(200, { description: 'The upload\'s file name (`src.zip`): the snapshot\'s name, and a single file\'s path when `path` is not given. Never used to tell the kind.' }),
  path: Type.Optional(CodePath('The body is one file, to be kept at this path in the codebase (its other files carried over from the current snapshot), whatever its bytes look like')),
});
export const ListSnapshotsQuery = Type.Object({ ...PageQuery });
export const TreeQuery = Type.Object({
  snapshot: Type.Optional(Version('A snapshot\'s version; the current one when omitted')),
  path: Type.Optional(Line(1024, { blank: true, minLength: 0, description: 'The folder (`src/lib`); the root when empty or omitted', examples: ['src'] })),
});
export const FileQuery = Type.Object({
  path: CodePath('The file\'s path in the snapshot'),
  snapshot: Type.Optional(Version('A snapshot\'s version; the current one when omitted')),
  download: Type.Optional(Type.Boolean({ description: 'Send the bytes as an attachment even for a text file' })),
});
export const CompareQuery = Type.Object({ from: Version('The older snapshot\'s version'), to: Version('The newer snapshot\'s version') });

export const SnapshotView = named(
  'CodebaseSnapshot',
  Type.Object({
    id: Uuid(),
    projectId: Uuid(),
    version: Type.Integer({ description: '1, 2, … per project; never given twice, even after a deletion' }),
    current: Type.Boolean({ description: 'The newest snapshot: the one reads default to' }),
    source: Type.Union([Type.Literal('upload'), Type.Literal('git')], { description: 'How it came: `upload`, or `git` (imported from a Git URL)' }),
    git: Nullable(
      Type.Object(
        {
          url: Type.String(),
          ref: Nullable(Type.String({ description: 'The branch or tag asked for; null: the remote\'s default branch' })),
          commit: Type.String({ description: 'The commit imported (its full id)' }),
        },
        { description: 'Where a Git import came from; null for uploads' },
      ),
    ),
    name: Type.String({ description: 'The upload\'s file name' }),
    files: Type.Integer(),
    bytes: Type.Integer({ description: 'The files\' sizes summed' }),
    createdBy: Uuid(),
    createdAt: Timestamp(),
    searchable: Type.Boolean({ description: 'Its files are indexed for search (a job after each upload; GET …/codebase/search answers 409 `CODEBASE.NOT_SEARCHABLE` until then)' }),
    indexedAt: Nullable(Timestamp({ description: 'When it became searchable' })),
  }),
);

const SkippedFile = Type.Object({
  path: Type.String(),
  reason: Type.Union([Type.Literal('default_ignored'), Type.Literal('gitignore'), Type.Literal('too_large'), Type.Literal('binary')]),
  detail: Type.String({ description: 'The default pattern, the .gitignore, the cap or the detected type that decided it' }),
});

export const UploadView = named(
  'CodebaseUpload',
  Type.Object({
    snapshot: SnapshotView,
    storedBlobs: Type.Integer({ description: 'Contents this upload stored' }),
    reusedBlobs: Type.Integer({ description: 'Contents already stored for another snapshot of the organization, shared rather than stored again' }),
    skipped: Type.Array(SkippedFile, { description: 'Files left out, and why (the first 1,000)' }),
    skippedCount: Type.Integer({ description: 'Every file left out' }),
  }),
);

const Kind = Type.Union([Type.Literal('text'), Type.Literal('binary')], { description: 'By the file\'s bytes, never its name: binaries are only ever downloaded' });

export const TreeView = named(
  'CodebaseTree',
  Type.Object({
    snapshot: Type.Integer(),
    path: Type.String({ description: 'The folder listed (\'\' for the root)' }),
    entries: Type.Array(
      Type.Union([
        Type.Object({ type: Type.Literal('folder'), name: Type.String(), path: Type.String(), files: Type.Integer({ description: 'Files in it and below' }), bytes: Type.Integer({ description: 'Their sizes summed' }) }),
        Type.Object({ type: Type.Literal('file'), name: Type.String(), path: Type.String(), bytes: Type.Integer(), language: Nullable(Type.String()), kind: Kind }),
      ]),
      { description: 'Folders first, then files, each by name' },
    ),
  }),
);

export const FileView = named(
  'CodebaseFile',
  Type.Object({
    path: Type.String(),
    snapshot: Type.Integer(),
    size: Type.Integer(),
    sha256: Type.String(),
    language: Nullable(Type.String({ description: 'By extension, name or shebang; null when unknown' })),
    kind: Type.Literal('text'),
    text: Type.String(),
  }),
);

export const CompareView = named(
  'CodebaseComparison',
  Type.Object({
    from: Type.Integer(),
    to: Type.Integer(),
    added: Type.Array(Type.Object({ path: Type.String(), size: Type.Integer() })),
    removed: Type.Array(Type.Object({ path: Type.String(), size: Type.Integer() })),
    changed: Type.Array(Type.Object({ path: Type.String(), fromSize: Type.Integer(), toSize: Type.Integer() })),
    truncated: Type.Boolean({ description: 'More than 10,000 paths changed: the lists stop there, in path order' }),
  }),
);

export const ImportBody = Type.Object({
  url: Line(2000, { description: 'The repository\'s URL: https (plain http only to a host of CODEBASE_GIT_ALLOWED_HOSTS), no user name or password in it', examples: ['https://github.com/team/garden.git'] }),
  ref: Type.Optional(Nullable(Line(250, { description: 'A branch or tag; absent or null: the remote\'s default branch' }))),
  token: Type.Optional(Nullable(Type.String({ minLength: 1, maxLength: 1000, description: 'An access token for a private repository, sent as HTTP basic credentials to that host only; kept sealed for the next import, never returned' }))),
});

export const GitSourceView = named(
  'CodebaseGitSource',
  Type.Object({
    url: Type.String(),
    ref: Nullable(Type.String()),
    hasToken: Type.Boolean({ description: 'Whether a token is kept (it is never returned)' }),
    updatedAt: Timestamp({ description: 'The last import that set it' }),
  }),
);

export const ExportQuery = Type.Object({
  format: Type.Union([Type.Literal('zip'), Type.Literal('bundle')], { description: 'zip: the snapshot\'s files; bundle: a Git bundle, one commit per snapshot up to this one, on `main` (`git clone codebase.bundle`)' }),
  snapshot: Type.Optional(Type.Integer({ minimum: 1, maximum: 2_147_483_647, description: 'A version; absent: the current one' })),
});
export const SearchQuery = Type.Object({
  q: Line(500, {
    description: 'Words, each matched as a prefix (`getUs` finds `getUserName`), all required on one line (or in the path); an identifier also matches its camelCase and snake_case parts (`user` finds `getUserName` and `get_user_name`). "Quoted phrases" match words in sequence.',
    examples: ['userName', '"import express"'],
  }),
  snapshot: Type.Optional(Version('A snapshot\'s version; the current one when omitted')),
  language: Type.Optional(Line(40, { description: 'Only files of this language (as the tree and file views name it: `typescript`, `python`)', examples: ['typescript'] })),
  path: Type.Optional(Line(1024, { description: 'Only files whose path starts with this, literally (`src/` a folder, `src/li` any path so starting)', examples: ['src/'] })),
  ...PageQuery,
});

const SearchHit = Type.Object({
  path: Type.String(),
  line: Nullable(Type.Integer({ minimum: 1, description: 'The matching line, from 1; null when the path itself matches' })),
  language: Nullable(Type.String()),
  snippet: Type.String({
    description: 'Plain text, never HTML (it is code as written: show it as text): the line (or the path), or 240 characters of it around the first match, with `…` where it was cut',
  }),
  highlights: Type.Array(
    Type.Object({ start: Type.Integer({ minimum: 0 }), end: Type.Integer({ minimum: 0 }) }),
    { description: 'Where the query matches in `snippet`: [start, end) offsets in UTF-16 code units (JavaScript string indexes), in order, not overlapping' },
  ),
});

export const SearchResultsView = named(
  'CodebaseSearchResults',
  Type.Object({
    snapshot: Type.Integer({ description: 'The snapshot searched' }),
    data: Type.Array(SearchHit, { description: 'Best first: matching paths, then lines by rank; ties by path and line. At most 1,000 over all pages' }),
    page: PageInfo,
  }),
);
