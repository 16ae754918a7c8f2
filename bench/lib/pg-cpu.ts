// CPU time of the PostgreSQL backends serving a database, read from /proc (the server runs on
// this machine: the machine's own PostgreSQL or the embedded one). A benchmark reads it before
// and after a phase to tell the database's share of the work from the server's.
import { cpuTimeMs } from './proc.ts';

/** Anything that runs a query: a `pg` Client, or a small wrapper around a pool. */
export interface Queryable {
  query(text: string, values?: unknown[]): Promise<{ rows: any[] }>;
}

/**
 * CPU time (ms) of each backend serving the current database, the caller's own excluded; with
 * `applicationName`, only the backends whose connections gave that `application_name`.
 */
export async function backendCpu(db: Queryable, applicationName?: string): Promise<Map<number, number>> {
  const { rows } = applicationName
    ? await db.query('SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND application_name = $1', [applicationName])
    : await db.query('SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()');
  const cpu = new Map<number, number>();
  for (const { pid } of rows as { pid: number }[]) {
    const ms = cpuTimeMs(pid);
    if (ms !== null) cpu.set(pid, ms);
  }
  return cpu;
}

/** CPU the backends used between two readings: those alive at the second, less what they had at the first. */
export function backendCpuSince(before: Map<number, number>, after: Map<number, number>): number {
  let ms = 0;
  for (const [pid, t] of after) ms += t - (before.get(pid) ?? 0);
  return ms;
}
