// Events the analytics module publishes (decision 0036). A query's event says who ran what where
// (source, a hash of the SQL, rows, duration) and never carries result data: the audit log shows
// who queried what without becoming a copy of the data.
import { Type } from 'typebox';
import { defineEvents, Id, Nullable, Payload, type PayloadsOf } from '../../core/events/declarations.ts';

const question = { type: 'saved_question', field: 'questionId' } as const;
const alert = { type: 'alert', field: 'alertId' } as const;

export const analyticsEvents = defineEvents({
  'analytics.query_executed': {
    description: 'A query ran on a data source (or was refused, or failed): who, where, which SQL (its SHA-256), how many rows, how long. No result data.',
    schema: Payload({
      orgId: Id(),
      sourceId: Id(),
      questionId: Nullable(Id()),
      sqlHash: Type.String({ description: 'SHA-256 of the SQL text, hex' }),
      status: Type.Union([Type.Literal('ok'), Type.Literal('refused'), Type.Literal('failed')]),
      rows: Type.Integer(),
      durationMs: Type.Integer(),
      cached: Type.Boolean(),
      origin: Type.Union([Type.Literal('sql'), Type.Literal('question'), Type.Literal('ask'), Type.Literal('download'), Type.Literal('profile')]),
    }),
    version: 1,
    public: false,
    target: { type: 'data_source', field: 'sourceId' },
  },
  'analytics.question_saved': {
    description: 'A question was saved (or changed).',
    schema: Payload({ orgId: Id(), questionId: Id(), sourceId: Id(), name: Type.String(), verified: Type.Boolean() }),
    version: 1,
    public: true,
    target: question,
  },
  'analytics.question_deleted': { description: 'A saved question was deleted.', schema: Payload({ orgId: Id(), questionId: Id() }), version: 1, public: true, target: question },
  'analytics.alert_saved': {
    description: 'An alert on a saved question was created or changed (its condition, schedule, channels or status).',
    schema: Payload({ orgId: Id(), alertId: Id(), questionId: Id(), ownerId: Id(), name: Type.String(), status: Type.String() }),
    version: 1,
    public: true,
    target: alert,
  },
  'analytics.alert_deleted': { description: 'An alert was deleted.', schema: Payload({ orgId: Id(), alertId: Id(), questionId: Id() }), version: 1, public: true, target: alert },
  'analytics.alert_fired': {
    description:
      "An alert's condition started to hold (once per crossing, not once per check): the value its owner's check read, the line it crossed and a link to the question. Webhook receivers subscribed to it are the alerts' webhook channel.",
    schema: Payload({
      orgId: Id(),
      alertId: Id(),
      questionId: Id(),
      ownerId: Id(),
      name: Type.String(),
      condition: Type.String({ description: 'above, below, changed_by_percent, rows_present or rows_absent' }),
      value: Nullable(Type.Number({ description: 'The value read: the first numeric cell (or the named column) of the first row; the row count for the rows conditions' })),
      threshold: Nullable(Type.Number({ description: 'The threshold, or the percent of a changed_by_percent alert; null for the rows conditions' })),
      previousValue: Nullable(Type.Number()),
      channels: Type.Array(Type.String(), { description: "The alert's channels: in_app, email, sms, webhook" }),
      link: Type.String({ description: 'The question in the app' }),
    }),
    version: 1,
    public: true,
    target: alert,
  },
});

export type AnalyticsEvents = PayloadsOf<typeof analyticsEvents>;

declare module '../../core/events/types.ts' {
  interface EventMap extends AnalyticsEvents {}
}
