// The storage façade modules use (`core.storage`): files of an organization, saved under keys
// it makes, counted against the org's quota, handed out through signed links. The bytes are the
// driver's (local folder or S3); the accounting is core.stored_files.
//
// An upload is checked twice against the quota. Before: the cap given to the driver is what
// one upload may take or what is left of the quota, whichever is less, so a body that could
// never fit is cut off while it streams, and nothing is kept of it. After, under the org's
// lock: the room is counted again with the uploads that finished meanwhile, and an upload that
// no longer fits is refused and its object removed. Two uploads that each fit alone cannot
// both be kept past the quota. A batch (`saveMany`, decision 0045) is one upload for both
// checks: its files are counted together, once, and kept or removed together.
import type { Readable } from 'node:stream';
import { uuidv7 } from 'uuidv7';
import type { Executor } from '../db/database.ts';
import { invalid } from '../errors.ts';
import { API_PREFIX } from '../http/server.ts';
import type { Logger } from '../log/logger.ts';
import type { Secrets } from '../security/secrets.ts';
import { checkContentType } from './bodies.ts';
import { displayName } from './file-names.ts';
import { checkKey } from './keys.ts';
import { createDownloadLinks, MAX_LINK_SECONDS } from './links.ts';
import { isProblem, StorageProblems } from './problems.ts';
import { type StoredFileRow, storedFiles } from './repository.ts';
import type { ByteRange, FileStore, GetResult } from './types.ts';

/** Objects one `saveMany` writes at once: each waits on its own file sync (or S3 request), which overlap well. */
const PUTS_AT_ONCE = 8;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface StorageLimits {
  /** Largest file one upload may store (`STORAGE_MAX_UPLOAD_BYTES`). */
  maxUploadBytes: number;
  /** Bytes one organization may keep (`STORAGE_ORG_QUOTA_BYTES`). */
  orgQuotaBytes: number;
}

export interface StoredFile {
  /** The last segment of its key: what other records (an assistant's knowledge) refer to it by. */
  id: string;
  key: string;
  orgId: string;
  size: number;
  /** SHA-256 of the bytes, hex. */
  sha256: string;
  contentType: string;
  /** The uploader's name for it, cleaned (file-names.ts): for display and downloads only. */
  fileName: string;
  createdBy: string | null;
  createdAt: Date;
}

export interface SaveFile {
  orgId: string;
  /** The calling module's folder under the org: `data-sources`, `data-sources/<sourceId>`. */
  scope: string;
  /** The client's name for the file: shown, never used as a key. */
  fileName: string;
  contentType: string;
  /** Read as a stream up to the cap; never destroyed (see FileStore.put). */
  body: Readable | Uint8Array;
  /** Who uploaded it; null for background work. */
  userId: string | null;
}

export interface SaveManyOptions {
  /**
   * Files of the same org these replace (a module rewriting what it stored in fewer bytes, and
   * removing these once its own rows point at the new ones): the quota counts them as gone, so a
   * rewrite that shrinks never fails for want of room. Keys of another org count for nothing.
   */
  replaces?: readonly string[];
}

export interface StorageUsage {
  orgId: string;
  usedBytes: number;
  quotaBytes: number;
  files: number;
}

