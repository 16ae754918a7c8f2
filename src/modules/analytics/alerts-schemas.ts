// The alerts API's shapes.
import { Type } from 'typebox';
import { PageQuery } from '../../core/http/pagination.ts';
import { Line, named, Nullable, Timestamp, Uuid } from '../../core/http/schema-types.ts';

export const AlertParams = Type.Object({ orgId: Uuid(), alertId: Uuid() });

const Column = Type.Optional(Line(200, { description: 'The column to read; default the first numeric column of the first row' }));

export const AlertCondition = named(
  'AlertCondition',
  Type.Union(
    [
      Type.Object({ kind: Type.Union([Type.Literal('above'), Type.Literal('below')]), threshold: Type.Number(), column: Column }, { additionalProperties: false }),
      Type.Object(
        { kind: Type.Literal('changed_by_percent'), percent: Type.Number({ exclusiveMinimum: 0, maximum: 1_000_000, description: 'A change of at least this many percent from the previous check' }), column: Column },
        { additionalProperties: false },
      ),
      Type.Object({ kind: Type.Union([Type.Literal('rows_present'), Type.Literal('rows_absent')]) }, { additionalProperties: false }),
    ],
    { description: "What the alert watches in the question's result" },
  ),
);

export const AlertChannel = Type.Union([Type.Literal('in_app'), Type.Literal('email'), Type.Literal('sms'), Type.Literal('webhook')]);
const Channels = Type.Array(AlertChannel, {
  minItems: 1,
  maxItems: 4,
  uniqueItems: true,
  description:
    "in_app, email and sms raise an `alert_fired` notification to the owner, delivered on the channels the owner's notification preferences allow; webhook: the `analytics.alert_fired` event, which webhook endpoints subscribed to it receive",
});
const Schedule = Line(100, { description: "A cron expression of five fields (minute hour day month weekday), in the organization's time zone" });

export const CreateAlertBody = Type.Object(
  { questionId: Uuid(), name: Line(200), condition: AlertCondition, schedule: Schedule, channels: Type.Optional(Channels) },
  { additionalProperties: false },
);

export const UpdateAlertBody = Type.Object(
  {
    name: Type.Optional(Line(200)),
    condition: Type.Optional(AlertCondition),
    schedule: Type.Optional(Schedule),
    channels: Type.Optional(Channels),
    status: Type.Optional(Type.Union([Type.Literal('active'), Type.Literal('paused')], { description: 'Resuming an alert paused for an error arms it again' })),
  },
  { additionalProperties: false },
);

export const ListAlertsQuery = Type.Object({ ...PageQuery, questionId: Type.Optional(Uuid()) });

export const AlertView = named(
  'Alert',
  Type.Object({
    id: Uuid(),
    orgId: Uuid(),
    questionId: Uuid(),
    name: Type.String(),
    condition: AlertCondition,
    schedule: Type.String(),
    channels: Type.Array(AlertChannel),
    ownerId: Uuid('Whose rights each check runs with, and who is notified'),
    status: Type.Union([Type.Literal('active'), Type.Literal('paused')], { description: 'paused: by hand, or because the owner could no longer run the question (see `state.lastError`)' }),
    state: Type.Object({
      firing: Type.Boolean({ description: 'The condition held at the last check: the alert fires again only after it stops holding' }),
      lastValue: Nullable(Type.Number()),
      lastCheckedAt: Nullable(Timestamp()),
      lastFiredAt: Nullable(Timestamp()),
      lastError: Nullable(Type.String({ description: 'Why the last check read no value (the problem code and its detail)' })),
      nextCheckAt: Nullable(Timestamp({ description: 'null while paused' })),
    }),
    createdAt: Timestamp(),
    updatedAt: Timestamp(),
  }),
);

export const AlertCheckView = named(
  'AlertCheck',
  Type.Object({ fired: Type.Boolean({ description: 'This check fired the alert (the condition started to hold)' }), alert: AlertView }),
);

export const AlertJobResult = named(
  'AlertChecksResult',
  Type.Object({ checked: Type.Integer({ minimum: 0 }), fired: Type.Integer({ minimum: 0 }), failed: Type.Integer({ minimum: 0, description: 'Checks that failed unexpectedly; they are tried again at the next tick' }) }, { description: 'The result of an `analytics.check_alerts` job' }),
);
