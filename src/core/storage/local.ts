// The local driver: files in a folder (DATA_DIR/files by default), a key's segments as its
// path. Beside each file, a dot-file holds its media type; a put writes a dot-named temporary
// file in the same folder and renames it into place, so a reader sees the old file or the whole
// new one, never part of one, and a failed put leaves nothing. Keys cannot start a segment with
// a dot (keys.ts), so these files are never listed and never named by a key.
import { randomBytes } from 'node:crypto';
import { type Dirent, constants } from 'node:fs';
import { mkdir, open, readdir, readFile, rename, rm, stat, unlink, writeFile } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import { checkContentType, checkMaxBytes, checkRange, clampRange, writeCapped } from './bodies.ts';
import { checkKey, checkPrefix } from './keys.ts';
import { StorageProblems } from './problems.ts';
import type { FileStore, GetResult, ListedObject, ObjectInfo } from './types.ts';

const DEFAULT_TYPE = 'application/octet-stream';

interface Meta {
  contentType: string;
}

const isMissing = (err: unknown) => (err as NodeJS.ErrnoException)?.code === 'ENOENT' || (err as NodeJS.ErrnoException)?.code === 'ENOTDIR';

/**
 * A key whose folder is another key's file, or that names another key's folder (`a/b` beside
 * `a/b/c`): S3 allows both, a file system neither. Keys made by `newKey` never clash so.
 */
const clash = (err: NodeJS.ErrnoException): never => {
  if (['EEXIST', 'ENOTDIR', 'EISDIR', 'ENOTEMPTY'].includes(err.code ?? '')) {
    throw StorageProblems.invalidKey.error('The key names the folder of other keys, or lies under another key');
  }
  throw err;
};

export function createLocalStore(folder: string): FileStore {
  const root = resolve(folder);

  /** The file of a key, and its metadata file beside it. */
  const pathsOf = (key: string) => {
    const path = join(root, ...checkKey(key).split('/'));
    // Cannot happen with a checked key; kept so no future change to the rule can escape the folder.
    if (!path.startsWith(root + sep)) throw StorageProblems.invalidKey.error('Not a valid storage key');
    const name = path.slice(path.lastIndexOf(sep) + 1);
    return { path, meta: join(dirname(path), `.${name}.meta.json`) };
  };

  const readMeta = async (meta: string): Promise<Meta> => {
    try {
      const parsed = JSON.parse(await readFile(meta, 'utf8')) as Partial<Meta>;
      return { contentType: typeof parsed.contentType === 'string' ? parsed.contentType : DEFAULT_TYPE };
    } catch (err) {
      if (isMissing(err)) return { contentType: DEFAULT_TYPE };
      throw err;
    }
  };

  /** Files under `dir` (a folder of the tree), depth first in key order, keys relative to root. */
  async function* walk(dir: string, rel: string, filter: (name: string) => boolean): AsyncGenerator<ListedObject> {
    let entries: Dirent[];
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (err) {
      if (isMissing(err)) return;
      throw err;
    }
    // A folder sorts as its name with a `/`: its keys all start so, and come between the names
    // that sort before and after it, so the walk yields keys in plain string order.
    const named = entries
      .filter((e) => !e.name.startsWith('.') && (e.isFile() || e.isDirectory()) && filter(e.name))
      .map((e) => ({ e, sortKey: e.isDirectory() ? `${e.name}/` : e.name }))
      .sort((a, b) => (a.sortKey < b.sortKey ? -1 : a.sortKey > b.sortKey ? 1 : 0));
    for (const { e } of named) {
      const key = `${rel}${e.name}`;
      if (e.isDirectory()) {
        yield* walk(join(dir, e.name), `${key}/`, () => true);
        continue;
      }
      try {
        const s = await stat(join(dir, e.name));
        yield { key, size: s.size, modifiedAt: s.mtime };
      } catch (err) {
        if (!isMissing(err)) throw err; // removed while listing
      }
    }
  }

  return {
    driver: 'local',

    async put(key, body, opts) {
      const { path, meta } = pathsOf(key);
      const contentType = checkContentType(opts.contentType);
      const maxBytes = checkMaxBytes(opts.maxBytes);
      await mkdir(dirname(path), { recursive: true }).catch(clash);
      const tag = randomBytes(8).toString('hex');
      const temp = join(dirname(path), `.${tag}.upload`);
      const tempMeta = join(dirname(path), `.${tag}.meta`);
      // Renamed into place, the temporary files are gone: only a failed put has any to remove
      // (two file-system calls fewer per put, which count when a codebase stores 10,000).
      let placed = false;
      try {
        const file = await open(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
        let written: { size: number; sha256: string };
        try {
          written = await writeCapped(body, file, maxBytes);
        } finally {
          await file.close();
        }
        await writeFile(tempMeta, JSON.stringify({ contentType } satisfies Meta), { mode: 0o600 });
        // The type first: a reader that finds the new file finds its type too.
        await rename(tempMeta, meta);
        await rename(temp, path).catch(clash);
        placed = true;
        return { key, ...written };
      } finally {
        if (!placed) {
          await rm(temp, { force: true });
          await rm(tempMeta, { force: true });
        }
      }
    },

    async get(key, opts = {}): Promise<GetResult> {
      const { path, meta } = pathsOf(key);
      const range = opts.range && checkRange(opts.range);
      let file: Awaited<ReturnType<typeof open>>;
      try {
        file = await open(path, 'r');
      } catch (err) {
        if (isMissing(err)) throw StorageProblems.notFound.error('No such file');
        throw err;
      }
      try {
        // Size and bytes from the one open file: a put or delete meanwhile changes neither.
        const { size } = await file.stat();
        const served = range && clampRange(range, size);
        const { contentType } = await readMeta(meta);
        const body = file.createReadStream(served ? { start: served.start, end: served.end } : {});
        return { body, size, contentType, ...(served ? { range: served } : {}) };
      } catch (err) {
        await file.close();
        throw err;
      }
    },

    async head(key): Promise<ObjectInfo | null> {
      const { path, meta } = pathsOf(key);
      try {
        const s = await stat(path);
        if (!s.isFile()) return null;
        return { size: s.size, contentType: (await readMeta(meta)).contentType, modifiedAt: s.mtime };
      } catch (err) {
        if (isMissing(err)) return null;
        throw err;
      }
    },

    async delete(key) {
      const { path, meta } = pathsOf(key);
      // The file first: while its type is still there, a reader sees a whole file or none.
      for (const p of [path, meta]) {
        try {
          await unlink(p);
        } catch (err) {
          if (!isMissing(err)) throw err;
        }
      }
    },

    async *list(prefix) {
      checkPrefix(prefix);
      // The folder the prefix names in full, then the start of a name in it.
      const cut = prefix.lastIndexOf('/') + 1;
      const folder = prefix.slice(0, cut);
      const start = prefix.slice(cut);
      yield* walk(join(root, ...folder.split('/').filter(Boolean)), folder, (name) => name.startsWith(start));
    },
  };
}
