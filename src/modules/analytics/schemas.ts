// The analytics API contract (TypeBox): params, bodies, queries and views.
import { Type } from 'typebox';
import { PageQuery } from '../../core/http/pagination.ts';
import { AnyJson, Line, named, Nullable, Text, Timestamp, Uuid } from '../../core/http/schema-types.ts';

export const OrgParams = Type.Object({ orgId: Uuid() });
export const QuestionParams = Type.Object({ orgId: Uuid(), questionId: Uuid() });
export const RunParams = Type.Object({ orgId: Uuid(), runId: Uuid() });

export const ParameterType = Type.Union([Type.Literal('text'), Type.Literal('integer'), Type.Literal('number'), Type.Literal('boolean'), Type.Literal('date'), Type.Literal('timestamp')]);
const ParameterName = Type.String({ pattern: '^[A-Za-z_][A-Za-z0-9_]{0,62}$', examples: ['since'], description: 'Written `:name` in the SQL' });
const ParameterValue = Type.Union([Type.String({ maxLength: 10000 }), Type.Number(), Type.Boolean(), Type.Null()]);

/** A value given for a `:name` in the SQL: bound by the driver, never spliced into the text. */
export const QueryParameter = Type.Object({ name: ParameterName, type: ParameterType, value: ParameterValue }, { description: 'A value for `:name` in the SQL' });
/** A parameter a saved question declares, with the value it runs with when none is given. */
export const DeclaredParameter = Type.Object({ name: ParameterName, type: ParameterType, default: Type.Optional(ParameterValue) }, { description: 'A parameter the question declares, with the value it runs with by default' });

export const Sql = Text(100_000, { description: 'One SELECT (or WITH … SELECT) in the source\'s dialect; `:name` marks a parameter' });

export const RunQueryBody = Type.Object({
  dataSourceId: Uuid(),
  sql: Sql,
  parameters: Type.Optional(Type.Array(QueryParameter, { maxItems: 50 })),
  maxRows: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000, description: 'Fewer rows than the server\'s cap (ANALYTICS_MAX_ROWS)' })),
  fresh: Type.Optional(Type.Boolean({ description: 'Skip the result cache' })),
});

export const ResultColumn = Type.Object({
  name: Type.String(),
  type: Type.String({ description: 'integer, number, text, boolean, date, timestamp, json, binary or other' }),
});

export const QueryResultView = named(
  'QueryResult',
  Type.Object({
    columns: Type.Array(ResultColumn),
    rows: Type.Array(Type.Array(AnyJson('A cell: a number, text (dates and timestamps as ISO 8601), a boolean, null, or for JSON and array columns their JSON value')), { description: 'One array per row, its cells in the order of `columns`' }),
    rowCount: Type.Integer(),
    truncated: Type.Boolean({ description: 'A row or size cap stopped the reading: the source has more rows' }),
    durationMs: Type.Number(),
    cached: Type.Boolean(),
    cachedAt: Nullable(Timestamp()),
  }),
);

export const DownloadBody = Type.Object({
  dataSourceId: Uuid(),
  sql: Sql,
  parameters: Type.Optional(Type.Array(QueryParameter, { maxItems: 50 })),
  format: Type.Union([Type.Literal('csv'), Type.Literal('xlsx')]),
});
export const DownloadQuery = Type.Object({ format: Type.Union([Type.Literal('csv'), Type.Literal('xlsx')]) });

export const QuestionView = named(
  'SavedQuestion',
  Type.Object({
    id: Uuid(),
    orgId: Uuid(),
    dataSourceId: Uuid(),
    name: Type.String(),
    description: Type.String(),
    question: Nullable(Type.String({ description: 'The plain-language question it was generated from, if any' })),
    sql: Type.String(),
    parameters: Type.Array(DeclaredParameter),
    verified: Type.Boolean({ description: 'An admin checked it: it grounds the question generator as an example' }),
    createdBy: Uuid(),
    createdAt: Timestamp(),
    updatedAt: Timestamp(),
  }),
);

export const CreateQuestionBody = Type.Object({
  dataSourceId: Uuid(),
  name: Line(200),
  description: Type.Optional(Text(2000)),
  question: Type.Optional(Line(2000)),
  sql: Sql,
  parameters: Type.Optional(Type.Array(DeclaredParameter, { maxItems: 50 })),
  verified: Type.Optional(Type.Boolean({ description: 'Admins only' })),
});

