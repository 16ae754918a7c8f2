// A documentation template: which pages a run makes and the Markdown around what extraction
// found. An org defines its own (stored and validated by the module's routes later) or uses a
// built-in one. The bodies are Markdown with `{{placeholders}}` (placeholders.ts) for the
// built-in values and the template's own variables, given at run time; nothing else is
// interpreted, so a template cannot run code or read anything the page builders do not hand it
// (decision 0047).
import { type Static, Type } from 'typebox';
import { Line, Nullable, Text } from '../../../core/http/schema-types.ts';
import { placeholdersOf, VARIABLE_NAME } from './placeholders.ts';

export const MAX_TEMPLATE_BODY = 50_000;
export const MAX_INTRO = 10_000;
export const MAX_VARIABLES = 30;
export const MAX_VALUE = 5_000;

/** The values every template may use, with what they hold (shown to template authors). */
export const BUILT_IN_PLACEHOLDERS: Readonly<Record<string, string>> = {
  'project.name': "The project's name",
  'project.description': "The project's description, or nothing",
  'snapshot.version': "The snapshot's version number",
  'snapshot.name': "The snapshot's name",
  'snapshot.createdAt': 'When the snapshot was taken, in the time zone of the run',
  generatedAt: 'When the documentation was generated, in the time zone of the run',
  languages: 'A table of the languages with their files and lines',
  'totals.files': 'Files in the snapshot',
  'totals.lines': 'Lines of text in the snapshot',
  'totals.size': 'The snapshot\'s size ("1.2 MB")',
  readme: "The codebase's README (its raw HTML shown as text, its links kept only when they lead to a page or the web)",
  layout: 'The top folders with their file counts, linked to their module pages',
  modules: 'A list of the module pages',
  apis: 'A list of the API reference pages',
  skipped: 'The files not read for structure, with why',
};

/** Values only a page of that kind has, used in its intro. */
export const PAGE_PLACEHOLDERS = {
  modulePage: { 'module.path': "The module's folder", 'module.files': 'Its number of files' },
  filePage: { 'file.path': "The file's path", 'file.language': 'Its language', 'file.lines': 'Its lines' },
  apiPage: { 'api.title': "The API's title", 'api.version': 'Its version, or nothing', 'api.path': 'The file it was read from' },
} as const satisfies Record<string, Record<string, string>>;

const VariableSchema = Type.Object(
  {
    name: Line(64, { pattern: VARIABLE_NAME.source, description: 'Written `{{name}}` in the bodies', examples: ['team'] }),
    description: Type.Optional(Nullable(Text(500))),
    default: Type.Optional(Nullable(Text(MAX_VALUE, { description: 'Used when a run gives no value; a variable without one is required' }))),
  },
  { additionalProperties: false },
);

