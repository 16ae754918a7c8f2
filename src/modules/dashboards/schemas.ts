// The dashboards API contract (TypeBox): params, bodies, queries and views.
import { type Static, Type } from 'typebox';
import { PageQuery } from '../../core/http/pagination.ts';
import { AnyJson, CalendarDate, Line, Nullable, named, Opaque, Text, Timestamp, Uuid } from '../../core/http/schema-types.ts';

export const OrgParams = Type.Object({ orgId: Uuid() });
export const DashboardParams = Type.Object({ orgId: Uuid(), dashboardId: Uuid() });
export const CollectionParams = Type.Object({ orgId: Uuid(), collectionId: Uuid() });
export const ShareParams = Type.Object({ orgId: Uuid(), dashboardId: Uuid(), shareId: Uuid() });
export const TokenParams = Type.Object({ token: Opaque(100, { description: 'The signed token of the share link' }) });

const Access = Type.Union([Type.Literal('view'), Type.Literal('edit')]);
const Role = Type.Union([Type.Literal('viewer'), Type.Literal('member'), Type.Literal('admin'), Type.Literal('owner')]);
const Id = (description: string) => Type.String({ pattern: '^[A-Za-z0-9_-]{1,40}$', maxLength: 40, description, examples: ['revenue'] });

/** One grant of a collection: to a role (and those above it) or to one member. */
export const GrantSchema = Type.Object(
  { role: Type.Optional(Role), userId: Type.Optional(Uuid()), access: Access },
  { description: 'Give `role` or `userId` (one of them) `view` or `edit` on the collection\'s dashboards' },
);

export const CollectionView = named(
  'DashboardCollection',
  Type.Object({
    id: Uuid(),
    orgId: Uuid(),
    name: Type.String(),
    grants: Type.Array(GrantSchema),
    access: Access,
    createdAt: Timestamp(),
    updatedAt: Timestamp(),
  }),
);
export const CollectionList = named('DashboardCollectionList', Type.Object({ data: Type.Array(CollectionView) }));
export const CreateCollectionBody = Type.Object({ name: Line(120, { pattern: '\\S' }), grants: Type.Optional(Type.Array(GrantSchema, { maxItems: 100 })) });
export const UpdateCollectionBody = Type.Object({ name: Type.Optional(Line(120, { pattern: '\\S' })), grants: Type.Optional(Type.Array(GrantSchema, { maxItems: 100 })) });

const FilterKind = Type.Union([Type.Literal('date_range'), Type.Literal('category'), Type.Literal('number_range'), Type.Literal('text')]);
const L = Type.Literal;
const Preset = Type.Union([L('today'), L('yesterday'), L('last_7_days'), L('last_30_days'), L('this_month'), L('last_month'), L('this_quarter'), L('last_quarter'), L('this_year'), L('last_year')]);

/** A filter's value: text (category, text) or an object (date range, number range); rules.ts checks which fits. */
export const FilterValueSchema = Type.Union(
  [
    Type.String({ maxLength: 500 }),
    Type.Object({
      preset: Type.Optional(Preset),
      from: Type.Optional(CalendarDate()),
      to: Type.Optional(CalendarDate()),
      min: Type.Optional(Type.Number()),
      max: Type.Optional(Type.Number()),
    }),
  ],
  { description: 'date_range: `{ preset }` or `{ from, to }` (inclusive dates); number_range: `{ min?, max? }`; category: one of its values; text: text' },
);
export type FilterValue = Static<typeof FilterValueSchema>;

export const FilterDefSchema = Type.Object({
  id: Id('Widgets map filters by this id'),
  kind: FilterKind,
  label: Line(100),
  values: Type.Optional(Type.Array(Type.String({ maxLength: 200 }), { maxItems: 200, description: 'The choices of a category filter' })),
  locked: Type.Optional(Type.Boolean({ description: 'Viewers of a share link cannot change it (its default applies)' })),
  default: Type.Optional(FilterValueSchema),
});
export type FilterDef = Static<typeof FilterDefSchema>;
/** The same shape, named, for the views (request bodies stay inline). */
const FilterDefView = named('DashboardFilter', Type.Object(FilterDefSchema.properties));

const Mapping = Type.Object({
  filterId: Id('A filter of the dashboard'),
  parameter: Type.String({ pattern: '^[A-Za-z_][A-Za-z0-9_]{0,62}$', maxLength: 63, description: 'A parameter the question declares', examples: ['since'] }),
  part: Type.Optional(Type.Union([Type.Literal('from'), Type.Literal('to'), Type.Literal('min'), Type.Literal('max')], { description: 'Which end of a range filter: from/to (date_range), min/max (number_range)' })),
});

const WidgetFields = {
  id: Id('Unique within the dashboard'),
  kind: Type.Union([Type.Literal('question'), Type.Literal('text'), Type.Literal('chart')]),
  questionId: Type.Optional(Uuid('A saved question (question widgets)')),
  chartId: Type.Optional(Uuid('A chart (chart widgets)')),
  markdown: Type.Optional(Text(20_000, { description: 'Markdown (text widgets), rendered to sanitized HTML' })),
  title: Type.Optional(Line(200)),
  x: Type.Integer({ minimum: 0, maximum: 11, description: 'Column, 0 to 11' }),
  y: Type.Integer({ minimum: 0, maximum: 10_000, description: 'Row' }),
  w: Type.Integer({ minimum: 1, maximum: 12, description: 'Columns wide; x + w ≤ 12' }),
  h: Type.Integer({ minimum: 1, maximum: 24, description: 'Rows high' }),
  filters: Type.Optional(Type.Array(Mapping, { maxItems: 40, description: 'Which dashboard filter sets which question parameter' })),
};
export const WidgetSchema = Type.Object(WidgetFields);
export type Widget = Static<typeof WidgetSchema>;