export interface Storage {
  /** Where the bytes are: `local` (DATA_DIR/files) or `s3`. */
  readonly driver: FileStore['driver'];
  readonly limits: StorageLimits;
  /**
   * Stores a file of an org under a new key `orgs/<orgId>/<scope>/<uuidv7>`. 413
   * `STORAGE.TOO_LARGE` over the per-upload cap, 413 `STORAGE.QUOTA_EXCEEDED` past the org's
   * quota (both with nothing kept), 400 `VALIDATION_FAILED` for a content type that is not one.
   */
  save(file: SaveFile): Promise<StoredFile>;
  /**
   * Stores files of one org as `save` does, all or none: the objects are put (a few at once),
   * then counted against the quota together, once, and recorded in one transaction. Any refusal
   * or failure removes every object of the batch; the answer is in the order given. For many
   * small files (a codebase's contents): one quota count and one insert instead of one per file.
   */
  saveMany(files: readonly SaveFile[], opts?: SaveManyOptions): Promise<StoredFile[]>;
  /** The record of a stored file, or null. */
  file(key: string, exec?: Executor): Promise<StoredFile | null>;
  /** The record of a stored file by its id, or null (a malformed id matches nothing). Callers check `orgId`. */
  fileById(id: string, exec?: Executor): Promise<StoredFile | null>;
  /** The bytes of a file, whole or a range (FileStore.get): 404 `STORAGE.NOT_FOUND`, 416. */
  open(key: string, opts?: { range?: ByteRange }): Promise<GetResult>;
  /** Removes a file and gives its bytes back to the org's quota; removing one twice is no error. */
  remove(key: string): Promise<void>;
  usage(orgId: string, exec?: Executor): Promise<StorageUsage>;
  /**
   * `/api/v1/files/<token>`: a link anyone holding it may download the file with (as an
   * attachment, under its file name) for `expiresInSeconds` (1 s to 7 days), or until the file
   * is removed. Relative to the API's origin (PUBLIC_URL for mail).
   */
  signedUrl(key: string, opts: { expiresInSeconds: number }): string;
  /** The file a download link names: 403 `STORAGE.LINK_INVALID`/`LINK_EXPIRED`, 404 `STORAGE.NOT_FOUND`. */
  resolveLink(token: string): Promise<StoredFile>;
  /** Releases the driver's connections. */
  close(): void;
}

export interface StorageDeps {
  store: FileStore;
  /** The pool. */
  db: Executor;
  secrets: Secrets;
  clock: { now(): Date };
  log: Logger;
  limits: StorageLimits;
}

const toFile = (r: StoredFileRow): StoredFile => ({
  id: r.id,
  key: r.key,
  orgId: r.org_id,
  size: Number(r.size),
  sha256: r.sha256,
  contentType: r.content_type,
  fileName: r.file_name,
  createdBy: r.created_by,
  createdAt: r.created_at,
});

