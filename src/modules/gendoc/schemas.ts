// The gendoc API contract (TypeBox): params, bodies, queries and views.
import { Type } from 'typebox';
import { PageQuery } from '../../core/http/pagination.ts';
import { named, Timestamp, Uuid } from '../../core/http/schema-types.ts';
import { DocTemplateSchema } from './render/index.ts';

export const OrgParams = Type.Object({ orgId: Uuid() });
export const TemplateParams = Type.Object({ orgId: Uuid(), templateId: Type.String({ minLength: 1, maxLength: 80, description: 'A template\'s id, or a built-in one\'s name (`default`…)' }) });
export const ProjectParams = Type.Object({ orgId: Uuid(), projectId: Uuid() });
export const RunParams = Type.Object({ orgId: Uuid(), projectId: Uuid(), runId: Uuid() });

export const Format = Type.Union([Type.Literal('md'), Type.Literal('html'), Type.Literal('pdf')], {
  description: '`md`: a ZIP of Markdown pages; `html`: a ZIP of a static site (navigation and search, no script from the code); `pdf`: one PDF with a table of contents',
});
const Formats = Type.Array(Format, { minItems: 1, maxItems: 3, uniqueItems: true });
const Values = Type.Record(Type.String({ pattern: '^[A-Za-z_][A-Za-z0-9_]{0,39}$' }), Type.String({ maxLength: 2000 }), {
  description: "Values of the template's own variables (`{{name}}`); a variable without a default must have one",
});
const TemplateRef = Type.String({ minLength: 1, maxLength: 80, description: 'A template of the org (its id) or a built-in one (`default`, see GET /orgs/{orgId}/doc-templates)' });
const SummaryModel = Type.Union([Uuid(), Type.Null()], {
  description: "A model of the org's catalog (GET …/llm/models) that writes a summary of each module, marked as generated; its calls count against your LLM budgets. null or absent: no LLM pass",
});

/** A template: its pages and their Markdown with `{{placeholders}}` (docs/gendoc.md, "Templates"). */
export const DocTemplateBody = named('DocTemplateContent', DocTemplateSchema);

export const TemplateView = named(
  'DocTemplate',
  Type.Object({
    id: Type.String({ description: 'A UUID, or the name of a built-in template' }),
    orgId: Type.Union([Uuid(), Type.Null()], { description: 'null for a built-in template' }),
    builtin: Type.Boolean(),
    name: Type.String(),
    description: Type.Union([Type.String(), Type.Null()]),
    template: DocTemplateBody,
    createdBy: Type.Union([Uuid(), Type.Null()]),
    createdAt: Type.Union([Timestamp(), Type.Null()]),
    updatedAt: Type.Union([Timestamp(), Type.Null()]),
  }),
);

export const ListQuery = Type.Object({ ...PageQuery });

export const GenerateBody = Type.Object({
  snapshot: Type.Optional(Type.Integer({ minimum: 1, description: 'The snapshot version (default: the current one)' })),
  template: Type.Optional(TemplateRef),
  formats: Formats,
  values: Type.Optional(Values),
  summaryModelId: Type.Optional(SummaryModel),
});

const Output = Type.Object({
  format: Format,
  fileName: Type.String(),
  contentType: Type.String(),
  size: Type.Integer(),
  pages: Type.Integer({ description: 'Pages written (documents, not PDF pages)' }),
  url: Type.String({ description: 'Where to download it (GET, the same rights as the run)' }),
});

export const RunView = named(
  'DocRun',
  Type.Object({
    id: Uuid(),
    orgId: Uuid(),
    projectId: Uuid(),
    snapshot: Type.Integer(),
    template: Type.String({ description: 'The template asked for (id or built-in name); the run keeps its content as it was' }),
    formats: Formats,
    values: Values,
    summaryModelId: Type.Union([Uuid(), Type.Null()]),
    trigger: Type.Union([Type.Literal('request'), Type.Literal('snapshot')], { description: '`snapshot`: started by a new snapshot, the project asking for it (PUT …/docs/settings)' }),
    status: Type.Union([Type.Literal('queued'), Type.Literal('running'), Type.Literal('done'), Type.Literal('failed')]),
    jobId: Type.Union([Type.String(), Type.Null()], { description: 'Its job: GET /jobs/{id} and the realtime stream show its progress' }),
    outputs: Type.Array(Output),
    stats: Type.Union([
      Type.Object({
        files: Type.Integer(),
        filesParsed: Type.Integer({ description: 'Files whose structure was extracted' }),
        symbols: Type.Integer(),
        apis: Type.Integer({ description: 'OpenAPI documents found' }),
        summaries: Type.Integer({ description: 'Module summaries the LLM pass wrote' }),
        summariesStopped: Type.Union([Type.String(), Type.Null()], { description: 'Why the LLM pass stopped early (a budget or role refusal)' }),
        seconds: Type.Number(),
      }),
      Type.Null(),
    ]),
    error: Type.Union([Type.String(), Type.Null()]),
    createdBy: Uuid(),
    createdAt: Timestamp(),
    finishedAt: Type.Union([Timestamp(), Type.Null()]),
  }),
);

export const DownloadQuery = Type.Object({ format: Format });

export const ProjectSettingsView = named(
  'DocProjectSettings',
  Type.Object({
    projectId: Uuid(),
    regenerate: Type.Boolean({ description: 'Generate again, with these choices, as the member who set them, whenever a new snapshot arrives' }),
    template: TemplateRef,
    formats: Formats,
    values: Values,
    summaryModelId: Type.Union([Uuid(), Type.Null()]),
    updatedBy: Type.Union([Uuid(), Type.Null()]),
    updatedAt: Type.Union([Timestamp(), Type.Null()]),
  }),
);

export const PutProjectSettingsBody = Type.Object({
  regenerate: Type.Boolean(),
  template: Type.Optional(TemplateRef),
  formats: Type.Optional(Formats),
  values: Type.Optional(Values),
  summaryModelId: Type.Optional(SummaryModel),
});
