import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from './logger.ts';

function capture() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  return { lines, log: createLogger('info', stream) };
}

describe('logger', () => {
  it('redacts credentials in headers, bodies and nested objects', () => {
    const { lines, log } = capture();
    log.info(
      {
        req: { headers: { authorization: 'Bearer eyJhbGciOi.secret.sig', cookie: 'sid=abc', 'x-api-key': 'trl_abcdefgh_xyz' } },
        body: { email: 'a@b.co', password: 'hunter2-hunter2', refreshToken: 'r3fr3sh', code: '123456' },
        input: { newPassword: 'n3w-pass', token: 'verify-token', secret: 'JBSWY3DPEHPK3PXP' },
      },
      'request',
    );
    const out = lines.join('');
    for (const secret of ['eyJhbGciOi', 'sid=abc', 'trl_abcdefgh_xyz', 'hunter2', 'r3fr3sh', '123456', 'n3w-pass', 'verify-token', 'JBSWY3DPEHPK3PXP']) {
      expect(out).not.toContain(secret);
    }
    expect(out).toContain('a@b.co');
    expect(out).toContain('[redacted]');
  });

  it('writes JSON lines with an ISO time and the level', () => {
    const { lines, log } = capture();
    log.warn({ requestId: 'r-1' }, 'careful');
    const line = JSON.parse(lines[0]);
    expect(line).toMatchObject({ level: 40, msg: 'careful', requestId: 'r-1', service: 'trellis' });
    expect(new Date(line.time).toISOString()).toBe(line.time);
  });
});
