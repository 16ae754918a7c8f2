// The llm_admin API contract (TypeBox): an organization's providers, the model catalog, budgets
// and usage reports, and the instance administrators' catalog.
import { Type } from 'typebox';
import { CalendarDate, Line, named, Nullable, Opaque, Timestamp, Uuid } from '../../core/http/schema-types.ts';

export const OrgParams = Type.Object({ orgId: Uuid() });
export const ProviderParams = Type.Object({ orgId: Uuid(), providerId: Uuid() });
export const OrgModelParams = Type.Object({ orgId: Uuid(), modelId: Uuid() });
export const ModelParams = Type.Object({ modelId: Uuid() });
export const UserBudgetParams = Type.Object({ orgId: Uuid(), userId: Uuid() });

const Kind = Type.Union([Type.Literal('openai'), Type.Literal('azure'), Type.Literal('anthropic'), Type.Literal('openai-compatible')], {
  description: 'openai, azure (Azure OpenAI), anthropic, or openai-compatible (Ollama, vLLM, LM Studio, a gateway…)',
});
const RoleOf = (opts: { default?: string; description?: string } = {}) => Type.Union([Type.Literal('viewer'), Type.Literal('member'), Type.Literal('admin'), Type.Literal('owner')], opts);
const Role = RoleOf();

const ProviderName = Line(40, { pattern: '^[a-z][a-z0-9_-]{0,39}$', examples: ['acme-openai'], description: 'Lower-case letters, digits, _ and -, a letter first: what the catalog and usage reports call it' });
const BaseUrl = Line(2000, { pattern: '^https?://', examples: ['https://llm.example.com/v1'], description: 'The API\'s base URL: required for openai-compatible; for the others, a proxy or gateway. It must reach a public address.' });
const AzureResource = Line(63, { pattern: '^[A-Za-z0-9][A-Za-z0-9-]{1,62}$', examples: ['my-resource'], description: 'Azure OpenAI resource name (or give baseUrl)' });
const AzureApiVersion = Line(40, { pattern: '^[A-Za-z0-9.-]+$', examples: ['2024-10-21'], description: 'Azure API version; unset: the v1 API' });
const ApiKey = Opaque(4096, { description: 'Write-only: sealed at rest, never returned (views show `hasKey` and `keyLast4`).' });

export const ProviderView = named(
  'LlmProvider',
  Type.Object({
    id: Uuid(),
    orgId: Uuid(),
    name: Type.String(),
    kind: Kind,
    baseUrl: Nullable(Type.String()),
    azureResource: Nullable(Type.String()),
    azureApiVersion: Nullable(Type.String()),
    hasKey: Type.Boolean(),
    keyLast4: Nullable(Type.String({ description: 'The key\'s last four characters, to tell keys apart' })),
    createdAt: Timestamp(),
    updatedAt: Timestamp(),
  }),
);
export const ProviderList = named('LlmProviderList', Type.Object({ data: Type.Array(ProviderView) }));

export const CreateProviderBody = Type.Object({
  name: ProviderName,
  kind: Kind,
  baseUrl: Type.Optional(BaseUrl),
  apiKey: Type.Optional(ApiKey),
  azureResource: Type.Optional(AzureResource),
  azureApiVersion: Type.Optional(AzureApiVersion),
});

export const UpdateProviderBody = Type.Object({
  name: Type.Optional(ProviderName),
  baseUrl: Type.Optional(Nullable(BaseUrl)),
  apiKey: Type.Optional(Nullable(Opaque(4096, { description: 'Write-only: a new key replaces the old one, null removes it, left out keeps it.' }))),
  azureResource: Type.Optional(Nullable(AzureResource)),
  azureApiVersion: Type.Optional(Nullable(AzureApiVersion)),
});

const Price = Type.Number({ minimum: 0, maximum: 1_000_000, description: 'Minor units of `currency` per million tokens (decimals allowed: 7.5 is $0.075 per million in USD)' });

export const ModelView = named(
  'LlmModel',
  Type.Object({
    id: Uuid(),
    scope: Type.Union([Type.Literal('instance'), Type.Literal('org')], { description: 'instance: declared by the server\'s settings; org: one of the organization\'s own providers' }),
    provider: Type.String({ description: 'The provider\'s name' }),
    providerId: Nullable(Uuid('The organization\'s provider; null for an instance model')),
    model: Type.String(),
    deployment: Nullable(Type.String({ description: 'Azure: the deployment serving the model' })),
    contextWindow: Nullable(Type.Integer({ description: 'Tokens the model reads at most; null when unknown' })),
    inputPrice: Nullable(Price),
    outputPrice: Nullable(Price),
    currency: Type.String({ description: 'ISO 4217 (LLM_CURRENCY)' }),
    supportsTools: Type.Boolean(),
    enabled: Type.Boolean(),
    minimumRole: Role,
    fallback: Type.Array(Uuid(), { description: 'Models tried in turn when this one\'s provider is down before it answered' }),
    allowed: Type.Optional(Type.Boolean({ description: 'Whether the caller may use it here (enabled, and the caller\'s role at least `minimumRole`)' })),
    isDefault: Type.Boolean({ description: 'The model of a call that names none' }),
  }),
);
export const ModelList = named('LlmModelList', Type.Object({ data: Type.Array(ModelView) }));

