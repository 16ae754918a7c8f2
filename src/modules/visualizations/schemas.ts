// The visualizations API contract (TypeBox): params, bodies, queries and views.
import { Type } from 'typebox';
import { PageQuery } from '../../core/http/pagination.ts';
import { AnyJson, Line, named, Nullable, OpenObject, Text, Timestamp, Uuid } from '../../core/http/schema-types.ts';
import { ChartOptions, ChartOptionsInput, ChartTypeSchema, Encoding, EncodingInput } from './chart-model.ts';
import { SIZE_BOUNDS } from './render.ts';

export const OrgParams = Type.Object({ orgId: Uuid() });
export const ChartParams = Type.Object({ orgId: Uuid(), chartId: Uuid() });

export const ChartView = named(
  'Chart',
  Type.Object({
    id: Uuid(),
    orgId: Uuid(),
    questionId: Uuid('The saved question whose result it draws (run as whoever views the chart)'),
    type: ChartTypeSchema,
    encoding: Encoding,
    options: ChartOptions,
    createdBy: Uuid(),
    createdAt: Timestamp(),
    updatedAt: Timestamp(),
  }),
);

export const CreateChartBody = Type.Object({
  questionId: Uuid(),
  type: ChartTypeSchema,
  encoding: EncodingInput,
  options: Type.Optional(ChartOptionsInput),
});

export const UpdateChartBody = Type.Object({
  questionId: Type.Optional(Uuid()),
  type: Type.Optional(ChartTypeSchema),
  encoding: Type.Optional(EncodingInput),
  options: Type.Optional(ChartOptionsInput),
});

export const ListChartsQuery = Type.Object({ ...PageQuery, questionId: Type.Optional(Uuid('Only the charts of this question')) });

const Size = (fallback: number, what: string) =>
  Type.Integer({ minimum: SIZE_BOUNDS.min, maximum: SIZE_BOUNDS.max, default: fallback, description: `${what} in pixels (SVG user units)` });
export const RenderQuery = Type.Object({
  format: Type.Union([Type.Literal('svg'), Type.Literal('png'), Type.Literal('json')], { default: 'svg', description: 'svg or png: drawn on the server; json: the Vega-Lite spec with its data inline, for clients that draw' }),
  width: Size(800, 'Width'),
  height: Size(450, 'Height'),
  theme: Type.Union([Type.Literal('light'), Type.Literal('dark')], { default: 'light' }),
  fresh: Type.Optional(Type.Boolean({ description: 'Skip the result cache' })),
  parameters: Type.Optional(Text(4_000, { description: "JSON object: the question's parameter name → value (a string, number, boolean or null); parameters not given take their default", examples: ['{"from":"2026-07-01","to":"2026-09-30"}'] })),
});

export const ChartResult = named(
  'ChartResult',
  Type.Object({
    columns: Type.Array(Type.Object({ name: Type.String(), type: Type.String() })),
    rows: Type.Array(Type.Array(AnyJson('A cell of the result'))),
    rowCount: Type.Integer(),
    truncated: Type.Boolean(),
    durationMs: Type.Number(),
    cached: Type.Boolean(),
    cachedAt: Nullable(Timestamp()),
  }),
);

export const ChartDataView = named(
  'ChartData',
  Type.Object({
    spec: OpenObject('A Vega-Lite v6 specification with its data inline (columns renamed c0, c1… in column order)'),
    result: ChartResult,
  }),
);

export const SuggestBody = Type.Object({ questionId: Uuid() });
export const SuggestionsView = named(
  'ChartSuggestions',
  Type.Object({
    suggestions: Type.Array(
      Type.Object({
        type: ChartTypeSchema,
        encoding: Encoding,
        options: ChartOptions,
        reason: Line(200, { description: 'Why this chart fits the result' }),
      }),
    ),
  }),
);
