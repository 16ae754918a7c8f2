// One interface for files, two drivers: a local folder (local.ts) and any S3-compatible service
// (s3.ts). The contract both keep is tested once, against both (contract.test.ts).
import type { Readable } from 'node:stream';

export interface PutOptions {
  /** A media type (`text/csv`, `application/octet-stream`): what `get` and downloads answer. */
  contentType: string;
  /** Past this many bytes the put fails with 413 `STORAGE.TOO_LARGE` and nothing is stored. */
  maxBytes: number;
}

export interface PutResult {
  key: string;
  /** Bytes stored. */
  size: number;
  /** SHA-256 of the bytes, hex. */
  sha256: string;
}

/** Bytes `start` to `end`, both included (as HTTP counts them); no `end`: to the end of the file. */
export interface ByteRange {
  start: number;
  end?: number;
}

export interface GetResult {
  body: Readable;
  /** Size of the whole file (not of the range). */
  size: number;
  contentType: string;
  /** The bytes `body` holds when a range was asked for: `end` is clamped to the file's last byte. */
  range?: { start: number; end: number };
}

export interface ObjectInfo {
  size: number;
  contentType: string;
  modifiedAt: Date;
}

export interface ListedObject {
  key: string;
  size: number;
  modifiedAt: Date;
}

export interface FileStore {
  /** Which driver: `local` or `s3`. */
  readonly driver: 'local' | 's3';
  /**
   * Stores `body` under `key` (replacing what was there), reading it as a stream and counting
   * its bytes. Either the whole body is stored or nothing is: over `maxBytes` it stops reading
   * and fails with 413 `STORAGE.TOO_LARGE`, leaving no partial file behind. It never destroys
   * `body` (the caller owns it): a request whose upload was refused can still be answered.
   */
  put(key: string, body: Readable | Uint8Array, opts: PutOptions): Promise<PutResult>;
  /**
   * The file as a stream, whole or the range asked for. 404 `STORAGE.NOT_FOUND` when there is
   * none; 416 `STORAGE.RANGE_NOT_SATISFIABLE` when the range starts past its end.
   */
  get(key: string, opts?: { range?: ByteRange }): Promise<GetResult>;
  /** Size, type and time of the file, or null when there is none. */
  head(key: string): Promise<ObjectInfo | null>;
  /** Removes the file; removing one that is not there is not an error. */
  delete(key: string): Promise<void>;
  /** Every file whose key starts with `prefix`, in no promised order (S3 gives key order; s3rver does not). */
  list(prefix: string): AsyncIterable<ListedObject>;
  /** Releases connections (the S3 client's); the store is not used after. */
  close?(): void;
}