export const CreateModelBody = Type.Object({
  providerId: Uuid('One of the organization\'s providers'),
  model: Line(200, { description: 'The model as the provider names it' }),
  deployment: Type.Optional(Line(200, { description: 'Azure: the deployment serving the model (default: the model\'s name)' })),
  contextWindow: Type.Optional(Nullable(Type.Integer({ minimum: 1, maximum: 100_000_000 }))),
  inputPrice: Type.Optional(Nullable(Price)),
  outputPrice: Type.Optional(Nullable(Price)),
  supportsTools: Type.Boolean({ default: true }),
  enabled: Type.Boolean({ default: true }),
  minimumRole: RoleOf({ default: 'member', description: 'The lowest organization role that may use it' }),
  fallback: Type.Array(Uuid(), { default: [], maxItems: 5, description: 'Other models of the catalog, tried in turn' }),
});

export const UpdateModelBody = Type.Object({
  deployment: Type.Optional(Nullable(Line(200))),
  contextWindow: Type.Optional(Nullable(Type.Integer({ minimum: 1, maximum: 100_000_000 }))),
  inputPrice: Type.Optional(Nullable(Price)),
  outputPrice: Type.Optional(Nullable(Price)),
  supportsTools: Type.Optional(Type.Boolean()),
  enabled: Type.Optional(Type.Boolean()),
  minimumRole: Type.Optional(Role),
  fallback: Type.Optional(Type.Array(Uuid(), { maxItems: 5 })),
});

/** What instance administrators change of an instance model; null goes back to the settings' value. */
export const UpdateInstanceModelBody = Type.Object({
  contextWindow: Type.Optional(Nullable(Type.Integer({ minimum: 1, maximum: 100_000_000 }))),
  inputPrice: Type.Optional(Nullable(Price)),
  outputPrice: Type.Optional(Nullable(Price)),
  supportsTools: Type.Optional(Nullable(Type.Boolean())),
  enabled: Type.Optional(Nullable(Type.Boolean())),
  // A flat union (not Nullable of a union): clients and the document read it as one enum with null.
  minimumRole: Type.Optional(Type.Union([...Role.anyOf, Type.Null()])),
});

const Limit = (what: string) => Nullable(Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER, description: `${what} a month; null: no limit` }));

export const BudgetBody = Type.Object({
  monthlyTokens: Limit('Tokens (in and out together)'),
  monthlyCostMinor: Limit('Minor units of the currency (cents for USD)'),
});

const Spent = {
  spentTokens: Type.Integer({ description: 'This month, calls in flight included' }),
  spentCostMinor: Type.Number({ description: 'This month, in minor units (fractions of one: a call of a few tokens costs a fraction of a cent)' }),
};
const Limits = { monthlyTokens: Nullable(Type.Integer()), monthlyCostMinor: Nullable(Type.Integer()) };

export const BudgetsView = named(
  'LlmBudgets',
  Type.Object({
    currency: Type.String(),
    month: Type.String({ description: 'YYYY-MM, in the organization\'s time zone' }),
    resetsAt: Timestamp(),
    org: Type.Object({ ...Limits, ...Spent }, { description: 'The organization as a whole' }),
    eachUser: Type.Object(Limits, { description: 'Every member\'s, unless the member has their own' }),
    users: Type.Array(Type.Object({ userId: Uuid(), ...Limits, ...Spent }), { description: 'Members with a budget of their own' }),
  }),
);

const GROUPS = '(day|user|model|feature)';
export const UsageQuery = Type.Object({
  from: Type.Optional(CalendarDate({ years: { min: 2000, max: 2999 }, description: 'First day, in the organization\'s time zone (default: the first of this month)' })),
  to: Type.Optional(CalendarDate({ years: { min: 2000, max: 2999 }, description: 'Last day, inclusive (default: today)' })),
  groupBy: Type.String({
    pattern: `^${GROUPS}(,${GROUPS}){0,3}$`,
    examples: ['day,user,model'],
    default: 'day,user,model',
    description: 'Comma-separated: day, user, model (with its provider), feature',
  }),
  userId: Type.Optional(Uuid('Only this member')),
  format: Type.Union([Type.Literal('json'), Type.Literal('csv')], { default: 'json' }),
});

export const UsageRow = Type.Object({
  day: Type.Optional(Type.String({ description: 'YYYY-MM-DD in the organization\'s time zone' })),
  userId: Type.Optional(Uuid()),
  provider: Type.Optional(Type.String()),
  model: Type.Optional(Type.String()),
  feature: Type.Optional(Type.String()),
  calls: Type.Integer(),
  inputTokens: Type.Integer(),
  outputTokens: Type.Integer(),
  costMinor: Type.Number(),
});

export const UsageView = named(
  'LlmUsageReport',
  Type.Object({
    currency: Type.String(),
    from: Type.String(),
    to: Type.String(),
    timeZone: Type.String(),
    groupBy: Type.Array(Type.String()),
    rows: Type.Array(UsageRow),
    totals: Type.Object({ calls: Type.Integer(), inputTokens: Type.Integer(), outputTokens: Type.Integer(), costMinor: Type.Number() }),
  }),
);

export const UsageResponse = {
  description: 'The usage, in the format asked for',
  content: {
    'application/json': { schema: UsageView },
    'text/csv': { schema: { type: 'string', format: 'binary', description: 'format=csv: a header row, one row per group (UTF-8 with BOM)' } },
  },
};
