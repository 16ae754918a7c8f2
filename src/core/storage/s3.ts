// The S3 driver, on the official AWS SDK: AWS S3 or any S3-compatible service (MinIO, Ceph,
// R2, …) by endpoint. A put is spooled to a temporary file while it is counted and hashed, so
// the cap holds before a byte is sent and the object is sent whole with its length (one
// PutObject; S3 never holds part of a file under a key); the temporary file is always removed.
import { randomUUID } from 'node:crypto';
import { constants, createReadStream } from 'node:fs';
import { open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  type GetObjectCommandOutput,
  HeadObjectCommand,
  ListObjectsV2Command,
  type ListObjectsV2CommandOutput,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import type { Logger } from '../log/logger.ts';
import { checkContentType, checkMaxBytes, checkRange, clampRange, sliceBytes, writeCapped } from './bodies.ts';
import { checkKey, checkPrefix } from './keys.ts';
import { StorageProblems } from './problems.ts';
import type { FileStore, GetResult, ObjectInfo } from './types.ts';

export interface S3Options {
  bucket: string;
  /** An S3-compatible service; unset: AWS S3 in `region`. */
  endpoint?: string;
  region: string;
  forcePathStyle: boolean;
  /** Unset: the SDK's own chain (environment, shared files, instance or task role). */
  credentials?: { accessKeyId: string; secretAccessKey: string };
  /** Where uploads are spooled before they are sent (default: the OS's temporary folder). */
  spoolDir?: string;
  log: Logger;
}

const statusOf = (err: unknown) => (err as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode;
const isNotFound = (err: unknown) => statusOf(err) === 404 || (err instanceof S3ServiceException && ['NoSuchKey', 'NotFound'].includes(err.name));

export function createS3Store(opts: S3Options): FileStore {
  const { bucket, log } = opts;
  const client = new S3Client({
    region: opts.region,
    endpoint: opts.endpoint,
    forcePathStyle: opts.forcePathStyle,
    credentials: opts.credentials,
    // Checksums only where S3 requires them: by default the SDK sends bodies `aws-chunked` with a
    // trailing CRC32, which many S3-compatible services store as part of the object.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    // An unreachable service fails a request in seconds rather than holding it.
    requestHandler: { connectionTimeout: 5_000, requestTimeout: 60_000 },
    maxAttempts: 3,
  });
  const spoolDir = opts.spoolDir ?? tmpdir();

  /** A failure of the service (down, refused, misconfigured): logged here, 503 to the caller. */
  const unavailable = (err: unknown, action: string) => {
    log.warn({ action, status: statusOf(err), err: (err as Error)?.name, message: (err as Error)?.message?.slice(0, 300) }, 'file storage request failed');
    return StorageProblems.unavailable.error('The file storage did not answer, retry shortly', { retryAfter: 5 });
  };

  const head = async (key: string): Promise<ObjectInfo | null> => {
    checkKey(key);
    try {
      const res = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
      return { size: res.ContentLength ?? 0, contentType: res.ContentType ?? 'application/octet-stream', modifiedAt: res.LastModified ?? new Date(0) };
    } catch (err) {
      if (isNotFound(err)) return null;
      throw unavailable(err, 'head');
    }
  };

  return {
    driver: 's3',

    async put(key, body, putOpts) {
      checkKey(key);
      const contentType = checkContentType(putOpts.contentType);
      const maxBytes = checkMaxBytes(putOpts.maxBytes);
      const spool = join(spoolDir, `trellis-upload-${randomUUID()}`);
      try {
        const file = await open(spool, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
        let written: { size: number; sha256: string };
        try {
          written = await writeCapped(body, file, maxBytes);
        } finally {
          await file.close();
        }
        try {
          await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: createReadStream(spool), ContentLength: written.size, ContentType: contentType }));
        } catch (err) {
          throw unavailable(err, 'put');
        }
        return { key, ...written };
      } finally {
        await rm(spool, { force: true });
      }
    },

    async get(key, getOpts = {}): Promise<GetResult> {
      checkKey(key);
      const range = getOpts.range && checkRange(getOpts.range);
      let res: GetObjectCommandOutput;
      try {
        res = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key, Range: range ? `bytes=${range.start}-${range.end ?? ''}` : undefined }));
      } catch (err) {
        if (isNotFound(err)) throw StorageProblems.notFound.error('No such file');
        if (statusOf(err) === 416) {
          // S3 names no size in its refusal; the client needs it (`Content-Range: bytes */size`).
          const info = await head(key);
          if (!info) throw StorageProblems.notFound.error('No such file');
          throw StorageProblems.rangeNotSatisfiable.error('The range starts past the end of the file', { details: { size: info.size } });
        }
        throw unavailable(err, 'get');
      }
      const contentType = res.ContentType ?? 'application/octet-stream';
      const body = res.Body as Readable;
      if (!range) return { body, size: res.ContentLength ?? 0, contentType };
      // `bytes 0-9/1234`: the range served, and the size of the whole object.
      const served = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(res.ContentRange ?? '');
      const size = served ? Number(served[3]) : (res.ContentLength ?? 0);
      let part: { start: number; end: number };
      try {
        // Services differ on an empty object (s3rver answers `bytes 0-0/0`): the size decides.
        part = clampRange(range, size);
      } catch (err) {
        body.destroy();
        throw err;
      }
      if (served) return { body, size, contentType, range: { start: Number(served[1]), end: Number(served[2]) } };
      // The service sent the whole object, ignoring the range: cut the range out here.
      return { body: Readable.from(sliceBytes(body, part.start, part.end)), size, contentType, range: part };
    },

    head,

    async delete(key) {
      checkKey(key);
      try {
        await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
      } catch (err) {
        if (!isNotFound(err)) throw unavailable(err, 'delete');
      }
    },

    async *list(prefix) {
      checkPrefix(prefix);
      let token: string | undefined;
      do {
        let page: ListObjectsV2CommandOutput;
        try {
          page = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
        } catch (err) {
          throw unavailable(err, 'list');
        }
        for (const o of page.Contents ?? []) {
          if (o.Key !== undefined) yield { key: o.Key, size: o.Size ?? 0, modifiedAt: o.LastModified ?? new Date(0) };
        }
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token);
    },

    close() {
      client.destroy();
    },
  };
}
