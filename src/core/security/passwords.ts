// argon2id through @node-rs/argon2: the hash runs on libuv's thread pool, off the event loop.
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

export function createPasswordHasher(params: { memoryCost?: number; timeCost?: number; parallelism?: number } = {}): PasswordHasher {
  const options = { ...ARGON2_PARAMS, ...params };
  let dummy: Promise<string> | undefined;
  return {
    hash: (password) => hash(password, options),
    async verify(encoded, password) {
      try {
        return await verify(encoded, password);
      } catch {
        return false; // a malformed stored hash never authenticates
      }
    },
    async dummyVerify(password) {
      dummy ??= hash('timing-equalizer-not-a-password', options);
      await verify(await dummy, password).catch(() => false);
    },
  };
}
