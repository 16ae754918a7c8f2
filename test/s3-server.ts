// An S3-compatible server of a test's own (s3rver, in process): 127.0.0.1 on a free port, its
// objects in a temporary folder, one bucket made. `close()` stops it and removes the folder.
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import S3rver from 's3rver';

/** s3rver's fixed credentials: it checks signatures made with them. */
export const S3RVER_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

export interface TestS3Server {
  endpoint: string;
  bucket: string;
  /** The settings an app needs to keep its files there. */
  env: Record<string, string>;
  /** How many objects the bucket holds (read from s3rver's folder: one file per object). */
  objectCount(): Promise<number>;
  close(): Promise<void>;
}

export async function startS3Server(bucket = 'trellis-test'): Promise<TestS3Server> {
  const directory = await mkdtemp(join(tmpdir(), 'trellis-s3-'));
  const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory, configureBuckets: [{ name: bucket }] });
  const { port } = await server.run();
  const endpoint = `http://127.0.0.1:${port}`;
  return {
    endpoint,
    bucket,
    env: {
      S3_BUCKET: bucket,
      S3_ENDPOINT: endpoint,
      S3_FORCE_PATH_STYLE: 'true',
      S3_ACCESS_KEY_ID: S3RVER_CREDENTIALS.accessKeyId,
      S3_SECRET_ACCESS_KEY: S3RVER_CREDENTIALS.secretAccessKey,
    },
    async objectCount() {
      const files = await readdir(join(directory, bucket), { recursive: true });
      return files.filter((f) => f.endsWith('._S3rver_object')).length;
    },
    async close() {
      await server.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}