export const DocTemplateSchema = Type.Object(
  {
    name: Line(200),
    description: Type.Optional(Nullable(Text(2_000))),
    variables: Type.Array(VariableSchema, { maxItems: MAX_VARIABLES }),
    pages: Type.Object(
      {
        overview: Type.Boolean({ description: 'index: the overview body' }),
        modules: Type.Boolean({ description: 'One page per folder with its exported symbols' }),
        api: Type.Boolean({ description: 'One page per OpenAPI/Swagger document found' }),
        files: Type.Boolean({ description: 'One page per source file with its symbols, members and imports' }),
      },
      { additionalProperties: false },
    ),
    overview: Text(MAX_TEMPLATE_BODY, { description: 'Markdown of the overview page, with placeholders' }),
    modulePage: Text(MAX_INTRO, { description: 'Markdown put at the top of each module page' }),
    filePage: Text(MAX_INTRO, { description: 'Markdown put at the top of each file page' }),
    apiPage: Text(MAX_INTRO, { description: 'Markdown put at the top of each API page' }),
    options: Type.Object(
      {
        includePrivate: Type.Boolean({ description: 'Also document symbols that are not exported' }),
        includeMembers: Type.Boolean({ description: 'Document the members of classes, interfaces, structs and traits' }),
        includeImports: Type.Boolean({ description: "List a file's imports and re-exports, linked to their pages" }),
        generatedSummaries: Type.Boolean({ description: "Show the LLM pass's module summaries (marked as generated) when the run has them" }),
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);
export type DocTemplate = Static<typeof DocTemplateSchema>;
export type TemplateField = 'overview' | 'modulePage' | 'filePage' | 'apiPage';

export interface FieldProblem {
  field: string;
  message: string;
}

const OVERVIEW = `# {{project.name}}

{{project.description}}

Snapshot {{snapshot.version}} ({{snapshot.name}}), taken {{snapshot.createdAt}}. Documentation generated {{generatedAt}}.

## Size

{{totals.files}} files, {{totals.lines}} lines, {{totals.size}}.

## Languages

{{languages}}

## Layout

{{layout}}

## Modules

{{modules}}

## APIs

{{apis}}

## README

{{readme}}

## Not documented

{{skipped}}
`;

export const DEFAULT_TEMPLATE: DocTemplate = {
  name: 'Default',
  description: 'An overview with the README, languages, size and layout; a page per module, per API and per file.',
  variables: [],
  pages: { overview: true, modules: true, api: true, files: true },
  overview: OVERVIEW,
  modulePage: '',
  filePage: '',
  apiPage: '',
  options: { includePrivate: false, includeMembers: true, includeImports: true, generatedSummaries: true },
};

export const API_ONLY_TEMPLATE: DocTemplate = {
  name: 'API reference',
  description: 'The API documents and the modules exported symbols, without per-file pages.',
  variables: [{ name: 'audience', description: 'Who the reference is for', default: 'developers' }],
  pages: { overview: true, modules: true, api: true, files: false },
  overview: '# {{project.name}}: API reference\n\nFor {{audience}}. Snapshot {{snapshot.version}}, generated {{generatedAt}}.\n\n## APIs\n\n{{apis}}\n\n## Modules\n\n{{modules}}\n',
  modulePage: '',
  filePage: '',
  apiPage: '',
  options: { includePrivate: false, includeMembers: true, includeImports: false, generatedSummaries: true },
};

export const BUILT_IN_TEMPLATES: readonly DocTemplate[] = [DEFAULT_TEMPLATE, API_ONLY_TEMPLATE];

/** The placeholders a field of the template may use besides its variables. */
export function placeholdersFor(field: TemplateField): Set<string> {
  const own = field === 'overview' ? {} : PAGE_PLACEHOLDERS[field];
  return new Set([...Object.keys(BUILT_IN_PLACEHOLDERS), ...Object.keys(own)]);
}

/**
 * What is wrong with a template (one that already fits DocTemplateSchema), as field errors: a
 * variable declared twice or named like a built-in value, a placeholder neither built in nor
 * declared for that body, no page at all. Empty when it is good.
 */
export function checkTemplate(template: DocTemplate): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const declared = new Set<string>();
  template.variables.forEach((v, i) => {
    const field = `variables.${i}.name`;
    if (declared.has(v.name)) problems.push({ field, message: `declares "${v.name}" a second time` });
    if (Object.hasOwn(BUILT_IN_PLACEHOLDERS, v.name)) problems.push({ field, message: `"${v.name}" is a built-in value and cannot be a variable` });
    declared.add(v.name);
    // A default is text put into the page as is: placeholders in it are not read (one pass).
  });
  for (const field of ['overview', 'modulePage', 'filePage', 'apiPage'] as const) {
    const allowed = placeholdersFor(field);
    for (const name of placeholdersOf(template[field])) {
      if (!allowed.has(name) && !declared.has(name)) problems.push({ field, message: `uses {{${name}}}, which is neither a built-in value of this page nor a declared variable` });
    }
  }
  if (!Object.values(template.pages).some(Boolean)) problems.push({ field: 'pages', message: 'makes no page: turn on at least one kind' });
  return problems;
}

/**
 * The variables' values for a run: each given value, else the variable's default. Refuses (as
 * field errors of `values`) a value for a variable the template does not declare, a required
 * variable without a value and a value longer than MAX_VALUE.
 */
export function resolveValues(template: DocTemplate, values: Readonly<Record<string, string>>): { values: Map<string, string> } | { problems: FieldProblem[] } {
  const byName = new Map(template.variables.map((v) => [v.name, v]));
  const problems: FieldProblem[] = [];
  for (const [name, value] of Object.entries(values)) {
    if (!byName.has(name)) problems.push({ field: `values.${name}`, message: 'is not a variable of this template' });
    else if (value.length > MAX_VALUE) problems.push({ field: `values.${name}`, message: `is longer than ${MAX_VALUE} characters` });
  }
  const out = new Map<string, string>();
  for (const v of template.variables) {
    const value = Object.hasOwn(values, v.name) ? values[v.name] : v.default;
    if (value === undefined || value === null) problems.push({ field: `values.${v.name}`, message: 'is required: the variable has no default' });
    else out.set(v.name, value);
  }
  return problems.length ? { problems } : { values: out };
}
