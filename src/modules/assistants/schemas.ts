// The assistants API contract (TypeBox): params, bodies, queries and views of assistants and
// prompt templates.
import { Type } from 'typebox';
import { PageQuery } from '../../core/http/pagination.ts';
import { Line, named, Nullable, Text, Timestamp, Uuid } from '../../core/http/schema-types.ts';

/** Characters of a system prompt: about 5,000 tokens, room for a long brief without turning into a knowledge base. */
export const MAX_INSTRUCTIONS = 20_000;
export const MAX_TOOLS = 50;
export const MAX_KNOWLEDGE_PROJECTS = 50;
export const MAX_KNOWLEDGE_FILES = 50;
export const MAX_TEMPLATE_BODY = 50_000;
export const MAX_VARIABLES = 50;
export const MAX_VALUE = 20_000;

export const OrgParams = Type.Object({ orgId: Uuid() });
export const AssistantParams = Type.Object({ orgId: Uuid(), assistantId: Uuid() });
/** An organization's template (a UUID) or a built-in one (`<module>.<template>`, decision 0048). */
const TemplateId = (description = "A template's id: a UUID, or a built-in template's `<module>.<template>`") =>
  Type.String({
    pattern: '^(?:[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}|[a-z][a-z0-9]*(?:_[a-z0-9]+)*\\.[a-z][a-z0-9]*(?:_[a-z0-9]+)*)$',
    maxLength: 100,
    description,
    examples: ['codebase.explain'],
  });
export const TemplateParams = Type.Object({ orgId: Uuid(), templateId: TemplateId() });
export const TemplateVersionParams = Type.Object({ orgId: Uuid(), templateId: TemplateId(), version: Type.Integer({ minimum: 1, maximum: 2_147_483_647 }) });

const VISIBILITY = 'private: only its creator sees and uses it; org: every member of the organization reads and uses it, its creator and org admins change it';
const VisibilitySchema = Type.Union([Type.Literal('private'), Type.Literal('org')], { description: VISIBILITY });

const ToolName = Type.String({
  pattern: '^[a-z][a-z0-9]*(_[a-z0-9]+)*\\.[a-z][a-z0-9]*(_[a-z0-9]+)*$',
  maxLength: 100,
  description: 'A tool of the server (`<module>.<tool>`, docs/llm-tools.md); offered only to a user who may use it',
  examples: ['web_tools.web_search'],
});

const Knowledge = Type.Object({
  projectIds: Type.Array(Uuid(), { maxItems: MAX_KNOWLEDGE_PROJECTS, description: 'Projects of the organization whose content it may cite (each one visible to whoever sets it)' }),
  fileIds: Type.Array(Uuid(), { maxItems: MAX_KNOWLEDGE_FILES, description: "Stored files of the organization whose content it may cite" }),
});

export const AssistantView = named(
  'Assistant',
  Type.Object({
    id: Uuid(),
    orgId: Uuid(),
    name: Type.String(),
    description: Nullable(Type.String()),
    instructions: Type.String({ description: 'The system prompt' }),
    modelId: Nullable(Uuid('A model of the organization\'s catalog (GET /orgs/{orgId}/llm/models); null: the default model')),
    temperature: Nullable(Type.Number({ description: "0 to 2; null: the model's own default" })),
    tools: Type.Array(Type.String(), { description: 'The tools it may offer, by name' }),
    knowledge: Knowledge,
    visibility: VisibilitySchema,
    createdBy: Uuid(),
    createdAt: Timestamp(),
    updatedAt: Timestamp(),
  }),
);

const Temperature = Type.Number({ minimum: 0, maximum: 2, description: "0 (focused) to 2 (free); null: the model's own default" });

export const CreateAssistantBody = Type.Object({
  name: Line(200),
  description: Type.Optional(Nullable(Text(2_000))),
  instructions: Text(MAX_INSTRUCTIONS, { description: 'The system prompt: who the assistant is and how it answers' }),
  modelId: Type.Optional(Nullable(Uuid("A model of the organization's catalog that your role may use; null or absent: the default model"))),
  temperature: Type.Optional(Nullable(Temperature)),
  tools: Type.Array(ToolName, { maxItems: MAX_TOOLS, default: [], description: 'Tools it may offer, by name (docs/llm-tools.md); duplicates are dropped' }),
  knowledge: Type.Object(
    {
      projectIds: Type.Array(Uuid(), { maxItems: MAX_KNOWLEDGE_PROJECTS, default: [], description: 'Projects of the organization you can see' }),
      fileIds: Type.Array(Uuid(), { maxItems: MAX_KNOWLEDGE_FILES, default: [], description: 'Stored files of the organization' }),
    },
    { default: { projectIds: [], fileIds: [] } },
  ),
  visibility: Type.Union([Type.Literal('private'), Type.Literal('org')], { default: 'private', description: VISIBILITY }),
});