export function createStorage(deps: StorageDeps): Storage {
  const { store, db, clock, log, limits } = deps;
  const links = createDownloadLinks(deps.secrets);

  const quotaExceeded = (usedBytes: number) =>
    StorageProblems.quotaExceeded.error(`The organization's files would pass its quota of ${limits.orgQuotaBytes} bytes`, {
      details: { quotaBytes: limits.orgQuotaBytes, usedBytes },
    });

  /** Removes objects no row will count; a failure leaves an orphan, logged, never an error to the caller. */
  const discard = async (keys: readonly string[]) => {
    for (const key of keys) await store.delete(key).catch((err: Error) => log.error({ key, err: err.message }, 'storage: an object of a refused save could not be removed'));
  };

  /** The org, content type, name, id and key of a file to save; throws on a bad org, type or scope. */
  const prepare = (input: SaveFile) => {
    if (!UUID.test(input.orgId)) throw invalid('orgId', 'must be a UUID');
    const id = uuidv7();
    return {
      input,
      id,
      key: checkKey(`orgs/${input.orgId.toLowerCase()}/${checkKey(input.scope)}/${id}`),
      contentType: checkContentType(input.contentType),
      fileName: displayName(input.fileName),
    };
  };

  async function saveMany(inputs: readonly SaveFile[], opts: SaveManyOptions = {}): Promise<StoredFile[]> {
    if (!inputs.length) return [];
    const orgId = inputs[0].orgId;
    if (inputs.some((f) => f.orgId !== orgId)) throw new TypeError('saveMany: every file of a batch is of the same organization');
    const prepared = inputs.map(prepare);
    /** The bytes of the files these replace, the org's own only. */
    const replaced = async (exec: Executor) => {
      let bytes = 0;
      for (const key of opts.replaces ?? []) {
        const row = await storedFiles.byKey(exec, checkKey(key));
        if (row && row.org_id === orgId) bytes += Number(row.size);
      }
      return bytes;
    };

    const before = await storedFiles.usage(db, orgId);
    before.usedBytes -= await replaced(db);
    const room = limits.orgQuotaBytes - before.usedBytes;
    if (room <= 0) throw quotaExceeded(before.usedBytes);
    const cap = Math.min(limits.maxUploadBytes, room);
    // Every object put is removed again unless its row is committed: `keys` are those put so far.
    const keys: string[] = [];
    const put: { size: number; sha256: string }[] = new Array(prepared.length);
    let total = 0;
    let failure: unknown = null;
    try {
      let next = 0;
      const worker = async () => {
        while (failure === null && next < prepared.length) {
          const n = next++;
          const p = prepared[n];
          try {
            put[n] = await store.put(p.key, p.input.body, { contentType: p.contentType, maxBytes: cap });
          } catch (err) {
            // Cut off by what is left of the quota, not by the per-upload cap: the quota is the reason.
            failure ??= isProblem(err, StorageProblems.tooLarge) && cap < limits.maxUploadBytes ? quotaExceeded(before.usedBytes) : err;
            return;
          }
          keys.push(p.key);
          total += put[n].size;
          // The files together pass the room: the batch is refused now, not after the rest is read.
          if (total > room) failure ??= quotaExceeded(before.usedBytes);
        }
      };
      await Promise.all(Array.from({ length: Math.min(PUTS_AT_ONCE, prepared.length) }, worker));
      if (failure !== null) throw failure;

      const rows = await db.transaction().execute(async (tx) => {
        await storedFiles.lockOrg(tx, orgId);
        const now = await storedFiles.usage(tx, orgId);
        now.usedBytes -= await replaced(tx);
        if (now.usedBytes + total > limits.orgQuotaBytes) throw quotaExceeded(now.usedBytes);
        return storedFiles.insertMany(
          tx,
          prepared.map((p, n) => ({
            id: p.id,
            key: p.key,
            org_id: orgId,
            size: put[n].size,
            sha256: put[n].sha256,
            content_type: p.contentType,
            file_name: p.fileName,
            created_by: p.input.userId,
          })),
        );
      });
      return rows.map(toFile);
    } catch (err) {
      await discard(keys);
      throw err;
    }
  }

  return {
    driver: store.driver,
    limits,
    save: async (file) => (await saveMany([file]))[0],
    saveMany,

    async file(key, exec = db) {
      const row = await storedFiles.byKey(exec, checkKey(key));
      return row ? toFile(row) : null;
    },

    async fileById(id, exec = db) {
      if (!UUID.test(id)) return null;
      const row = await storedFiles.byId(exec, id);
      return row ? toFile(row) : null;
    },

    open: (key, opts) => store.get(key, opts),

    async remove(key) {
      // The object first: if that fails the row stays and a retry removes both; the other way
      // round, a failure would leave bytes no quota counts.
      await store.delete(checkKey(key));
      await storedFiles.deleteByKey(db, key);
    },

    async usage(orgId, exec = db) {
      const { usedBytes, files } = await storedFiles.usage(exec, orgId);
      return { orgId, usedBytes, quotaBytes: limits.orgQuotaBytes, files };
    },

    signedUrl(key, opts) {
      const id = checkKey(key).slice(key.lastIndexOf('/') + 1);
      if (!UUID.test(id)) throw new TypeError(`only a file saved with storage.save has download links, not ${key}`);
      const seconds = opts.expiresInSeconds;
      if (!Number.isInteger(seconds) || seconds < 1 || seconds > MAX_LINK_SECONDS) throw new RangeError(`expiresInSeconds must be 1 to ${MAX_LINK_SECONDS}, got ${seconds}`);
      return `${API_PREFIX}/files/${links.sign(id, new Date(clock.now().getTime() + seconds * 1000))}`;
    },

    async resolveLink(token) {
      const { fileId } = links.verify(token, clock.now());
      const row = await storedFiles.byId(db, fileId);
      if (!row) throw StorageProblems.notFound.error('The file of this link was removed');
      return toFile(row);
    },

    close: () => store.close?.(),
  };
}
