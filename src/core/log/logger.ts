import { pino, type Logger, type LoggerOptions } from 'pino';

export type { Logger };

/** Paths whose values never reach a log line: credentials in headers, bodies and configs. */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  'res.headers["set-cookie"]',
  '*.password',
  '*.currentPassword',
  '*.newPassword',
  '*.token',
  '*.accessToken',
  '*.refreshToken',
  '*.mfaToken',
  '*.deviceToken',
  '*.code',
  '*.recoveryCode',
  '*.secret',
  '*.key',
  '*.apiKey',
  'password',
  'token',
  'secret',
];

/**
 * pino's `isoTime`, with the date and time to the second formatted once per second: one
 * `toISOString()` per log line showed up at a few percent of a cheap request's CPU.
 */
export function cachedIsoTime(now: () => number = Date.now): () => string {
  let second = Number.NaN;
  let prefix = '';
  return () => {
    const ms = now();
    const s = Math.floor(ms / 1000);
    if (s !== second) {
      second = s;
      prefix = new Date(s * 1000).toISOString().slice(0, 20); // YYYY-MM-DDTHH:MM:SS.
    }
    const frac = ms - s * 1000;
    return `,"time":"${prefix}${frac < 10 ? '00' : frac < 100 ? '0' : ''}${frac}Z"`;
  };
}

/** What pino writes to: a sonic-boom stream or the batcher in front of one. */
interface LineSink {
  write(line: string): boolean;
  flush(cb?: (err?: Error) => void): void;
  flushSync(): void;
}

/**
 * Collects log lines and hands them to sonic-boom about 12 KiB at a time. sonic-boom's own
 * batching (`minLength`) measures the byte length of its whole pending string on every write,
 * which flattens and scans up to 16 KiB per line: ~5 µs of CPU per log line, measured, at one
 * access line per request. Joining an array once per batch costs a fraction of that.
 */
class LineBatcher implements LineSink {
  private lines: string[] = [];
  private chars = 0;
  private readonly sink: LineSink;
  private readonly batchChars: number;

  constructor(sink: LineSink, batchChars: number) {
    this.sink = sink;
    this.batchChars = batchChars;
  }

  write(line: string): boolean {
    this.lines.push(line);
    this.chars += line.length;
    if (this.chars >= this.batchChars) this.release();
    return true;
  }

  /** Passes the pending lines to the stream, which starts writing them at once. */
  release(): void {
    if (this.lines.length === 0) return;
    const chunk = this.lines.join('');
    this.lines = [];
    this.chars = 0;
    this.sink.write(chunk);
  }

  flush(cb?: (err?: Error) => void): void {
    this.release();
    this.sink.flush(cb);
  }

  flushSync(): void {
    this.release();
    this.sink.flushSync();
  }
}

/**
 * `destination` defaults to stdout. With `asyncStdout`, lines are written through an
 * asynchronous buffer (sonic-boom) instead of a blocking write per line: the service's
 * choice, where a request log line must not cost the request; call `flush()` before exit.
 */
export function createLogger(level: string, destination?: NodeJS.WritableStream | { asyncStdout: true }): Logger {
  const options: LoggerOptions = {
    level,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    base: { service: 'trellis' },
    timestamp: cachedIsoTime(),
  };
  if (destination && 'asyncStdout' in destination) {
    // Lines are batched into ~12 KiB writes instead of one write per line; a timer releases
    // whatever is pending every 250 ms, so a quiet service's lines still appear promptly.
    // A SIGKILL can lose at most that much. On a normal exit pino's exit hook flushes the
    // stream synchronously, and the hook below first hands it the lines still batched here.
    const stream = pino.destination({ dest: 1, sync: false, minLength: 0 });
    const batcher = new LineBatcher(stream as unknown as LineSink, 12 * 1024);
    setInterval(() => batcher.release(), 250).unref();
    process.once('exit', () => {
      try {
        batcher.flushSync();
      } catch {
        // the stream is closed or broken: nothing more can be written
      }
    });
    return pino(options, batcher as unknown as NodeJS.WritableStream);
  }
  return destination ? pino(options, destination as any) : pino(options);
}

const PARENT = Symbol('lazyLogger.parent');
const BINDINGS = Symbol('lazyLogger.bindings');
const OPTIONS = Symbol('lazyLogger.options');
const REAL = Symbol('lazyLogger.real');

interface LazyState {
  [PARENT]: Logger;
  [BINDINGS]: Record<string, unknown>;
  [OPTIONS]: Record<string, unknown> | undefined;
  [REAL]: Logger | undefined;
}

function realize(lazy: LazyState): Logger {
  lazy[REAL] ??= lazy[PARENT].child(lazy[BINDINGS], lazy[OPTIONS]);
  return lazy[REAL];
}

/** A class whose instances stand for `parent.child(bindings, options)`, built on first use. */
function lazyChildClass(parent: Logger): new (bindings: Record<string, unknown>, options: Record<string, unknown> | undefined) => Logger {
  class LazyChild {
    [BINDINGS]: Record<string, unknown>;
    [OPTIONS]: Record<string, unknown> | undefined;
    [REAL]: Logger | undefined = undefined;
    constructor(bindings: Record<string, unknown>, options: Record<string, unknown> | undefined) {
      this[BINDINGS] = bindings;
      this[OPTIONS] = options;
    }
  }
  const proto = LazyChild.prototype as unknown as Record<PropertyKey, unknown>;
  proto[PARENT] = parent;
  // Every property of a pino logger (its own and its prototypes', EventEmitter's included)
  // forwards to the real child: methods are called on it, other properties read and written.
  const keys = new Set<PropertyKey>();
  for (let o: object | null = parent; o && o !== Object.prototype; o = Object.getPrototypeOf(o)) {
    for (const key of Reflect.ownKeys(o)) keys.add(key);
  }
  keys.delete('constructor');
  for (const key of keys) {
    const sample = (parent as unknown as Record<PropertyKey, unknown>)[key];
    if (typeof sample === 'function') {
      proto[key] = function (this: LazyState, ...args: unknown[]) {
        const real = realize(this) as unknown as Record<PropertyKey, (...a: unknown[]) => unknown>;
        return real[key](...args);
      };
    } else {
      Object.defineProperty(proto, key, {
        get(this: LazyState) {
          return (realize(this) as unknown as Record<PropertyKey, unknown>)[key];
        },
        set(this: LazyState, value: unknown) {
          (realize(this) as unknown as Record<PropertyKey, unknown>)[key] = value;
        },
      });
    }
  }
  return LazyChild as unknown as new (bindings: Record<string, unknown>, options: Record<string, unknown> | undefined) => Logger;
}

/**
 * Fastify's `childLoggerFactory`: each request's `request.log` is created on first use.
 * Fastify builds a child logger (bound to the request id) for every request, and pino's
 * child() serializes the bindings, through redaction, at once: ~8 µs per request, for a
 * logger that most requests never use (the access line is written from the parent, with the
 * id as a field). The stand-in forwards every property and method to the real child, which
 * it creates, with the same bindings and options, the first time it is touched.
 */
export function lazyChildLoggerFactory() {
  const classes = new WeakMap<Logger, ReturnType<typeof lazyChildClass>>();
  return (logger: Logger, bindings: Record<string, unknown>, options: Record<string, unknown> | undefined): Logger => {
    let LazyChild = classes.get(logger);
    if (!LazyChild) {
      LazyChild = lazyChildClass(logger);
      classes.set(logger, LazyChild);
    }
    return new LazyChild(bindings, options);
  };
}
