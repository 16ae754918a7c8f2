// Events the codebase module publishes (decision 0036). A snapshot's creation is what search
// indexing and documentation (later slices) will react to.
import { Type } from 'typebox';
import { defineEvents, Id, Payload, type PayloadsOf } from '../../core/events/declarations.ts';

const snapshot = { type: 'codebase_snapshot', field: 'snapshotId' } as const;

export const codebaseEvents = defineEvents({
  'codebase.snapshot_created': {
    description: 'A new snapshot (version) of a project\'s codebase was uploaded.',
    schema: Payload({ orgId: Id(), projectId: Id(), snapshotId: Id(), version: Type.Integer(), files: Type.Integer(), bytes: Type.Integer() }),
    version: 1,
    public: true,
    target: snapshot,
  },
  'codebase.snapshot_deleted': {
    description: 'A snapshot of a project\'s codebase was deleted (with the stored files no other snapshot shares).',
    schema: Payload({ orgId: Id(), projectId: Id(), snapshotId: Id(), version: Type.Integer() }),
    version: 1,
    public: true,
    target: snapshot,
  },
});

export type CodebaseEvents = PayloadsOf<typeof codebaseEvents>;

declare module '../../core/events/types.ts' {
  interface EventMap extends CodebaseEvents {}
}
