// A chart as data (never code): its type, which result columns it encodes, and options picked
// from a fixed vocabulary. Unknown option keys are refused (propertyNames), not dropped: the HTTP
// layer removes unknown properties silently, and a misspelt option should say so.
import { type Static, type TProperties, Type } from 'typebox';
import { Line, named } from '../../core/http/schema-types.ts';

/** An object whose keys are exactly its properties': another key is a 400, not silently removed. */
const Closed = <P extends TProperties>(properties: P, description?: string) =>
  Type.Object(properties, { additionalProperties: false, propertyNames: { enum: Object.keys(properties) }, ...(description ? { description } : {}) });

export const CHART_TYPES = ['bar', 'line', 'area', 'scatter', 'pie', 'histogram', 'heatmap', 'table', 'pivot', 'single_number', 'progress'] as const;
export type ChartType = (typeof CHART_TYPES)[number];
export const ChartTypeSchema = Type.Unsafe<ChartType>({
  type: 'string',
  enum: [...CHART_TYPES],
  description: 'bar (grouped with `series`, stacked with `stack`, horizontal with `orientation`), line, area, scatter, pie (donut with `donut`), histogram, heatmap, table, pivot (sum of `y` by `x` rows and `series` columns), single_number (compared with the previous row when there is one), progress (towards `goal`)',
});

const Column = (description: string) => Line(200, { description });

const encodingShape = () =>
  Closed(
  {
    x: Type.Optional(Column('The column on the horizontal axis (categories for bar and pie, the binned column for a histogram)')),
    y: Type.Optional(Column('The measured column (the value of a single number or progress)')),
    color: Type.Optional(Column('A column coloured by (the cell value of a heat map)')),
    size: Type.Optional(Column('A numeric column sizing the points of a scatter plot')),
    series: Type.Optional(Column('A column splitting bars, lines and areas into series')),
    stack: Type.Optional(Type.Union([Type.Literal('none'), Type.Literal('stacked'), Type.Literal('normalized')], { description: 'How series of bars and areas sit: side by side, stacked, or stacked to 100 %' })),
  },
    'Result columns by name',
  );
/** In responses, named once; in request bodies, inline (as every request shape). */
export const Encoding = named('ChartEncoding', encodingShape());
export const EncodingInput = encodingShape();
export type Encoding = Static<typeof Encoding>;

export const NUMBER_FORMATS = ['plain', 'thousands', 'compact', 'percent', 'currency', 'duration'] as const;
export type NumberFormat = (typeof NUMBER_FORMATS)[number];
const NumberFormat = Type.Unsafe<NumberFormat>({
  type: 'string',
  enum: [...NUMBER_FORMATS],
  description: 'plain 1234.5; thousands 1,234.5; compact 1.23k; percent (0.25 is 25 %); currency (with `currency`); duration (seconds shown as hours)',
});
const DateFormat = Type.Union([Type.Literal('auto'), Type.Literal('day'), Type.Literal('month'), Type.Literal('quarter'), Type.Literal('year')]);
export type DateFormat = Static<typeof DateFormat>;
const Label = (description: string) => Line(120, { description });

const optionsShape = () =>
  Closed(
  {
    title: Type.Optional(Line(200, { description: 'Shown above the chart as plain text' })),
    xTitle: Type.Optional(Label('The horizontal axis title (the column name by default)')),
    yTitle: Type.Optional(Label('The vertical axis title (the column name by default)')),
    xFormat: Type.Optional(NumberFormat),
    yFormat: Type.Optional(NumberFormat),
    dateFormat: Type.Optional(DateFormat),
    currency: Type.Optional(Type.String({ pattern: '^[A-Z]{3}$', examples: ['EUR'], description: 'ISO 4217 code shown after currency amounts' })),
    orientation: Type.Optional(Type.Union([Type.Literal('vertical'), Type.Literal('horizontal')])),
    sort: Type.Optional(Type.Union([Type.Literal('none'), Type.Literal('ascending'), Type.Literal('descending')], { description: 'Bars, pie slices and table rows by their value' })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, description: 'Bars and slices: the top N by value, the rest summed as "Other"; tables: rows shown' })),
    colors: Type.Optional(Type.Array(Type.String({ pattern: '^#[0-9a-fA-F]{6}$', examples: ['#4c78a8'] }), { minItems: 1, maxItems: 20, description: 'The palette, in order' })),
    donut: Type.Optional(Type.Boolean()),
    bins: Type.Optional(Type.Integer({ minimum: 2, maximum: 100, description: 'Histogram: at most this many bins' })),
    goal: Type.Optional(Type.Number({ description: 'Progress: the target value' })),
    highlight: Type.Optional(
      Type.Array(
        Closed(
          {
            column: Column('The column whose cells the rule colours'),
            above: Type.Optional(Type.Number({ description: 'Cells greater than this' })),
            below: Type.Optional(Type.Number({ description: 'Cells less than this' })),
            color: Type.String({ pattern: '^#[0-9a-fA-F]{6}$', examples: ['#c62828'] }),
          },
          'Tables: colour the numeric cells of a column past a bound (the first matching rule wins)',
        ),
        { maxItems: 10 },
      ),
    ),
  },
    'Presentation, from a fixed vocabulary',
  );
export const ChartOptions = named('ChartOptions', optionsShape());
export const ChartOptionsInput = optionsShape();
export type ChartOptions = Static<typeof ChartOptions>;

/** What a widget kind compiles: a chart's encoding and options (the `options` of core's WidgetKind). */
export const ChartConfig = Type.Object({ encoding: EncodingInput, options: ChartOptionsInput });
export type ChartConfig = Static<typeof ChartConfig>;
