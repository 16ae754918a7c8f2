import { describe, expect, it } from 'vitest';
import { recordingExecutor as recordingQueries } from '../../../test/recording-executor.ts';
import { createMemoryCache } from '../../core/cache/memory.ts';
import type { Cache } from '../../core/cache/types.ts';
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

/** Several instances' listen() on one channel: deliver() plays a committed NOTIFY to all of them. */
function fakeNetwork() {
  const handlers = new Set<(payload: string) => void>();
  const database = {
    async listen(_channel: string, fn: (payload: string) => void) {
      handlers.add(fn);
      return async () => {
        handlers.delete(fn);
      };
    },
  } as unknown as Database;
  return {
    database,
    deliver: (payload: string) => {
      for (const h of handlers) h(payload);
    },
  };
}

/** A Redis stand-in: one store every instance sees, flagged as shared. */
const sharedCache = (): Cache => ({ ...createMemoryCache(), shared: true });

/** An executor that records the NOTIFY payloads (pg_notify's second parameter) it is asked to send. */
const recordingExecutor = (sent: string[]) => recordingQueries((parameters) => sent.push(String(parameters[1])));

const settle = () => new Promise((r) => setTimeout(r, 5));
const viewer: EffectiveRole = { role: 'viewer', inherited: false, sourceOrgId: 'o1' };

describe('role cache with a shared tier', () => {
  it('ignores a cache that is not shared: roles stay in process', async () => {
    const local = createMemoryCache();
    const cache = createRoleCache(fakeDatabase().database, { shared: local });
    expect(await cache.load('u1', 'o1', 0, async () => admin)).toEqual(admin);
    await settle();
    expect(await local.get('organizations:roles:user:u1')).toBeUndefined();
    expect(cache.get('u1', 'o1', 29_999)).toEqual(admin); // 30 s local TTL, as without Redis
  });

  it('a role computed on one instance serves another without a query', async () => {
    const net = fakeNetwork();
    const shared = sharedCache();
    const a = createRoleCache(net.database, { shared });
    const b = createRoleCache(net.database, { shared });
    await a.start();
    await b.start();
    let queries = 0;
    const query = async () => {
      queries++;
      return admin;
    };
    expect(await a.load('u1', 'o1', 1000, query)).toEqual(admin);
    await settle();
    expect(await b.load('u1', 'o1', 1000, query)).toEqual(admin);
    expect(queries).toBe(1);
    // Now in b's own map: the next request costs no round trip. Its local TTL is short (10 s).
    expect(b.get('u1', 'o1', 10_999)).toEqual(admin);
    expect(b.get('u1', 'o1', 11_000)).toBeUndefined();
    // A role of no one (null) is shared too.
    expect(await a.load('u2', 'o1', 1000, async () => null)).toBeNull();
    await settle();
    expect(await b.load('u2', 'o1', 1000, query)).toBeNull();
    expect(queries).toBe(1);
  });

  it('after a user eviction, a role read before it is never served, even if a slow instance writes it back late', async () => {
    const net = fakeNetwork();
    const shared = sharedCache();
    let clock = 2000;
    const b = createRoleCache(net.database, { shared, now: () => clock });
    await b.start();
    // c looks the role up at t=1000, before the change commits, and writes it after b
    // processed the eviction (c's own NOTIFY is late: it is not listening here).
    const c = createRoleCache(fakeDatabase().database, { shared });
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const slow = c.load('u1', 'o1', 1000, async () => {
      await gate;
      return admin;
    });
    net.deliver('user:u1'); // the demotion commits; b learns it at t=2000
    release();
    await slow;
    await settle();
    expect(await shared.get('organizations:roles:user:u1')).toBeDefined(); // the stale write landed
    clock = 2500;
    let queries = 0;
    expect(
      await b.load('u1', 'o1', 2500, async () => {
        queries++;
        return viewer;
      }),
    ).toEqual(viewer);
    expect(queries).toBe(1);
  });

  it('the evicting instance deletes the user entry at once, before any NOTIFY', async () => {
    const shared = sharedCache();
    const a = createRoleCache(fakeDatabase().database, { shared });
    await a.load('u1', 'o1', 0, async () => admin);
    await settle();
    a.evict({ user: 'u1' });
    await settle();
    expect(await shared.get('organizations:roles:user:u1')).toBeUndefined();
  });

  it('an org eviction moves every instance to the epoch its NOTIFY carries; older entries are ignored', async () => {
    const net = fakeNetwork();
    const shared = sharedCache();
    const a = createRoleCache(net.database, { shared });
    const b = createRoleCache(net.database, { shared });
    await a.start();
    await b.start();
    await a.load('u1', 'o1', 0, async () => admin);
    await settle();

    const sent: string[] = [];
    await a.notify(recordingExecutor(sent), { org: 'o1' });
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatch(/^org:o1:[0-9a-f-]{36}$/);
    // The NOTIFY may reach everyone (the writer included) before the writer's own evict()
    // after its commit: both must leave it on the announced epoch.
    net.deliver(sent[0]);
    a.evict({ org: 'o1' });
    await settle();

    let queries = 0;
    const query = async () => {
      queries++;
      return viewer;
    };
    expect(await b.load('u1', 'o1', 0, query)).toEqual(viewer); // a's entry is of the old epoch
    await settle();
    expect(await a.load('u1', 'o1', 0, query)).toEqual(viewer); // same epoch: a reads b's entry
    expect(queries).toBe(1);

    // A starting instance picks the current epoch up from the shared tier.
    const c = createRoleCache(fakeNetwork().database, { shared });
    await c.start();
    expect(await c.load('u1', 'o1', 0, query)).toEqual(viewer);
    expect(queries).toBe(1);
  });

  it('keeps working from its own map when the shared tier fails', async () => {
    const failing: Cache = {
      shared: true,
      get: async () => {
        throw new Error('down');
      },
      set: async () => {
        throw new Error('down');
      },
      delete: async () => {
        throw new Error('down');
      },
      wrap: async (_k, _t, compute) => compute(),
      close: async () => {},
    };
    const cache = createRoleCache(fakeDatabase().database, { shared: failing });
    await cache.start();
    expect(await cache.load('u1', 'o1', 0, async () => admin)).toEqual(admin);
    cache.evict({ org: 'o1' });
    expect(await cache.load('u1', 'o1', 0, async () => viewer)).toEqual(viewer);
    expect(cache.get('u1', 'o1', 0)).toEqual(viewer);
  });
});
