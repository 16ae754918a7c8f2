import { describe, expect, it } from 'vitest';
import type { ConnectorTarget, DataConnector, QueryLimits, Registries } from '../../core/contributions.ts';
import type { Executor } from '../../core/db/database.ts';
import { createQueries, SourceReads } from './queries.ts';
import type { SourceRow } from './repository.ts';
import type { SourcesService } from './service.ts';

const row = { id: 's1', org_id: 'o1', kind: 'postgres', cache_ttl_seconds: 0, schema_version: 1 } as unknown as SourceRow;
const limits: QueryLimits = { maxRows: 10, maxBytes: 10_000, timeoutMs: 1000 };
const never = new AbortController().signal;

/** Queries over one fake source whose connector records the target each run was given. */
function setUp() {
  const opened: ConnectorTarget[] = [];
  const given: ConnectorTarget[] = [];
  const connector = {
    dialect: 'postgres',
    run: async (t: ConnectorTarget) => {
      given.push(t);
      return { columns: [{ name: 'n', type: 'integer', dbType: 'int4' }], rows: [[1]], rowCount: 1, truncated: false, durationMs: 1 };
    },
  } as unknown as DataConnector;
  const sources = { mustFind: async () => row, connectorOf: () => connector } as unknown as SourcesService;
  const targets = {
    async of(r: SourceRow) {
      const target = { sourceId: r.id, orgId: r.org_id, connection: {}, address: '127.0.0.1' };
      opened.push(target);
      return target;
    },
  };
  const queries = createQueries({ db: {} as Executor, sources, targets, registries: {} as Registries });
  const run = async (reads?: SourceReads) => {
    const prepared = await queries.prepare('o1', 's1', 'SELECT 1 AS n', [], undefined, reads);
    return queries.execute('o1', 's1', { sql: 'SELECT 1 AS n', limits, signal: never }, prepared);
  };
  return { opened, given, run };
}

describe('the runs made together', () => {
  it("open the source's target (its secrets, its host checked) once and share it", async () => {
    const { opened, given, run } = setUp();
    const reads = new SourceReads();
    await Promise.all([run(reads), run(reads), run(reads)]);
    expect(opened).toHaveLength(1);
    expect(given).toEqual([opened[0], opened[0], opened[0]]);
  });

  it('while a run alone opens its own, each time', async () => {
    const { opened, run } = setUp();
    await run();
    await run();
    expect(opened).toHaveLength(2);
  });
});
