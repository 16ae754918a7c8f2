// A driver's stream parts (connectors/types.ts) as the contribution's one stream (QueryStream).
import type { QueryStream } from '../../core/contributions.ts';
import type { StreamPart } from './connectors/types.ts';

/** A driver's parts as the contribution's one stream: columns first, then batches, then whether a cap cut it. */
export async function toQueryStream(parts: AsyncIterable<StreamPart>): Promise<QueryStream> {
  const iterator = parts[Symbol.asyncIterator]();
  const first = await iterator.next();
  if (first.done || first.value.type !== 'columns') throw new Error('a driver stream must start with its columns');
  let truncated = false;
  async function* batches() {
    try {
      for (;;) {
        const next = await iterator.next();
        if (next.done) return;
        if (next.value.type === 'rows') yield next.value.rows;
        else if (next.value.type === 'end') truncated = next.value.truncated;
      }
    } finally {
      // A consumer that stops early ends the query and frees the connection.
      await iterator.return?.();
    }
  }
  return { columns: first.value.columns, batches: batches(), truncated: () => truncated };
}

