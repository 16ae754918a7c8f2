// The organization's data sources, as the data pages need them: the list (for a picker) and the
// dialect a source's SQL is written in.
import { useCallback } from 'react';
import { api } from '../../api/client';
import { call } from '../../api/problem';
import type { components } from '../../api/schema';
import { useLoad } from '../../app/useLoad';
import type { Dialect } from './sqlParameters';

export type DataSource = components['schemas']['DataSource'];

export const KIND_LABELS: Record<DataSource['kind'], string> = {
  postgres: 'PostgreSQL',
  mysql: 'MySQL or MariaDB',
  files: 'Uploaded files',
  workspace: "This organization's own data",
};

/** DuckDB (files) and the workspace read SQL as PostgreSQL does, as far as parameters go. */
export const dialectOf = (kind: DataSource['kind'] | undefined): Dialect => (kind === 'mysql' ? 'mysql' : 'postgres');

/** Every source of the org (a person rarely has more than a page of them; the API's limit is 100 a page). */
export function useSources(orgId: string) {
  return useLoad(
    useCallback(async () => {
      const list: DataSource[] = [];
      let cursor: string | undefined;
      do {
        const page = await call(api.GET('/orgs/{orgId}/data-sources', { params: { path: { orgId }, query: { limit: 100, ...(cursor ? { cursor } : {}) } } }));
        list.push(...page.data);
        cursor = page.page.nextCursor ?? undefined;
      } while (cursor);
      return list;
    }, [orgId]),
  );
}
