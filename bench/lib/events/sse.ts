// The SSE fan-out benchmark: many open `GET /api/v1/stream` connections to a running server,
// then realtime messages to every one of their users, and the time from each publish to its
// arrival on each stream. The messages go the way another instance's go: the realtime broker
// (createRealtimeBroker, as the app builds it) publishes each user's message with
// `pg_notify`; the server's broker hears it on its LISTEN connection and its stream hub writes
// it to that user's open streams. The clients are plain `node:http` requests in this process,
// reading the stream as it arrives; a message's arrival is the moment its chunk is read.
import { request as httpRequest, type ClientRequest } from 'node:http';
import type { Database } from '../../../src/core/db/database.ts';
import { createLogger } from '../../../src/core/log/logger.ts';
import { createRealtimeBroker } from '../../../src/core/realtime/broker.ts';
import { api, expectStatus, percentile } from '../http.ts';
import { cpuTimeMs, sleep } from '../proc.ts';

export const SSE_EVENT = 'bench.ping';

export interface StreamUser {
  userId: string;
  accessToken: string;
}

/** Registers and signs in `count` users through the API, `concurrency` at a time. */
export async function signUpStreamUsers(base: string, count: number, tag: string, concurrency = 8): Promise<StreamUser[]> {
  const users: StreamUser[] = new Array(count);
  let next = 0;
  const password = `Bench-stream-${tag}-pw`;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, count) }, async () => {
      while (next < count) {
        const i = next++;
        const email = `sse-${tag}-${i}@bench.local`;
        expectStatus(await api(base, 'POST', '/api/v1/auth/register', { body: { email, password, displayName: `Stream ${i}` } }), 201, `register ${email}`);
        const login = await api(base, 'POST', '/api/v1/auth/login', { body: { email, password } });
        expectStatus(login, 200, `login ${email}`);
        users[i] = { userId: login.body.user.id, accessToken: login.body.accessToken };
      }
    }),
  );
  return users;
}

interface OpenStream {
  user: number;
  req: ClientRequest;
  /** performance.now() at which each wave's message arrived. */
  arrivals: Map<number, number>;
  ended: boolean;
}

/**
 * Opens one stream and resolves once the server's first block (`retry:` and `: connected`)
 * arrived. A 429 (the user's streams from a previous round not yet closed on the server) is
 * retried after a moment.
 */
function openStream(base: URL, user: StreamUser, index: number, onWave: (wave: number) => void): Promise<OpenStream> {
  return new Promise((resolve, reject) => {
    const stream: OpenStream = { user: index, req: undefined as unknown as ClientRequest, arrivals: new Map(), ended: false };
    const req = httpRequest({ host: base.hostname, port: base.port, path: '/api/v1/stream', headers: { authorization: `Bearer ${user.accessToken}` }, agent: false }, (res) => {
      if (res.statusCode !== 200) {
        res.resume();
        reject(Object.assign(new Error(`stream answered ${res.statusCode}`), { status: res.statusCode }));
        return;
      }
      res.setEncoding('utf8');
      let buffer = '';
      let connected = false;
      res.on('data', (chunk: string) => {
        const at = performance.now();
        buffer += chunk;
        let end = buffer.indexOf('\n\n');
        while (end >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          end = buffer.indexOf('\n\n');
          if (block.startsWith(`event: ${SSE_EVENT}\n`)) {
            const wave = JSON.parse(block.slice(block.indexOf('data: ') + 6)).w as number;
            stream.arrivals.set(wave, at);
            onWave(wave);
          } else if (!connected && block.includes(': connected')) {
            connected = true;
            resolve(stream);
          }
        }
      });
      res.on('end', () => {
        stream.ended = true;
      });
      res.on('error', () => {
        stream.ended = true;
      });
    });
    stream.req = req;
    req.on('error', reject);
    req.end();
  });
}

async function openWithRetry(base: URL, user: StreamUser, index: number, onWave: (wave: number) => void): Promise<OpenStream> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await openStream(base, user, index, onWave);
    } catch (err) {
      if ((err as { status?: number }).status !== 429 || attempt >= 50) throw err;
      await sleep(100);
    }
  }
}

export interface FanOutSettings {
  streams: number;
  streamsPerUser: number;
  /** Messages to every user that count; `warmupWaves` more go first. */
  waves: number;
  warmupWaves: number;
  /** Connections publishing at once (each user's message is one `pg_notify`). */
  publishers: number;
}

export interface FanOutResult extends FanOutSettings {
  users: number;
  /** Time to open every stream (each answered its first block), s. */
  openS: number;
  /** Publish (just before the user's `pg_notify`) to arrival on a stream, ms, over every stream and measured wave. */
  latency: { samples: number; p50: number; p95: number; p99: number; max: number };
  /** Per wave: from its first publish to its last arrival on any stream, ms (median and worst). */
  waveSpan: { p50: number; max: number };
  /** Time to send one wave's messages (one per user), ms, median. */
  publishMs: number;
  /** (stream, wave) pairs that never arrived within 5 s. */
  missing: number;
  /** Streams the server ended during the run. */
  ended: number;
  serverCpuUsPerMessage: number | null;
  serverCpuPercent: number | null;
}

