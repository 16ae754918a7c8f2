import { describe, expect, it } from 'vitest';
import { serverOf, wrapWorkspaceQuery } from './workspace-connector.ts';

describe('the workspace connector', () => {
  it('reads the app database from a TCP or a Unix-socket connection string', () => {
    expect(serverOf('postgres://app:s%40cret@db.internal:6543/trellis?sslmode=require')).toMatchObject({ host: 'db.internal', port: 6543, user: 'app', password: 's@cret', database: 'trellis', tls: { mode: 'require' } });
    expect(serverOf('postgresql://postgres:pw@/trellis?host=%2Ftmp%2Fpg.run&port=5433')).toMatchObject({ host: '/tmp/pg.run', port: 5433, database: 'trellis', tls: { mode: 'disable' } });
    expect(serverOf('postgres://postgres@127.0.0.1:5432/test')).toMatchObject({ host: '127.0.0.1', port: 5432, password: '' });
    expect(() => serverOf('mysql://root@x/db')).toThrow();
  });

  it('binds each published name to its view around the query, which keeps a WITH of its own', () => {
    const relations = [
      { name: 'projects', view: 'projects.workspace_projects', description: '', columns: {} },
      { name: 'time_entries', view: 'time_tracking.workspace_time_entries', description: '', columns: {} },
    ];
    expect(wrapWorkspaceQuery('WITH x AS (SELECT 1) SELECT * FROM x, projects;  ', relations)).toBe(
      'WITH "projects" AS (SELECT * FROM "projects"."workspace_projects"),\n  "time_entries" AS (SELECT * FROM "time_tracking"."workspace_time_entries")\nSELECT * FROM (\nWITH x AS (SELECT 1) SELECT * FROM x, projects\n) AS workspace_query',
    );
  });
});
