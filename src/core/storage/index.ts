// core/storage: one interface for files, a local folder or an S3-compatible service behind it,
// and the façade modules use (docs/storage.md).
import { join } from 'node:path';
import type { Config } from '../config.ts';
import type { Logger } from '../log/logger.ts';
import { createLocalStore } from './local.ts';
import type { FileStore } from './types.ts';

export { newKey } from './keys.ts';
export { StorageProblems } from './problems.ts';
export { createStorage, type SaveFile, type SaveManyOptions, type Storage, type StorageLimits, type StorageUsage, type StoredFile } from './service.ts';
export type { ByteRange, FileStore, GetResult, ListedObject, ObjectInfo, PutOptions, PutResult } from './types.ts';

/**
 * The configured driver: the S3 bucket when `S3_BUCKET` is set, else the folder `DATA_DIR/files`.
 * The AWS SDK is loaded only where S3 is configured: it costs start-up ~90 ms (decision 0019).
 */
export async function createFileStore(config: Pick<Config, 'dataDir' | 's3'>, log: Logger): Promise<FileStore> {
  if (!config.s3) return createLocalStore(join(config.dataDir, 'files'));
  const { createS3Store } = await import('./s3.ts');
  return createS3Store({ ...config.s3, log });
}
