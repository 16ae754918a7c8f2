// Events the visualizations module publishes (decision 0036): each with its payload schema, version,
// public flag (delivered to webhook receivers) and what the audit log files it under.
import { Type } from 'typebox';
import { defineEvents, Id, Payload, type PayloadsOf } from '../../core/events/declarations.ts';

const chart = { type: 'visualizations_chart', field: 'chartId' } as const;

export const visualizationsEvents = defineEvents({
  'visualizations.chart_created': {
    description: 'A chart was created over a saved question.',
    schema: Payload({ orgId: Id(), chartId: Id(), questionId: Id(), type: Type.String() }),
    version: 1,
    public: true,
    target: chart,
  },
  'visualizations.chart_updated': {
    description: 'A chart was changed (its question, type, encoding or options).',
    schema: Payload({ orgId: Id(), chartId: Id(), questionId: Id(), type: Type.String() }),
    version: 1,
    public: true,
    target: chart,
  },
  'visualizations.chart_deleted': { description: 'A chart was deleted.', schema: Payload({ orgId: Id(), chartId: Id() }), version: 1, public: true, target: chart },
});

export type VisualizationsEvents = PayloadsOf<typeof visualizationsEvents>;

declare module '../../core/events/types.ts' {
  interface EventMap extends VisualizationsEvents {}
}
