// The parts of a resumable upload as streams and lists: a part's body cut at its cap, the parts
// read back from core/storage one after the other as one body, and the check of the list a
// client sends to complete a session against the parts received.
import { Readable } from 'node:stream';

/** Thrown by `capped` past its cap: the caller turns it into the problem that names the cap. */
export class PartTooLarge extends Error {}

/**
 * `body` as a stream that fails with PartTooLarge past `maxBytes`. The request is read with
 * `destroyOnReturn: false`: stopping early leaves it to its owner, so the refusal can be answered.
 */
export function capped(body: Readable, maxBytes: number): Readable {
  async function* read() {
    let size = 0;
    for await (const part of body.iterator({ destroyOnReturn: false })) {
      const chunk = typeof part === 'string' ? Buffer.from(part) : (part as Buffer);
      size += chunk.length;
      if (size > maxBytes) throw new PartTooLarge(`over ${maxBytes} bytes`);
      yield chunk;
    }
  }
  return Readable.from(read(), { objectMode: false });
}

/**
 * One body made of the objects `keys` name, in that order, each opened only when the one before
 * is read to its end: never more than one part's stream open, nothing held whole. Destroying the
 * result closes the part being read.
 */
export function concatenated(keys: readonly string[], open: (key: string) => Promise<{ body: Readable }>): Readable {
  async function* read() {
    for (const key of keys) {
      const { body } = await open(key);
      try {
        for await (const chunk of body) yield chunk as Buffer;
      } finally {
        body.destroy();
      }
    }
  }
  return Readable.from(read(), { objectMode: false });
}

/**
 * `body` cut into parts of `maxBytes` (the last one shorter), each a stream read before the next
 * is asked for: an upload taken whole, stored as the parts of a session (upload-sessions.ts,
 * acceptLater). The request is read with `destroyOnReturn: false`, as `capped`.
 */
export async function* partsOf(body: Readable, maxBytes: number): AsyncGenerator<Readable> {
  const chunks = body.iterator({ destroyOnReturn: false });
  let held: Buffer | null = null;
  let ended = false;
  const next = async (): Promise<Buffer | null> => {
    if (held) {
      const chunk = held;
      held = null;
      return chunk;
    }
    const { value, done } = await chunks.next();
    if (done) return null;
    return typeof value === 'string' ? Buffer.from(value) : (value as Buffer);
  };
  async function* part(): AsyncGenerator<Buffer> {
    let left = maxBytes;
    while (left > 0) {
      const chunk = await next();
      if (!chunk) {
        ended = true;
        return;
      }
      if (chunk.length > left) held = chunk.subarray(left);
      const taken = chunk.length > left ? chunk.subarray(0, left) : chunk;
      left -= taken.length;
      yield taken;
    }
  }
  while (!ended) {
    // A part only when a byte is left for it (no empty last part).
    const first = await next();
    if (!first) return;
    held = first;
    yield Readable.from(part(), { objectMode: false });
  }
}

export type PartListProblem = 'not_received' | 'missing' | 'sha256_differs' | 'out_of_order';

/**
 * What is wrong with the list a client completes a session with, compared with the parts
 * received: a part listed but never received (or listed twice or out of order), a part received
 * but not listed, a part whose SHA-256 is not the received one's. Empty: the lists match.
 */
export function partListMismatches(listed: readonly { partNumber: number; sha256: string }[], received: readonly { partNumber: number; sha256: string }[]) {
  const byNumber = new Map(received.map((p) => [p.partNumber, p.sha256]));
  const problems: { partNumber: number; problem: PartListProblem }[] = [];
  const seen = new Set<number>();
  let last = 0;
  for (const { partNumber, sha256 } of listed) {
    const got = byNumber.get(partNumber);
    if (partNumber <= last) problems.push({ partNumber, problem: 'out_of_order' });
    else if (got === undefined) problems.push({ partNumber, problem: 'not_received' });
    else if (got !== sha256.toLowerCase()) problems.push({ partNumber, problem: 'sha256_differs' });
    seen.add(partNumber);
    last = Math.max(last, partNumber);
  }
  for (const p of received) if (!seen.has(p.partNumber)) problems.push({ partNumber: p.partNumber, problem: 'missing' });
  return problems;
}
