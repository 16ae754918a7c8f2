// Shares of the pool per group of callers (decision 0029). A group is the module whose route a
// request runs (`time`, `users`, …) or `background` for work outside requests. No group may
// hold more than its share of the connections at once: when one table is locked, the requests
// of the module that needs it wait on their share, and every other module still finds a free
// connection. Without shares, a dozen requests blocked on one table took every connection and
// the whole API stopped answering (issue #20).

/** Gives up a connection the group holds. */
export type Release = () => void;

export interface ConnectionShares {
  /**
   * Waits until `group` is under its share, then counts one more connection for it. Rejects
   * with `ShareTimeoutError` after `waitMs`.
   */
  acquire(group: string, waitMs: number): Promise<Release>;
  /** Connections held and waiting per group, for metrics and tests. */
  stats(): Record<string, { held: number; waiting: number }>;
}

/** pg-pool's own wording, so the failure is read like pg-pool's wait timeout (db/failures.ts). */
export class ShareTimeoutError extends Error {
  constructor(group: string) {
    super(`timeout exceeded when trying to connect (the ${group} share of the pool is in use)`);
    this.name = 'ShareTimeoutError';
  }
}

interface Waiter {
  grant: () => void;
  timer: NodeJS.Timeout;
}

interface Group {
  held: number;
  waiting: Waiter[];
}

/**
 * `limit` connections per group at most: a share of the pool (`poolSize × share`, at least
 * one, at most the pool). With share 0.6 and 10 connections, one module holds at most 6 and
 * the other 4 stay free for the rest.
 */
export function createConnectionShares(poolSize: number, share = 0.6): ConnectionShares {
  const limit = Math.min(poolSize, Math.max(1, Math.ceil(poolSize * share)));
  const groups = new Map<string, Group>();
  const groupOf = (name: string) => {
    let g = groups.get(name);
    if (!g) {
      g = { held: 0, waiting: [] };
      groups.set(name, g);
    }
    return g;
  };

  function releaser(g: Group): Release {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = g.waiting.shift();
      // The connection's place passes to the group's next waiter (held stays the same).
      if (next) {
        clearTimeout(next.timer);
        next.grant();
      } else g.held--;
    };
  }

  return {
    acquire(name, waitMs) {
      const g = groupOf(name);
      if (g.held < limit) {
        g.held++;
        return Promise.resolve(releaser(g));
      }
      return new Promise<Release>((resolve, reject) => {
        const waiter: Waiter = {
          grant: () => resolve(releaser(g)),
          timer: setTimeout(() => {
            g.waiting.splice(g.waiting.indexOf(waiter), 1);
            reject(new ShareTimeoutError(name));
          }, waitMs),
        };
        g.waiting.push(waiter);
      });
    },
    stats: () => Object.fromEntries([...groups].map(([name, g]) => [name, { held: g.held, waiting: g.waiting.length }])),
  };
}