export const UpdateQuestionBody = Type.Object({
  name: Type.Optional(Line(200)),
  description: Type.Optional(Text(2000)),
  question: Type.Optional(Nullable(Line(2000))),
  sql: Type.Optional(Sql),
  parameters: Type.Optional(Type.Array(DeclaredParameter, { maxItems: 50 })),
  verified: Type.Optional(Type.Boolean({ description: 'Admins only' })),
});

export const ListQuestionsQuery = Type.Object({ ...PageQuery, dataSourceId: Type.Optional(Uuid()) });

export const RunQuestionBody = Type.Object({
  parameters: Type.Optional(Type.Array(Type.Object({ name: ParameterName, value: ParameterValue }), { maxItems: 50, description: 'Values for the declared parameters; the others run with their defaults' })),
  fresh: Type.Optional(Type.Boolean()),
});

export const RunView = named(
  'QueryRun',
  Type.Object({
    id: Uuid(),
    dataSourceId: Uuid(),
    questionId: Nullable(Uuid()),
    sql: Type.String(),
    parameters: Type.Array(QueryParameter),
    status: Type.Union([Type.Literal('ok'), Type.Literal('refused'), Type.Literal('failed')]),
    errorCode: Nullable(Type.String()),
    rowCount: Nullable(Type.Integer()),
    durationMs: Nullable(Type.Integer()),
    cached: Type.Boolean(),
    createdAt: Timestamp(),
  }),
);
export const ListRunsQuery = Type.Object({ ...PageQuery });

export const AskBody = Type.Object({
  dataSourceId: Uuid(),
  question: Line(2000, { description: 'In plain language, e.g. "hours per client last quarter"' }),
  maxRows: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000 })),
});

export const AskView = named(
  'AskAnswer',
  Type.Object({
    question: Type.String(),
    sql: Type.String({ description: 'The SQL the model wrote, as it ran: read it before trusting the answer' }),
    explanation: Type.String({ description: 'One line from the model on what the SQL does' }),
    repaired: Type.Boolean({ description: 'The first SQL was refused (by the guard or the source) and the model rewrote it once' }),
    result: QueryResultView,
  }),
);

export const ProfileBody = Type.Object({
  dataSourceId: Type.Optional(Uuid()),
  table: Type.Optional(Type.Object({ schema: Line(128), name: Line(128) })),
  sql: Type.Optional(Sql),
  parameters: Type.Optional(Type.Array(QueryParameter, { maxItems: 50 })),
  questionId: Type.Optional(Uuid('Profile the result of a saved question instead')),
});

const Bin = Type.Object({ from: Type.Number(), to: Type.Number(), count: Type.Integer() });
export const ColumnProfile = named(
  'ColumnProfile',
  Type.Object({
    name: Type.String(),
    type: Type.String(),
    count: Type.Integer({ description: 'Rows profiled' }),
    nulls: Type.Integer(),
    distinct: Type.Integer(),
    min: AnyJson('The smallest value (numbers as numbers, others as text); null when all are null'),
    max: AnyJson('The largest value'),
    mean: Nullable(Type.Number()),
    stddev: Nullable(Type.Number()),
    quantiles: Nullable(Type.Object({ p05: Type.Number(), p25: Type.Number(), p50: Type.Number(), p75: Type.Number(), p95: Type.Number() })),
    histogram: Nullable(Type.Array(Bin)),
    topValues: Type.Array(Type.Object({ value: AnyJson('The value (numbers as numbers, others as text)'), count: Type.Integer() })),
  }),
);

export const ProfileView = named(
  'DataProfile',
  Type.Object({
    rowCount: Type.Integer({ description: 'Rows profiled' }),
    sampled: Type.Boolean({ description: 'The table or result had more rows than ANALYTICS_PROFILE_MAX_ROWS: the profile is of the first ones' }),
    columns: Type.Array(ColumnProfile),
    correlations: Type.Array(Type.Object({ a: Type.String(), b: Type.String(), pearson: Nullable(Type.Number()) })),
  }),
);