/**
 * Opens `streams` streams over the users (`streamsPerUser` each), then sends waves: each wave
 * is one message per user, published `publishers` at a time; the next wave goes once every
 * stream has the last one (or 5 s passed) and 50 ms more.
 */
export async function sseFanOut(opts: { base: string; database: Database; users: StreamUser[]; serverPid?: number; log(message: string): void }, s: FanOutSettings): Promise<FanOutResult> {
  const base = new URL(opts.base);
  const userCount = Math.ceil(s.streams / s.streamsPerUser);
  if (opts.users.length < userCount) throw new Error(`sse: ${s.streams} streams need ${userCount} users, ${opts.users.length} given`);
  const users = opts.users.slice(0, userCount);
  const broker = createRealtimeBroker({ database: opts.database, log: createLogger('warn') });
  const arrived = new Map<number, number>();
  let waveDone: (() => void) | null = null;
  let awaited = -1;
  const onWave = (wave: number) => {
    const n = (arrived.get(wave) ?? 0) + 1;
    arrived.set(wave, n);
    if (wave === awaited && n === s.streams) waveDone?.();
  };

  const t0 = performance.now();
  const streams: OpenStream[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: 50 }, async () => {
      while (next < s.streams) {
        const i = next++;
        const user = Math.floor(i / s.streamsPerUser);
        streams.push(await openWithRetry(base, users[user], user, onWave));
      }
    }),
  );
  const openS = (performance.now() - t0) / 1000;
  opts.log(`sse: ${s.streams} streams open for ${users.length} users in ${openS.toFixed(1)} s`);

  const publishedAt: number[][] = [];
  const publishMs: number[] = [];
  const spans: number[] = [];
  let missing = 0;
  let cpuBefore: number | null = null;
  let cpuFrom = performance.now();
  let ended = 0;
  try {
    for (let wave = 0; wave < s.warmupWaves + s.waves; wave++) {
      if (wave === s.warmupWaves) {
        cpuFrom = performance.now();
        cpuBefore = opts.serverPid ? cpuTimeMs(opts.serverPid) : null;
      }
      const times: number[] = new Array(users.length);
      publishedAt.push(times);
      awaited = wave;
      const all = new Promise<void>((resolve) => {
        waveDone = resolve;
      });
      const timeout = sleep(5000);
      const start = performance.now();
      let u = 0;
      await Promise.all(
        Array.from({ length: s.publishers }, async () => {
          while (u < users.length) {
            const i = u++;
            times[i] = performance.now();
            await broker.publish(users[i].userId, { event: SSE_EVENT, data: { w: wave } });
          }
        }),
      );
      publishMs.push(performance.now() - start);
      await Promise.race([all, timeout]);
      await sleep(50);
    }
    ended = streams.filter((st) => st.ended).length;
  } finally {
    for (const st of streams) st.req.destroy();
  }
  const cpuAfter = opts.serverPid ? cpuTimeMs(opts.serverPid) : null;
  const seconds = (performance.now() - cpuFrom) / 1000;

  const latencies: number[] = [];
  for (let wave = s.warmupWaves; wave < s.warmupWaves + s.waves; wave++) {
    let last = 0;
    for (const st of streams) {
      const at = st.arrivals.get(wave);
      if (at === undefined) {
        missing++;
        continue;
      }
      latencies.push(at - publishedAt[wave][st.user]);
      last = Math.max(last, at);
    }
    spans.push(last - Math.min(...publishedAt[wave]));
  }
  latencies.sort((a, b) => a - b);
  spans.sort((a, b) => a - b);
  const messages = s.waves * s.streams;
  return {
    ...s,
    users: users.length,
    openS,
    latency: { samples: latencies.length, p50: percentile(latencies, 50), p95: percentile(latencies, 95), p99: percentile(latencies, 99), max: latencies.at(-1) ?? Number.NaN },
    waveSpan: { p50: percentile(spans, 50), max: spans.at(-1) ?? Number.NaN },
    publishMs: percentile(
      publishMs.slice(s.warmupWaves).sort((a, b) => a - b),
      50,
    ),
    missing,
    ended,
    serverCpuUsPerMessage: cpuBefore !== null && cpuAfter !== null ? ((cpuAfter - cpuBefore) * 1000) / messages : null,
    serverCpuPercent: cpuBefore !== null && cpuAfter !== null ? ((cpuAfter - cpuBefore) / 1000 / seconds) * 100 : null,
  };
}
