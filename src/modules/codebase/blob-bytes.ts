// Where a content's bytes are: an object of core/storage of its own (pack_offset null), or the
// range [pack_offset, pack_offset + size) of a pack, an object holding the small contents of one
// upload batch one after another (decision 0051). Every reader of contents goes through here. A
// pack whose contents were partly freed is rewritten (repack.ts) and the old object removed: a
// reader that found the old place gets STORAGE.NOT_FOUND, looks the content up again by its hash
// and reads it where it is now.
import { Readable } from 'node:stream';
import type { Executor } from '../../core/db/database.ts';
import { AppError } from '../../core/errors.ts';
import type { Storage } from '../../core/storage/index.ts';
import { blobs } from './repository.ts';

/** The folder of the org's storage the codebase keeps its contents and packs in. */
export const BLOB_SCOPE = 'codebase/blobs';
/** A pack's media type: its contents each have their own (codebase.blobs.content_type). */
export const PACK_CONTENT_TYPE = 'application/octet-stream';

export interface BlobPlace {
  storage_key: string;
  /** PostgreSQL's bigint arrives as a string. */
  pack_offset: string | number | null;
  size: string | number;
}

/** Inclusive, as HTTP ranges; clamped to the content. */
type Range = { start: number; end: number };

/** The place's bytes, whole or `range` of them. */
async function openAt(storage: Pick<Storage, 'open'>, place: BlobPlace, range?: Range): Promise<Readable> {
  const size = Number(place.size);
  if (place.pack_offset === null) return (await storage.open(place.storage_key, range ? { range } : undefined)).body;
  const start = range?.start ?? 0;
  const end = Math.min(range?.end ?? size - 1, size - 1);
  // An empty content, or a range past its end, is no bytes (a range of the pack would be its neighbour's).
  if (end < start) return Readable.from([]);
  const offset = Number(place.pack_offset);
  return (await storage.open(place.storage_key, { range: { start: offset + start, end: offset + end } })).body;
}

const isNotFound = (err: unknown) => err instanceof AppError && err.code === 'STORAGE.NOT_FOUND';

export function createBlobBytes(deps: { db: Executor; storage: Pick<Storage, 'open'> }) {
  const { db, storage } = deps;

  /** Content `sha256` of the org, found at `place` (read with its file row): its bytes, whole or a range. */
  async function open(orgId: string, sha256: string, place: BlobPlace, range?: Range): Promise<Readable> {
    try {
      return await openAt(storage, place, range);
    } catch (err) {
      if (!isNotFound(err)) throw err;
      // Repacked since the row was read: read it where it is now.
      const now = await blobs.place(db, orgId, sha256);
      if (!now || (now.storage_key === place.storage_key && String(now.pack_offset) === String(place.pack_offset))) throw err;
      return openAt(storage, now, range);
    }
  }

  /** The same, in memory. */
  async function read(orgId: string, sha256: string, place: BlobPlace, range?: Range): Promise<Buffer> {
    const parts: Buffer[] = [];
    for await (const chunk of await open(orgId, sha256, place, range)) parts.push(chunk as Buffer);
    return Buffer.concat(parts);
  }

  /** A range of one object, as it is stored (a pack read whole by the indexing job); no relocation. */
  async function readObject(key: string, range: Range): Promise<Buffer> {
    return Buffer.concat(await (await storage.open(key, { range })).body.toArray());
  }

  return { open, read, readObject };
}

export type BlobBytes = ReturnType<typeof createBlobBytes>;
