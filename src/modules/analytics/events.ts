// Events the analytics module publishes (decision 0036). A query's event says who ran what where
// (source, a hash of the SQL, rows, duration) and never carries result data: the audit log shows
// who queried what without becoming a copy of the data.
import { Type } from 'typebox';
import { defineEvents, Id, Nullable, Payload, type PayloadsOf } from '../../core/events/declarations.ts';

const question = { type: 'saved_question', field: 'questionId' } as const;

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
});

export type AnalyticsEvents = PayloadsOf<typeof analyticsEvents>;

declare module '../../core/events/types.ts' {
  interface EventMap extends AnalyticsEvents {}
}
