import { describe, expect, it } from 'vitest';
import type { Database } from '../../core/db/database.ts';
import { createRoleCache, ROLE_INVALIDATION_CHANNEL } from './role-cache.ts';
import type { EffectiveRole } from './rules.ts';

/** Just enough of Database for the cache: a listen() whose callback the test fires by hand. */
function fakeDatabase() {
  const handlers = new Map<string, (payload: string) => void>();
  const database = {
    async listen(channel: string, fn: (payload: string) => void) {
      handlers.set(channel, fn);
      return async () => {
        handlers.delete(channel);
      };
    },
  } as unknown as Database;
  return { database, deliver: (payload: string) => handlers.get(ROLE_INVALIDATION_CHANNEL)?.(payload) };
}

const admin: EffectiveRole = { role: 'admin', inherited: false, sourceOrgId: 'o1' };

describe('role cache', () => {
  it('serves entries until their TTL', () => {
    const cache = createRoleCache(fakeDatabase().database, { ttlMs: 1000 });
    cache.set('u1', 'o1', admin, 0, cache.generation());
    cache.set('u1', 'o2', null, 0, cache.generation());
    expect(cache.get('u1', 'o1', 999)).toEqual(admin);
    expect(cache.get('u1', 'o2', 999)).toBeNull();
    expect(cache.get('u1', 'o1', 1000)).toBeUndefined();
    expect(cache.get('u2', 'o1', 0)).toBeUndefined();
  });

  it('does not cache a lookup that raced an eviction (generation guard)', () => {
    const cache = createRoleCache(fakeDatabase().database);
    const generation = cache.generation(); // taken before the (slow) query
    cache.evict({ user: 'u1' }); // a role change commits meanwhile
    cache.set('u1', 'o1', admin, 0, generation);
    expect(cache.get('u1', 'o1', 0)).toBeUndefined();
  });

  it('evicts one user, one org or everything, locally and from other instances', async () => {
    const fake = fakeDatabase();
    const cache = createRoleCache(fake.database);
    await cache.start();
    const fill = () => {
      for (const u of ['u1', 'u2']) for (const o of ['o1', 'o2']) cache.set(u, o, admin, 0, cache.generation());
    };
    const present = () => ['u1:o1', 'u1:o2', 'u2:o1', 'u2:o2'].filter((k) => cache.get(k.split(':')[0], k.split(':')[1], 0) !== undefined);

    fill();
    cache.evict({ user: 'u1' });
    expect(present()).toEqual(['u2:o1', 'u2:o2']);

    fill();
    fake.deliver('org:o1'); // NOTIFY from another instance
    expect(present()).toEqual(['u1:o2', 'u2:o2']);

    fill();
    fake.deliver('all');
    expect(present()).toEqual([]);

    fill();
    fake.deliver('something-new'); // unknown message: be safe, evict all
    expect(present()).toEqual([]);
    await cache.stop();
  });

  it('stays bounded', () => {
    const cache = createRoleCache(fakeDatabase().database, { maxEntries: 10 });
    for (let i = 0; i < 25; i++) cache.set(`u${i}`, 'o', admin, 0, cache.generation());
    const kept = Array.from({ length: 25 }, (_, i) => cache.get(`u${i}`, 'o', 0)).filter((v) => v !== undefined);
    expect(kept.length).toBeLessThanOrEqual(10);
    expect(cache.get('u24', 'o', 0)).toEqual(admin);
  });
});
