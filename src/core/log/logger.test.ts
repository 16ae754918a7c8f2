import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { cachedIsoTime, createAccessLog, createLogger, serializeError, withLazyChildren } from './logger.ts';

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

describe('errors in log lines', () => {
  it('say what failed and where it came from, never the whole stack', () => {
    const { lines, log } = capture();
    const err = Object.assign(new TypeError('cannot read x of undefined'), { code: '42P01' });
    log.error({ err }, 'unhandled error');
    const line = JSON.parse(lines[0]);
    expect(line.err).toMatchObject({ type: 'TypeError', message: 'cannot read x of undefined', errorCode: '42P01' });
    expect(line.err.origin).toMatch(/logger\.test\.ts:\d+/);
    expect(lines[0]).not.toContain('\\n    at ');
    expect(line.err.stack).toBeUndefined();
  });

  it('leave what is not an Error as it is', () => {
    expect(serializeError('text')).toBe('text');
  });
});

describe('cachedIsoTime', () => {
  it('formats like toISOString across seconds and milliseconds', () => {
    let now = Date.UTC(2026, 10, 22, 4, 59, 59, 7);
    const time = cachedIsoTime(() => now);
    for (const step of [0, 1, 92, 900, 1, 1000, 86_400_000 + 3]) {
      now += step;
      expect(time()).toBe(`,"time":"${new Date(now).toISOString()}"`);
    }
  });
});

describe('withLazyChildren', () => {
  it('creates each child on first use, with the bindings and options it was given', () => {
    const { lines, log } = capture();
    let children = 0;
    const parent = Object.assign(Object.create(log), {
      child: (...args: Parameters<typeof log.child>) => {
        children++;
        return log.child(...args);
      },
    });
    const root = withLazyChildren(parent);
    const lazy = root.child({ reqId: 'r-7' }, {});
    expect(typeof lazy.info).toBe('function');
    expect(children).toBe(0);
    lazy.info({ code: 'X' }, 'refused');
    lazy.warn('again');
    expect(children).toBe(1);
    expect(lazy.isLevelEnabled('debug')).toBe(false);
    expect(lazy.level).toBe('info');
    root.info('from the root');
    // A child of a child (Fastify: a plugin's logger, then a request's) is lazy as well.
    const nested = root.child({ plugin: 'p' }, {}).child({ reqId: 'r-8' }, {});
    expect(children).toBe(1);
    nested.error('nested');
    expect(children).toBe(2); // the plugin's child; the request's comes from it
    expect(lines.map((l) => JSON.parse(l))).toMatchObject([
      { reqId: 'r-7', code: 'X', msg: 'refused', service: 'trellis' },
      { reqId: 'r-7', msg: 'again', level: 40 },
      { msg: 'from the root', level: 30 },
      { plugin: 'p', reqId: 'r-8', msg: 'nested', level: 50 },
    ]);
  });
});

describe('createAccessLog', () => {
  it('writes the line pino would write for the same fields, escaping the client’s path', () => {
    const { lines, log } = capture();
    const access = createAccessLog(log);
    const path = '/api/v1/x"y\\z\u0001é';
    access('01a2-id', 'GET', path, '/api/v1/:id', 404, 1.5);
    log.info({ reqId: '01a2-id', method: 'GET', path, route: '/api/v1/:id', status: 404, ms: 1.5 }, 'request completed');
    const [ours, pinos] = lines.map((l) => JSON.parse(l));
    expect(lines[0].endsWith('\n')).toBe(true);
    expect({ ...ours, time: undefined }).toEqual({ ...pinos, time: undefined });
    expect(Object.keys(ours)).toEqual(Object.keys(pinos));
  });

  it('writes nothing above the info level', () => {
    const { lines, log } = capture();
    log.level = 'warn';
    createAccessLog(log)('id', 'GET', '/', '/', 200, 1);
    expect(lines).toEqual([]);
  });
});