export const UpdateAssistantBody = Type.Object({
  name: Type.Optional(Line(200)),
  description: Type.Optional(Nullable(Text(2_000))),
  instructions: Type.Optional(Text(MAX_INSTRUCTIONS)),
  modelId: Type.Optional(Nullable(Uuid())),
  temperature: Type.Optional(Nullable(Temperature)),
  tools: Type.Optional(Type.Array(ToolName, { maxItems: MAX_TOOLS })),
  knowledge: Type.Optional(
    Type.Object({
      projectIds: Type.Optional(Type.Array(Uuid(), { maxItems: MAX_KNOWLEDGE_PROJECTS })),
      fileIds: Type.Optional(Type.Array(Uuid(), { maxItems: MAX_KNOWLEDGE_FILES })),
    }),
  ),
  visibility: Type.Optional(VisibilitySchema),
});

const ListQuery = {
  ...PageQuery,
  q: Type.Optional(Line(200, { minLength: 0, blank: true, description: 'Words the name contains (any case)' })),
  visibility: Type.Optional(VisibilitySchema),
};
export const ListAssistantsQuery = Type.Object(ListQuery);
export const ListTemplatesQuery = Type.Object({
  ...ListQuery,
  builtin: Type.Optional(Type.Boolean({ description: "true: only the built-in templates the server's modules ship; false: only the organization's own" })),
});

// Prompt templates

const VariableName = Type.String({
  pattern: '^[A-Za-z_][A-Za-z0-9_]{0,63}$',
  description: 'Written `{{name}}` in the body: a letter or `_`, then letters, digits and `_`',
  examples: ['customer_name'],
});

const Variable = Type.Object({
  name: VariableName,
  description: Type.Optional(Text(500)),
  default: Type.Optional(Text(MAX_VALUE, { description: 'Used when a render gives no value; without it the variable is required' })),
});

const VariableView = Type.Object({ name: Type.String(), description: Type.Optional(Type.String()), default: Type.Optional(Type.String()) });

const TemplateContent = {
  name: Type.String(),
  description: Nullable(Type.String()),
  body: Type.String({ description: 'The text, with `{{variable}}` placeholders' }),
  variables: Type.Array(VariableView),
};

const BUILT_IN = 'null for a built-in template';

export const TemplateView = named(
  'PromptTemplate',
  Type.Object({
    id: Type.String({ description: "A UUID; a built-in template's is `<module>.<template>` (codebase.explain), stable across versions and servers" }),
    orgId: Uuid(),
    ...TemplateContent,
    version: Type.Integer({ description: 'The current version: every change of its content adds one' }),
    visibility: VisibilitySchema,
    builtin: Type.Boolean({ description: "Shipped by one of the server's modules, the same in every organization: read and rendered like the others, never changed or deleted" }),
    createdBy: Nullable(Uuid(BUILT_IN)),
    createdAt: Nullable(Timestamp({ description: BUILT_IN })),
    updatedAt: Nullable(Timestamp({ description: BUILT_IN })),
  }),
);

export const TemplateVersionView = named(
  'PromptTemplateVersion',
  Type.Object({
    templateId: Type.String({ description: 'A UUID, or a built-in template\'s `<module>.<template>`' }),
    version: Type.Integer(),
    ...TemplateContent,
    createdBy: Nullable(Uuid(`Who wrote this version; ${BUILT_IN}`)),
    createdAt: Nullable(Timestamp({ description: BUILT_IN })),
  }),
);

export const CreateTemplateBody = Type.Object({
  name: Line(200),
  description: Type.Optional(Nullable(Text(2_000))),
  body: Text(MAX_TEMPLATE_BODY, { minLength: 1, description: 'The text, with `{{variable}}` placeholders: exactly the declared variables' }),
  variables: Type.Array(Variable, { maxItems: MAX_VARIABLES, default: [] }),
  visibility: Type.Union([Type.Literal('private'), Type.Literal('org')], { default: 'private', description: VISIBILITY }),
});

export const UpdateTemplateBody = Type.Object({
  name: Type.Optional(Line(200)),
  description: Type.Optional(Nullable(Text(2_000))),
  body: Type.Optional(Text(MAX_TEMPLATE_BODY, { minLength: 1 })),
  variables: Type.Optional(Type.Array(Variable, { maxItems: MAX_VARIABLES })),
  visibility: Type.Optional(VisibilitySchema),
});

export const RenderTemplateBody = Type.Object({
  version: Type.Optional(Type.Integer({ minimum: 1, maximum: 2_147_483_647, description: 'Default: the current version' })),
  values: Type.Record(Type.String({ maxLength: 64 }), Text(MAX_VALUE), { maxProperties: MAX_VARIABLES, default: {}, description: 'Variable name → value, inserted as written' }),
});

export const RenderedTemplateView = named(
  'RenderedPromptTemplate',
  Type.Object({
    templateId: Type.String({ description: 'A UUID, or a built-in template\'s `<module>.<template>`' }),
    version: Type.Integer({ description: 'The version rendered' }),
    text: Type.String(),
  }),
);
