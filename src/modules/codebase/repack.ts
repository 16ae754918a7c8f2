// Repacking. A pack (decision 0051) holds the small contents of one upload batch; deleting a
// snapshot frees the contents only it used, and a pack that held some of them beside contents
// still used would keep their bytes, counted against the org's quota, as long as any of it lives.
// So the deletion enqueues this job with those packs: each is written again with the contents it
// still holds (a new object, counted as replacing the old one, so a full quota is no obstacle),
// its contents pointed at the new one, and the old one removed. A reader that found the old place
// looks the content up again (blob-bytes.ts). Idempotent: a pack with nothing freed is left alone.
import { Type } from 'typebox';
import type { Executor } from '../../core/db/database.ts';
import { named } from '../../core/http/schema-types.ts';
import type { JobDefinition } from '../../core/jobs/types.ts';
import type { Logger } from '../../core/log/logger.ts';
import type { Storage } from '../../core/storage/index.ts';
import { BLOB_SCOPE, type BlobBytes, PACK_CONTENT_TYPE } from './blob-bytes.ts';
import { blobs, codebaseLocks } from './repository.ts';

export const REPACK_JOB = 'codebase.repack';

export interface RepackJob {
  orgId: string;
  /** The packs that lost contents. */
  keys: string[];
}

export const RepackResult = named(
  'CodebaseRepackResult',
  Type.Object(
    {
      repacked: Type.Integer({ description: 'Packs written again with the contents they still hold' }),
      freedBytes: Type.Integer({ description: 'Bytes given back to the organization\'s quota' }),
    },
    { description: 'The result of a `codebase.repack` job' },
  ),
);

export function createRepack(deps: { db: Executor; storage: Storage; bytes: BlobBytes; log: Logger }) {
  const { db, storage, bytes, log } = deps;

  /** Writes one pack again without its freed contents; the bytes freed. Under the org's lock, so no deletion frees a content meanwhile. */
  async function repack(orgId: string, key: string): Promise<{ repacked: boolean; freedBytes: number }> {
    const written: { key: string | null } = { key: null };
    try {
      const outcome = await db.transaction().execute(async (tx) => {
        await codebaseLocks.lockOrg(tx, orgId);
        const old = await storage.file(key, tx);
        if (!old) return { remove: false, freedBytes: 0 };
        const live = await blobs.inPack(tx, orgId, key);
        if (!live.length) return { remove: true, freedBytes: old.size };
        const liveBytes = live.reduce((n, b) => n + Number(b.size), 0);
        if (liveBytes >= old.size) return { remove: false, freedBytes: 0 };
        // The pack's order is kept: one range from the first content still held to the last.
        const first = Number(live[0].pack_offset);
        const last = live[live.length - 1];
        const span = await bytes.readObject(key, { start: first, end: Math.max(first, Number(last.pack_offset) + Number(last.size) - 1) });
        const moved: { sha256: string; offset: number }[] = [];
        const parts: Buffer[] = [];
        let offset = 0;
        for (const b of live) {
          const at = Number(b.pack_offset) - first;
          parts.push(span.subarray(at, at + Number(b.size)));
          moved.push({ sha256: b.sha256, offset });
          offset += Number(b.size);
        }
        const [saved] = await storage.saveMany([{ orgId, scope: BLOB_SCOPE, fileName: 'pack', contentType: PACK_CONTENT_TYPE, body: Buffer.concat(parts), userId: null }], { replaces: [key] });
        written.key = saved.key;
        await blobs.move(tx, orgId, saved.key, moved);
        return { remove: true, freedBytes: old.size - saved.size };
      });
      written.key = null;
      if (outcome.remove) await storage.remove(key);
      return { repacked: outcome.remove, freedBytes: outcome.freedBytes };
    } catch (err) {
      if (written.key) await storage.remove(written.key).catch((e: Error) => log.warn({ key: written.key, err: e.message }, 'codebase: a repack that failed left its new pack behind'));
      throw err;
    }
  }

  const job: JobDefinition<RepackJob, typeof RepackResult> = {
    name: REPACK_JOB,
    result: RepackResult,
    retryLimit: 5,
    retryDelaySeconds: 30,
    retryBackoff: true,
    async handler(ctx) {
      let repacked = 0;
      let freedBytes = 0;
      for (const [n, key] of ctx.data.keys.entries()) {
        ctx.signal.throwIfAborted();
        const r = await repack(ctx.data.orgId, key);
        if (r.repacked) repacked++;
        freedBytes += r.freedBytes;
        await ctx.progress((n + 1) / ctx.data.keys.length, `${n + 1} of ${ctx.data.keys.length} packs`);
      }
      return { repacked, freedBytes };
    },
  };

  return { jobs: [job] };
}
