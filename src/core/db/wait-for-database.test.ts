import { describe, expect, it } from 'vitest';
import { describeDatabase } from './wait-for-database.ts';

describe('describeDatabase', () => {
  it('names user, host, port and database, never the password', () => {
    expect(describeDatabase('postgres://trellis:s3cret@db.internal:6432/orders?sslmode=require')).toBe('trellis@db.internal:6432/orders');
    expect(describeDatabase('postgresql://app@127.0.0.1/app')).toBe('app@127.0.0.1/app');
  });

  it('names the socket folder of a Unix-socket connection string (the embedded server, a local socket)', () => {
    const url = 'postgresql://trellis:s3cret@/trellis?host=%2Ftmp%2Ftrellis-pg%2Fpostgres.run&port=5432';
    expect(describeDatabase(url)).toBe('trellis@/tmp/trellis-pg/postgres.run:5432/trellis');
    expect(describeDatabase('postgresql:///orders?host=/run/postgresql')).toBe('/run/postgresql/orders');
    expect(describeDatabase(url)).not.toContain('s3cret');
  });

  it('says "the configured database" of what it cannot read', () => {
    expect(describeDatabase('not a url')).toBe('the configured database');
  });
});
