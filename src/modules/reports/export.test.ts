// The export's stream with fakes: a reader that fails half way ends the download (it must not
// crash the process: yazl leaves input-stream errors unhandled), and a client that goes away
// stops the reader.
import type { Readable } from 'node:stream';
import { describe, expect, it, vi } from 'vitest';
import type { Actor } from '../../core/context/actor.ts';
import type { Principal } from '../../core/http/principal.ts';
import { createExportService, type ExportDeps } from './export.ts';

const principal: Principal = { userId: 'u1', email: 'u1@example.test', role: 'user', emailVerified: true, sessionId: 's', apiKeyId: null, scopes: null };
const actor: Actor = { principal, requestId: 'req-1', ip: '192.0.2.1', userAgent: null };
const project = { id: 'p1', orgId: 'o1', name: 'Website', key: 'WEB', status: 'active', client: null, tags: [], color: null, budgetHours: null, budgetMinor: null, currency: null, billableDefault: true, hourlyRateMinor: 100, createdAt: '', updatedAt: '' };

function entry(i: number) {
  return {
    id: `e${i}`,
    orgId: 'o1',
    userId: 'u1',
    projectId: 'p1',
    taskId: null,
    start: new Date(Date.UTC(2024, 0, 1, 0, i)).toISOString(),
    end: null,
    durationSeconds: null,
    roundedSeconds: null,
    description: 'x'.repeat(200),
    billable: true,
    tags: [],
    hourlyRateMinor: 100,
    currency: 'EUR',
    createdAt: '',
    updatedAt: '',
  };
}

function deps(entries: ExportDeps['time']['entries']) {
  const log = { error: vi.fn() };
  const d = {
    db: { transaction: () => ({ execute: (fn: (tx: unknown) => unknown) => fn({}) }) },
    events: { publish: vi.fn(async () => 'event-id') },
    clock: { now: () => new Date('2024-02-01T00:00:00Z') },
    log,
    organizations: { getOrganization: async () => ({ id: 'o1', name: 'Acme', timezone: 'UTC' }), listMembers: async () => [] },
    projects: { assertProjectAccess: async () => ({ project, canManage: true }), listProjectTasks: async () => [] },
    time: { entries },
  };
  return { deps: d as unknown as ExportDeps, log, events: d.events };
}

/** Reads a stream to its end; resolves with the bytes or rejects with its error. */
function drain(stream: Readable): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => resolve(Buffer.concat(chunks)));
    stream.on('error', reject);
  });
}

describe('reports: export stream', () => {
  it('ends the download with an error when the entry reader fails half way', async () => {
    const { deps: d, log, events } = deps(async function* () {
      yield [entry(1), entry(2)];
      throw new Error('database went away');
    });
    const { stream, filename } = await createExportService(d).exportProject(actor, 'o1', 'p1');
    expect(filename).toBe('WEB-Website-export-2024-02-01.zip');
    expect(events.publish).toHaveBeenCalledWith({}, 'reports.project_exported', { projectId: 'p1', entries: 'all' }, { actor, orgId: 'o1' });
    await expect(drain(stream)).rejects.toThrow('database went away');
    expect(log.error).toHaveBeenCalled();
  });

  it('stops reading entries when the client goes away', async () => {
    let batches = 0;
    let closed = false;
    const { deps: d } = deps(async function* () {
      try {
        for (;;) {
          batches++;
          yield Array.from({ length: 1000 }, (_, i) => entry(i));
        }
      } finally {
        closed = true;
      }
    });
    const { stream } = await createExportService(d).exportProject(actor, 'o1', 'p1');
    // Read until the entries are flowing, then hang up.
    stream.on('data', () => {});
    await vi.waitFor(() => expect(batches).toBeGreaterThan(1));
    stream.destroy();
    await vi.waitFor(() => expect(closed).toBe(true));
    const seen = batches;
    await new Promise((r) => setTimeout(r, 50));
    expect(batches).toBe(seen);
  });
});