export const WidgetView = named('DashboardWidget', Type.Object({ ...WidgetFields, html: Type.Optional(Type.String({ description: 'Text widgets: the Markdown as sanitized HTML' })) }));

export const DashboardView = named(
  'Dashboard',
  Type.Object({
    id: Uuid(),
    orgId: Uuid(),
    collectionId: Nullable(Uuid()),
    name: Type.String(),
    description: Type.String(),
    widgets: Type.Array(WidgetView),
    filters: Type.Array(FilterDefView),
    access: Access,
    createdBy: Uuid(),
    createdAt: Timestamp(),
    updatedAt: Timestamp(),
  }),
);

const Widgets = Type.Array(WidgetSchema, { maxItems: 100 });
const Filters = Type.Array(FilterDefSchema, { maxItems: 20 });
export const CreateDashboardBody = Type.Object({
  name: Line(200, { pattern: '\\S' }),
  description: Type.Optional(Text(2000)),
  collectionId: Type.Optional(Nullable(Uuid())),
  widgets: Type.Optional(Widgets),
  filters: Type.Optional(Filters),
});
export const UpdateDashboardBody = Type.Object({
  name: Type.Optional(Line(200, { pattern: '\\S' })),
  description: Type.Optional(Text(2000)),
  collectionId: Type.Optional(Nullable(Uuid())),
  widgets: Type.Optional(Widgets),
  filters: Type.Optional(Filters),
});
export const DuplicateBody = Type.Object({ name: Type.Optional(Line(200, { pattern: '\\S' })) });
export const ListDashboardsQuery = Type.Object({ ...PageQuery, collectionId: Type.Optional(Uuid()) });
export const ListCollectionsQuery = Type.Object({ ...PageQuery });

export const DataQuery = Type.Object({
  filters: Type.Optional(Text(10_000, { description: 'JSON object: filter id → value; filters not given take their default' })),
});

export const ResultTable = named(
  'DashboardWidgetResult',
  Type.Object({
    columns: Type.Array(Type.Object({ name: Type.String(), type: Type.String() })),
    rows: Type.Array(Type.Array(AnyJson('A cell, as in a saved question\'s result'))),
    rowCount: Type.Integer(),
    truncated: Type.Boolean(),
    durationMs: Type.Number(),
    cached: Type.Boolean(),
    cachedAt: Nullable(Timestamp()),
  }),
);

export const WidgetDataView = Type.Object({
  widgetId: Type.String(),
  kind: Type.Union([Type.Literal('question'), Type.Literal('text'), Type.Literal('chart')]),
  status: Type.Union([Type.Literal('ok'), Type.Literal('error'), Type.Literal('timed_out')]),
  result: Type.Optional(ResultTable),
  spec: Type.Optional(Type.Object({}, { additionalProperties: true, description: 'Chart widgets: the chart\'s spec' })),
  html: Type.Optional(Type.String({ description: 'Text widgets' })),
  error: Type.Optional(Type.Object({ code: Type.String(), detail: Type.String() })),
});

export const DashboardDataView = named(
  'DashboardData',
  Type.Object({
    dashboardId: Uuid(),
    filters: Type.Array(Type.Object({ id: Type.String(), value: Nullable(AnyJson('The value applied; date ranges as { from, to }')) })),
    widgets: Type.Array(WidgetDataView),
  }),
);

export const CreateShareBody = Type.Object({
  expiresInHours: Type.Optional(Type.Integer({ minimum: 1, maximum: 24 * 90, description: 'Default 7 days, at most 90' })),
});
export const ShareView = named(
  'DashboardShare',
  Type.Object({
    id: Uuid(),
    dashboardId: Uuid(),
    token: Type.String(),
    url: Type.String(),
    expiresAt: Timestamp(),
    revokedAt: Nullable(Timestamp()),
    createdBy: Uuid(),
    createdAt: Timestamp(),
  }),
);
export const ShareList = named('DashboardShareList', Type.Object({ data: Type.Array(ShareView) }));

export const SharedDashboardView = named(
  'SharedDashboard',
  Type.Object({
    id: Uuid(),
    name: Type.String(),
    description: Type.String(),
    widgets: Type.Array(WidgetView),
    filters: Type.Array(FilterDefView),
    expiresAt: Timestamp(),
  }),
);

export const ExportBody = Type.Object({
  format: Type.Union([Type.Literal('pdf'), Type.Literal('png')], { description: 'pdf: a document, one section per widget; png: the whole grid as one picture' }),
  filters: Type.Optional(Type.Record(Type.String({ maxLength: 40 }), FilterValueSchema, { maxProperties: 20, description: 'Filter id → value; filters not given take their default' })),
});
export const ExportAccepted = named(
  'DashboardExportAccepted',
  Type.Object({
    jobId: Uuid(),
    statusUrl: Type.String({ description: 'GET it for status, progress and, when done, the download link' }),
  }),
);
/** The result of a `dashboards.export` job: where its file is downloaded. */
export const ExportFile = named(
  'DashboardExportFile',
  Type.Object(
    {
      link: Type.String({ description: 'A signed link: GET it to download the file, without credentials, for a day' }),
      fileName: Type.String(),
      contentType: Type.String(),
      bytes: Type.Integer({ minimum: 0 }),
      expiresAt: Timestamp(),
    },
    { description: 'The result of a `dashboards.export` job: the PDF or PNG it made' },
  ),
);
