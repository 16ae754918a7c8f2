// Storage's settings in core's slice (src/core/config.ts), and the driver they choose.
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../config.ts';
import { createLogger } from '../log/logger.ts';
import { createFileStore } from './index.ts';

const BASE = { JWT_SECRET: 'a'.repeat(32), DATA_DIR: '/tmp/trellis-storage-config' };
const S3 = { S3_BUCKET: 'files', S3_ENDPOINT: 'http://127.0.0.1:9000', S3_ACCESS_KEY_ID: 'key', S3_SECRET_ACCESS_KEY: 'secret', S3_FORCE_PATH_STYLE: 'true' };

function issues(env: Record<string, string>): string[] {
  try {
    loadConfig({ ...BASE, ...env });
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).issues.map((i) => i.variable);
  }
  throw new Error('accepted');
}

describe('storage settings', () => {
  it('default to the local folder, 100 MiB per upload and 5 GiB per org', async () => {
    const c = loadConfig(BASE);
    expect(c).toMatchObject({ storageMaxUploadBytes: 100 * 1024 ** 2, storageOrgQuotaBytes: 5 * 1024 ** 3, s3: undefined });
    expect((await createFileStore(c, createLogger('silent'))).driver).toBe('local');
  });

  it('use the bucket when S3_BUCKET is set, keeping the key pair out of the flat settings', async () => {
    const c = loadConfig({ ...BASE, ...S3, S3_REGION: 'eu-west-3', STORAGE_MAX_UPLOAD_BYTES: '1000', STORAGE_ORG_QUOTA_BYTES: '5000' });
    expect(c.s3).toEqual({
      bucket: 'files',
      endpoint: 'http://127.0.0.1:9000',
      region: 'eu-west-3',
      forcePathStyle: true,
      credentials: { accessKeyId: 'key', secretAccessKey: 'secret' },
    });
    expect(c).toMatchObject({ storageMaxUploadBytes: 1000, storageOrgQuotaBytes: 5000 });
    expect(Object.keys(c).filter((k) => /^s3[A-Z]/.test(k))).toEqual([]);
    const store = await createFileStore(c, createLogger('silent'));
    expect(store.driver).toBe('s3');
    store.close?.();
    // Without a key pair the SDK finds credentials itself (environment, instance role).
    expect(loadConfig({ ...BASE, S3_BUCKET: 'files' }).s3).toMatchObject({ bucket: 'files', region: 'us-east-1', forcePathStyle: false, credentials: undefined });
  });

  it('refuse half a key pair, a service without a bucket, and caps out of bounds', () => {
    expect(issues({ S3_BUCKET: 'files', S3_ACCESS_KEY_ID: 'key' })).toEqual(['S3_SECRET_ACCESS_KEY']);
    expect(issues({ S3_BUCKET: 'files', S3_SECRET_ACCESS_KEY: 'secret' })).toEqual(['S3_ACCESS_KEY_ID']);
    expect(issues({ S3_ENDPOINT: 'http://127.0.0.1:9000' })).toEqual(['S3_BUCKET']);
    expect(issues({ S3_ENDPOINT: 'ftp://files' })).toEqual(['S3_ENDPOINT']);
    expect(issues({ STORAGE_MAX_UPLOAD_BYTES: String(5 * 1024 ** 3 + 1) })).toEqual(['STORAGE_MAX_UPLOAD_BYTES']);
    expect(issues({ STORAGE_MAX_UPLOAD_BYTES: '0', STORAGE_ORG_QUOTA_BYTES: '10GB' })).toEqual(['STORAGE_MAX_UPLOAD_BYTES', 'STORAGE_ORG_QUOTA_BYTES']);
  });
});
