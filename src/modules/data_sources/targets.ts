// A stored source made ready to dial: secrets opened, the host checked again (a name that
// resolved to a public address when it was saved may resolve to 127.0.0.1 today), the address
// pinned so the driver connects to exactly the checked one, and a files source's database at hand.
import type { ConnectorTarget } from '../../core/contributions.ts';
import type { AllowList } from '../../core/net/allow-list.ts';
import { assertPublicHost } from '../../core/net/ssrf-guard.ts';
import type { Secrets } from '../../core/security/secrets.ts';
import { openConnection, openPart, type StoredConnection } from './connection.ts';
import type { SourceRow } from './repository.ts';

export interface Targets {
  of(row: SourceRow): Promise<ConnectorTarget<any>>;
}

export function createTargets(deps: { secrets: Secrets; allow: AllowList; localDatabase(row: SourceRow): Promise<string | undefined> }): Targets {
  return {
    async of(row) {
      const base = { sourceId: row.id, orgId: row.org_id };
      if (row.kind === 'postgres' || row.kind === 'mysql') {
        const stored = row.connection as unknown as StoredConnection;
        const { addresses } = await assertPublicHost(stored.host, { allow: deps.allow });
        return { ...base, connection: openConnection(stored, openPart(deps.secrets, row.secrets_sealed)), address: addresses[0].address };
      }
      if (row.kind === 'files') return { ...base, connection: {}, localFile: await deps.localDatabase(row) };
      return { ...base, connection: {} };
    },
  };
}
