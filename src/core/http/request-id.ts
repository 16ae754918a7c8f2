// Request ids: UUIDv7 (RFC 9562), time-ordered so log lines sort by id. Generated for every
// request, so written for that path: the 48-bit millisecond time is formatted once per
// millisecond, the 12-bit `rand_a` field is a counter started at a random value each
// millisecond (method 1 of RFC 9562 §6.2: ids of one process stay monotonic), and the 62
// random bits come from a 4 KiB buffer of CSPRNG bytes refilled in one call. The `uuidv7`
// package's generator and its `toString()` cost ~1.5 µs of each cheap request (decision 0025);
// this costs a few hundred nanoseconds. Database ids still come from the package.
import { randomFillSync } from 'node:crypto';

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

export function createRequestIdGenerator(now: () => number = Date.now): () => string {
  const pool = new Uint8Array(4096);
  let cursor = pool.length;
  const take = (): number => {
    if (cursor === pool.length) {
      randomFillSync(pool);
      cursor = 0;
    }
    return pool[cursor++];
  };

  let lastMs = -1;
  let timeText = '';
  let counter = 0;

  const formatTime = (ms: number) => {
    const high = Math.floor(ms / 65536); // the top 32 of the 48 bits
    const low = ms % 65536;
    timeText = `${HEX[high >>> 24]}${HEX[(high >>> 16) & 255]}${HEX[(high >>> 8) & 255]}${HEX[high & 255]}-${HEX[low >>> 8]}${HEX[low & 255]}-`;
  };

  return () => {
    const ms = now();
    if (ms > lastMs) {
      lastMs = ms;
      formatTime(ms);
      // Started below 2048, so at least 2048 ids fit in one millisecond before it borrows the next.
      counter = ((take() << 8) | take()) & 0x7ff;
    } else if (++counter > 0xfff) {
      // 4096 ids in one millisecond (or the clock went back): continue in the next one, so
      // ids never repeat or go backwards.
      lastMs++;
      formatTime(lastMs);
      counter = 0;
    }
    const variant = 0x80 | (take() & 0x3f);
    return `${timeText}${HEX[0x70 | (counter >>> 8)]}${HEX[counter & 255]}-${HEX[variant]}${HEX[take()]}-${HEX[take()]}${HEX[take()]}${HEX[take()]}${HEX[take()]}${HEX[take()]}${HEX[take()]}`;
  };
}
