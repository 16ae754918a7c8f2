// Development transport: every message becomes an .eml file that any mail client opens.
import { randomUUID } from 'node:crypto';
import { link, mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createTransport } from 'nodemailer';
import { MailError, toMailError } from './mail-error.ts';
import type { Mailer } from './mailer.ts';
import { safeKey, toMailOptions } from './message.ts';

/** Hard links named by idempotency key alone; their existence is what marks a key as sent. */
const KEYS_DIR = '.keys';

export function createFileMailer(dir: string, from: string): Mailer {
  // streamTransport composes the same MIME message SMTP would carry, without sending it.
  // CRLF because RFC 5322 says so; file and URL access off because message fields are data.
  const composer = createTransport({
    streamTransport: true,
    buffer: true,
    newline: 'windows',
    disableFileAccess: true,
    disableUrlAccess: true,
  });
  let closed = false;

  return {
    async send(msg) {
      if (closed) throw new MailError('file', 'mailer is closed');
      try {
        const info = await composer.sendMail(toMailOptions(from, msg));
        const key = msg.idempotencyKey === undefined ? undefined : safeKey(msg.idempotencyKey);
        await writeOnce(dir, key, info.message as Buffer);
      } catch (err) {
        throw toMailError('file', err);
      }
    },
    async close() {
      closed = true;
      composer.close();
    },
  };
}

/**
 * Writes the message so that it appears complete or not at all, and at most once per key.
 * The file name carries a timestamp, so it cannot itself tell whether a key was already
 * written; instead the finished temp file is first hard-linked to a name derived from the
 * key only. link() fails with EEXIST atomically, which settles concurrent sends of the
 * same key (several instances, or a retry racing the original) without a lock.
 * A crash between link() and rename() leaves the message only under .keys/: for a
 * development transport, a rare lost file beats a duplicate on every retry.
 */
async function writeOnce(dir: string, key: string | undefined, data: Buffer): Promise<void> {
  await mkdir(key === undefined ? dir : join(dir, KEYS_DIR), { recursive: true });
  const stamp = new Date().toISOString().replace(/:/g, '-');
  const tmp = join(dir, `.${randomUUID()}.tmp`);
  await writeFile(tmp, data, { flag: 'wx' });
  try {
    if (key !== undefined) {
      try {
        await link(tmp, join(dir, KEYS_DIR, key));
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'EEXIST') return;
        throw err;
      }
    }
    await rename(tmp, join(dir, `${stamp}-${key ?? randomUUID()}.eml`));
  } finally {
    await rm(tmp, { force: true });
  }
}
