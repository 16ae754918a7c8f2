// argon2id through @node-rs/argon2: the hash runs on libuv's thread pool, off the event loop.
// Off the loop is not enough on a small machine: four pool threads hashing at once take every
// core, and requests that need no hashing queue behind them. At most `concurrency` hashes run
// at a time (default: cores - 1), so one core always stays with the event loop; further
// sign-ins wait their turn, which also bounds argon2's memory (19 MiB per hash).
import { availableParallelism } from 'node:os';
import { hash, verify } from '@node-rs/argon2';

// Algorithm.Argon2id of @node-rs/argon2 (an ambient const enum, unusable with type stripping).
const ARGON2ID = 2;

/** OWASP's minimum for argon2id: m=19 MiB, t=2, p=1. */
export const ARGON2_PARAMS = { algorithm: ARGON2ID, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

export interface PasswordHasher {
  hash(password: string): Promise<string>;
  verify(hash: string, password: string): Promise<boolean>;
  /** Spends the time of a verify when there is no hash to check, so misses look like hits. */
  dummyVerify(password: string): Promise<void>;
}

/** A counting semaphore: runs at most `limit` tasks at once, the rest in arrival order. */
export function createLimiter(limit: number) {
  let active = 0;
  const waiting: (() => void)[] = [];
  return async <T>(task: () => Promise<T>): Promise<T> => {
    if (active >= limit) await new Promise<void>((resolve) => waiting.push(resolve));
    else active++;
    try {
      return await task();
    } finally {
      const next = waiting.shift();
      if (next) next(); // the slot passes straight to the next task
      else active--;
    }
  };
}

export function createPasswordHasher(
  params: { memoryCost?: number; timeCost?: number; parallelism?: number; concurrency?: number } = {},
): PasswordHasher {
  const { concurrency = Math.max(1, availableParallelism() - 1), ...argon } = params;
  const options = { ...ARGON2_PARAMS, ...argon };
  const limit = createLimiter(concurrency);
  let dummy: Promise<string> | undefined;
  const check = (encoded: string, password: string) =>
    limit(async () => {
      try {
        return await verify(encoded, password);
      } catch {
        return false; // a malformed stored hash never authenticates
      }
    });
  return {
    hash: (password) => limit(() => hash(password, options)),
    verify: check,
    async dummyVerify(password) {
      dummy ??= hash('timing-equalizer-not-a-password', options);
      await check(await dummy, password);
    },
  };
}
