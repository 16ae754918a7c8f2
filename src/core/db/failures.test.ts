import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import { isDatabaseTimeout, isDatabaseUnavailable } from './failures.ts';

const connectError = (path: string) =>
  new Promise<Error>((resolve) => {
    const socket = connect(path);
    socket.on('error', resolve);
  });

describe('database failures', () => {
  it('takes a refused or missing server for unavailable, a missing socket file included', async () => {
    expect(isDatabaseUnavailable(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }))).toBe(true);
    expect(isDatabaseUnavailable(Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' }))).toBe(true);
    expect(isDatabaseUnavailable(new Error('Connection terminated unexpectedly'))).toBe(true);
    // A stopped server on a Unix socket: the socket file is gone.
    const gone = await connectError(`/tmp/no-such-folder-${process.pid}/.s.PGSQL.5432`);
    expect((gone as NodeJS.ErrnoException).code).toBe('ENOENT');
    expect(isDatabaseUnavailable(gone)).toBe(true);
    // A missing file anywhere else is no database outage.
    expect(isDatabaseUnavailable(Object.assign(new Error('ENOENT: no such file'), { code: 'ENOENT', syscall: 'open' }))).toBe(false);
  });

  it('takes the bounds of a connection for timeouts', () => {
    expect(isDatabaseTimeout(Object.assign(new Error('canceling statement due to lock timeout'), { code: '55P03' }))).toBe(true);
    expect(isDatabaseTimeout(new Error('timeout exceeded when trying to connect'))).toBe(true);
    expect(isDatabaseTimeout(Object.assign(new Error('duplicate key'), { code: '23505' }))).toBe(false);
  });
});
