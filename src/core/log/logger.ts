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
 * Errors in log lines say what failed and where, not the whole stack: a stack trace in a log
 * line names every file and function on the way and travels wherever the logs are shipped
 * (decision 0025). The origin is the first frame in the app's own code (`src/…` or the bundle),
 * enough to find the line; the request id joins it to the request.
 */
export function serializeError(err: unknown): unknown {
  if (!(err instanceof Error)) return err;
  const e = err as Error & { code?: unknown };
  const out: Record<string, unknown> = { type: e.name || e.constructor?.name || 'Error', message: e.message.slice(0, 1000) };
  if (typeof e.code === 'string' || typeof e.code === 'number') out.errorCode = e.code;
  const origin = originOf(e.stack);
  if (origin) out.origin = origin;
  return out;
}

function originOf(stack: string | undefined): string | undefined {
  if (!stack) return undefined;
  const root = process.cwd();
  let fallback: string | undefined;
  for (const line of stack.split('\n')) {
    const frame = line.trim();
    if (!frame.startsWith('at ')) continue;
    const text = frame.slice(3).replaceAll(`file://${root}/`, '').replaceAll(`${root}/`, '');
    fallback ??= text;
    if (!text.includes('node_modules') && !text.includes('node:')) return text.slice(0, 300);
  }
  return fallback?.slice(0, 300);
}

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
 * Collects log lines and hands them to sonic-boom about 64 KiB at a time. sonic-boom's own
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
    serializers: { err: serializeError },
    base: { service: 'trellis' },
    timestamp: cachedIsoTime(),
  };
  if (destination && 'asyncStdout' in destination) {
    // Lines are batched into ~64 KiB writes instead of one write per line: each asynchronous
    // write costs a hand-off to libuv's thread pool (~30 µs of CPU measured here, whatever its
    // size), which 12 KiB batches spread over ~50 lines and 64 KiB over ~270. A timer releases
    // whatever is pending every 250 ms, so a quiet service's lines still appear promptly.
    // A SIGKILL can lose at most that much. On a normal exit pino's exit hook flushes the
    // stream synchronously, and the hook below first hands it the lines still batched here.
    const stream = pino.destination({ dest: 1, sync: false, minLength: 0 });
    const batcher = new LineBatcher(stream as unknown as LineSink, 64 * 1024);
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

type ChildArgs = [bindings: Record<string, unknown>, options: Record<string, unknown> | undefined];

/** Stands for `parent.child(bindings, options)` until first used; its own children are lazy too. */
class LazyChild {
  [PARENT]: Logger | LazyChild;
  [BINDINGS]: Record<string, unknown>;
  [OPTIONS]: Record<string, unknown> | undefined;
  [REAL]: Logger | undefined = undefined;
  constructor(parent: Logger | LazyChild, bindings: Record<string, unknown>, options: Record<string, unknown> | undefined) {
    this[PARENT] = parent;
    this[BINDINGS] = bindings;
    this[OPTIONS] = options;
  }
}

function realize(lazy: LazyChild): Logger {
  if (!lazy[REAL]) {
    const parent = lazy[PARENT];
    lazy[REAL] = (parent instanceof LazyChild ? realize(parent) : parent).child(lazy[BINDINGS], lazy[OPTIONS]);
  }
  return lazy[REAL];
}

let forwarding: Logger | undefined;
/**
 * Every property of a pino logger (its own and its prototypes', EventEmitter's included)
 * forwards to the real child: methods are called on it, other properties read and written.
 * `child()` makes another stand-in (Fastify makes a child per plugin, then one per request
 * of it). Set up once, from the first logger seen: all pino loggers share these properties.
 */
function forwardTo(sample: Logger) {
  if (forwarding) return;
  forwarding = sample;
  const proto = LazyChild.prototype as unknown as Record<PropertyKey, unknown>;
  const keys = new Set<PropertyKey>();
  for (let o: object | null = sample; o && o !== Object.prototype; o = Object.getPrototypeOf(o)) {
    for (const key of Reflect.ownKeys(o)) keys.add(key);
  }
  keys.delete('constructor');
  for (const key of keys) {
    if (key === 'child') {
      proto[key] = function (this: LazyChild, ...args: ChildArgs) {
        return new LazyChild(this, ...args);
      };
    } else if (typeof (sample as unknown as Record<PropertyKey, unknown>)[key] === 'function') {
      proto[key] = function (this: LazyChild, ...args: unknown[]) {
        const real = realize(this) as unknown as Record<PropertyKey, (...a: unknown[]) => unknown>;
        return real[key](...args);
      };
    } else {
      Object.defineProperty(proto, key, {
        get(this: LazyChild) {
          return (realize(this) as unknown as Record<PropertyKey, unknown>)[key];
        },
        set(this: LazyChild, value: unknown) {
          (realize(this) as unknown as Record<PropertyKey, unknown>)[key] = value;
        },
      });
    }
  }
}

/**
 * The logger to give Fastify: `log` itself, except that `child()` returns a stand-in that
 * builds the real child the first time it is used. Fastify makes a child logger (bound to the
 * request id) for every request as `request.log`, and pino's child() serializes the bindings,
 * through redaction, at once: ~8 µs per request, for a logger that most requests never use
 * (the access line is written by `createAccessLog`, with the id as a field). Overriding
 * `child` here rather than passing Fastify a `childLoggerFactory` matters too: Fastify checks
 * the methods of every child a custom factory returns, on every request.
 */
export function withLazyChildren(log: Logger): Logger {
  forwardTo(log);
  const root = Object.create(log) as Logger;
  root.child = ((bindings: Record<string, unknown>, options?: Record<string, unknown>) => new LazyChild(log, bindings, options)) as unknown as Logger['child'];
  return root;
}

/** Writes one request's access line. */
/** `code`: the problem code of a refusal (one line per refused request, with its code). */
export type AccessLog = (requestId: string, method: string, path: string, route: string, status: number, ms: number, code?: string) => void;

const { streamSym, chindingsSym, timeSym } = pino.symbols;

/**
 * The access line of each request, written straight to the logger's stream in pino's own
 * format (`{"level":30,"time":…,<bindings>,…,"msg":"request completed"}`). Going through
 * `log.info(object, msg)` cost ~5 µs a line (pino walks and serializes the object, checks
 * redaction and hooks); the fields here are known and few: the request id (generated, or a
 * client's checked against a strict pattern), the method (a token Node's parser checked) and
 * numbers need no escaping; the path is client text and is JSON-escaped; routes are escaped
 * once each.
 */
export function createAccessLog(log: Logger): AccessLog {
  const source = log as unknown as Record<symbol, unknown>;
  const stream = source[streamSym] as { write(line: string): unknown };
  const bindings = source[chindingsSym] as string;
  const time = source[timeSym] as () => string;
  const routes = new Map<string, string>();
  return (requestId, method, path, route, status, ms, code) => {
    if (log.levelVal > 30) return; // above info
    let routeJson = routes.get(route);
    if (routeJson === undefined) {
      routeJson = JSON.stringify(route);
      if (routes.size < 10_000) routes.set(route, routeJson);
    }
    stream.write(
      `{"level":30${time()}${bindings},"reqId":"${requestId}","method":"${method}","path":${JSON.stringify(path)},"route":${routeJson},"status":${status},"ms":${ms}${code === undefined ? '' : `,"code":${JSON.stringify(code)}`},"msg":"request completed"}\n`,
    );
  };
}
