import { Buffer } from 'node:buffer';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { toMailError } from './mail-error.ts';
import { createMailer, MailError, MemoryMailer, type MailMessage } from './mailer.ts';

const FROM = 'Trellis <no-reply@trellis.test>';
const MESSAGE: MailMessage = {
  to: 'ada@example.com',
  subject: 'Hello from the test suite',
  text: 'Plain body: secret-body-marker',
  html: '<p>HTML body: <strong>secret-body-marker</strong></p>',
};

interface Part {
  headers: Map<string, string>;
  body: string;
}

/** Just enough RFC 5322 / MIME parsing to check what a mail client would see. */
function parsePart(raw: string): Part {
  const split = raw.indexOf('\r\n\r\n');
  const headers = new Map<string, string>();
  const unfolded = raw.slice(0, split).replace(/\r\n[ \t]+/g, ' ');
  for (const line of unfolded.split('\r\n')) {
    const colon = line.indexOf(':');
    headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  return { headers, body: raw.slice(split + 4) };
}

function subParts(part: Part): Part[] {
  const boundary = /boundary="?([^";]+)"?/.exec(part.headers.get('content-type') ?? '')?.[1];
  if (!boundary) return [];
  return part.body
    .split(`--${boundary}`)
    .slice(1, -1)
    .map((chunk) => parsePart(chunk.replace(/^\r\n/, '')));
}

/** Quoted-printable soft line breaks and escapes, so long lines can be searched. */
const decodeQp = (s: string) =>
  s.replace(/=\r\n/g, '').replace(/=([0-9A-F]{2})/g, (_, h: string) => String.fromCharCode(Number.parseInt(h, 16)));

/** Every leaf part of a message, depth first: what a mail client lists as its body and files. */
function leaves(part: Part): Part[] {
  const children = subParts(part);
  return children.length ? children.flatMap(leaves) : [part];
}

/** A `cid:` picture and a PDF whose name tries to climb directories and break the header. */
const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3, 4]);
const PDF = Buffer.from('%PDF-1.7 not really');
const WITH_FILES: MailMessage = {
  ...MESSAGE,
  html: '<p>Chart:</p><img src="cid:chart-1@trellis" alt="Chart">',
  attachments: [
    { filename: 'chart.png', contentType: 'image/png', content: PNG, contentId: 'chart-1@trellis' },
    { filename: '../../etc/\u202Epasswd\r\nX-Injected: yes.pdf', contentType: 'application/pdf', content: PDF },
  ],
};

/** Checks the two files of WITH_FILES in a raw message: the picture inline with its Content-ID, the PDF attached under a clean name. */
function expectFiles(raw: string) {
  const mail = parsePart(raw);
  expect(mail.headers.get('content-type')).toMatch(/^multipart\/mixed;/);
  expect(raw).not.toMatch(/^X-Injected/m);
  const parts = leaves(mail);
  const byType = (t: string) => parts.find((p) => p.headers.get('content-type')?.startsWith(t));
  const png = byType('image/png')!;
  expect(png.headers.get('content-id')).toBe('<chart-1@trellis>');
  expect(png.headers.get('content-disposition')).toMatch(/^inline/);
  expect(Buffer.from(png.body.replace(/\s+/g, ''), 'base64')).toEqual(PNG);
  const pdf = byType('application/pdf')!;
  expect(pdf.headers.get('content-disposition')).toMatch(/^attachment; filename="passwd X-Injected: yes\.pdf"$/);
  expect(Buffer.from(pdf.body.replace(/\s+/g, ''), 'base64')).toEqual(PDF);
  // The HTML that shows the picture sits with it in one multipart/related.
  expect(decodeQp(byType('text/html')!.body)).toContain('src="cid:chart-1@trellis"');
  expect(raw).toMatch(/Content-Type: multipart\/related;/);
}

async function emlFiles(dir: string): Promise<string[]> {
  return (await readdir(dir)).filter((f) => f.endsWith('.eml')).sort();
}

describe('file transport', () => {
  let root: string;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'trellis-mail-'));
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('writes a parseable .eml with text and HTML alternatives, creating the directory', async () => {
    const dir = join(root, 'not', 'yet', 'there');
    const mailer = createMailer({ transport: 'file', from: FROM, dir });
    await mailer.send(MESSAGE);
    await mailer.close();

    const files = await emlFiles(dir);
    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}\.\d{3}Z-[A-Za-z0-9_-]+\.eml$/);

    const raw = await readFile(join(dir, files[0]), 'utf8');
    expect(raw).not.toMatch(/[^\r]\n/); // CRLF throughout, as RFC 5322 requires
    const mail = parsePart(raw);
    expect(mail.headers.get('to')).toBe('ada@example.com');
    expect(mail.headers.get('from')).toBe(FROM);
    expect(mail.headers.get('subject')).toBe(MESSAGE.subject);
    expect(mail.headers.get('message-id')).toMatch(/^<.+@.+>$/);
    expect(mail.headers.get('date')).toBeTruthy();
    expect(mail.headers.get('mime-version')).toBe('1.0');
    expect(mail.headers.get('content-type')).toMatch(/^multipart\/alternative;/);

    const parts = subParts(mail);
    expect(parts.map((p) => p.headers.get('content-type')?.split(';')[0])).toEqual(['text/plain', 'text/html']);
    expect(decodeQp(parts[0].body)).toContain(MESSAGE.text);
    expect(decodeQp(parts[1].body)).toContain(MESSAGE.html);
  });

  it('carries attachments: inline ones with their Content-ID, the others attached under a cleaned name', async () => {
    const mailer = createMailer({ transport: 'file', from: FROM, dir: root });
    await mailer.send(WITH_FILES);
    const [file] = await emlFiles(root);
    expectFiles(await readFile(join(root, file), 'utf8'));
  });

  it('refuses a content id that could break its header', async () => {
    const mailer = createMailer({ transport: 'file', from: FROM, dir: root });
    const bad = { ...WITH_FILES, attachments: [{ filename: 'a.png', contentType: 'image/png', content: PNG, contentId: 'a>\r\nX: y' }] };
    await expect(mailer.send(bad)).rejects.toThrow(/^file transport: attachment contentId/);
    expect(await emlFiles(root)).toEqual([]);
  });

  it('writes one file per idempotency key, even when sends race', async () => {
    const mailer = createMailer({ transport: 'file', from: FROM, dir: root });
    await mailer.send({ ...MESSAGE, idempotencyKey: 'evt-1' });
    await mailer.send({ ...MESSAGE, idempotencyKey: 'evt-1' });
    await Promise.all(Array.from({ length: 10 }, () => mailer.send({ ...MESSAGE, idempotencyKey: 'evt-2' })));

    const files = await emlFiles(root);
    expect(files).toHaveLength(2);
    expect(files.filter((f) => f.endsWith('-evt-1.eml'))).toHaveLength(1);
    expect(files.filter((f) => f.endsWith('-evt-2.eml'))).toHaveLength(1);
    const mail = parsePart(await readFile(join(root, files.find((f) => f.endsWith('-evt-1.eml'))!), 'utf8'));
    expect(mail.headers.get('message-id')).toBe('<evt-1@trellis.test>');
    // No temp files left behind by the sends that lost the race.
    expect((await readdir(root)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('sanitizes keys without letting different keys collide or escape the directory', async () => {
    const mailer = createMailer({ transport: 'file', from: FROM, dir: root });
    for (const key of ['a.b', 'a_b', '../../etc/passwd', 'a.b']) await mailer.send({ ...MESSAGE, idempotencyKey: key });

    const files = await emlFiles(root);
    expect(files).toHaveLength(3);
    for (const f of files) expect(f).toMatch(/^[0-9TZ.-]+-[A-Za-z0-9_-]+\.eml$/);
  });

  it('writes every message that has no key', async () => {
    const mailer = createMailer({ transport: 'file', from: FROM, dir: root });
    await mailer.send(MESSAGE);
    await mailer.send(MESSAGE);
    expect(await emlFiles(root)).toHaveLength(2);
  });

  it('rejects with an error naming the transport and not the body', async () => {
    const blocker = join(root, 'a-file');
    await writeFile(blocker, '');
    const mailer = createMailer({ transport: 'file', from: FROM, dir: join(blocker, 'mail') });
    const err = await mailer.send(MESSAGE).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MailError);
    expect((err as MailError).message).toMatch(/^file transport: /);
    expect((err as MailError).message).not.toContain('secret-body-marker');
  });
});

describe('memory transport', () => {
  it('records what was sent, with the sender', async () => {
    const mailer = createMailer({ transport: 'memory', from: FROM });
    expect(mailer).toBeInstanceOf(MemoryMailer);
    const msg = { ...MESSAGE };
    await mailer.send(msg);
    msg.subject = 'changed afterwards';
    expect((mailer as MemoryMailer).sent).toEqual([{ ...MESSAGE, from: FROM }]);
  });

  it('keeps attachments whole for tests to inspect, their names cleaned as the other transports send them', async () => {
    const mailer = new MemoryMailer(FROM);
    await mailer.send(WITH_FILES);
    const [sent] = mailer.sent;
    expect(sent.attachments?.map((a) => [a.filename, a.contentId])).toEqual([
      ['chart.png', 'chart-1@trellis'],
      ['passwd X-Injected: yes.pdf', undefined],
    ]);
    expect(sent.attachments?.[0].content).toEqual(PNG);
    await expect(mailer.send({ ...WITH_FILES, attachments: [{ filename: 'a', contentType: 'image/png', content: PNG, contentId: 'a b' }] })).rejects.toThrow(/^memory transport: attachment contentId/);
  });

  it('drops a second message with the same idempotency key', async () => {
    const mailer = new MemoryMailer(FROM);
    await mailer.send({ ...MESSAGE, idempotencyKey: 'k' });
    await mailer.send({ ...MESSAGE, idempotencyKey: 'k' });
    await mailer.send({ ...MESSAGE, idempotencyKey: 'other' });
    expect(mailer.sent.map((m) => m.idempotencyKey)).toEqual(['k', 'other']);
  });

  it('failNext makes the next n sends reject, then recovers', async () => {
    const mailer = new MemoryMailer(FROM);
    mailer.failNext(2);
    await expect(mailer.send(MESSAGE)).rejects.toThrow(/^memory transport: /);
    await expect(mailer.send(MESSAGE)).rejects.toBeInstanceOf(MailError);
    await mailer.send(MESSAGE);
    expect(mailer.sent).toHaveLength(1);

    const outage = new Error('relay down');
    mailer.failNext(1, outage);
    await expect(mailer.send(MESSAGE)).rejects.toBe(outage);
    await mailer.send(MESSAGE);
    expect(mailer.sent).toHaveLength(2);
  });

  it('rejects sends after close', async () => {
    const mailer = new MemoryMailer(FROM);
    await mailer.close();
    await expect(mailer.send(MESSAGE)).rejects.toThrow(/closed/);
  });
});

describe('smtp transport', () => {
  const servers: SMTPServer[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  });

  async function startServer(options: SMTPServerOptions = {}): Promise<{ port: number; received: string[] }> {
    const received: string[] = [];
    const server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      onData(stream, _session, callback) {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          received.push(Buffer.concat(chunks).toString('utf8'));
          callback();
        });
      },
      ...options,
    });
    servers.push(server);
    const port = await new Promise<number>((resolve, reject) => {
      server.on('error', reject);
      const listener = server.listen(0, '127.0.0.1', () => resolve((listener.address() as AddressInfo).port));
    });
    return { port, received };
  }

  it('delivers to an SMTP server, with the Message-ID derived from the key', async () => {
    const { port, received } = await startServer();
    const mailer = createMailer({ transport: 'smtp', from: FROM, smtpUrl: `smtp://127.0.0.1:${port}` });
    await mailer.send({ ...MESSAGE, idempotencyKey: 'evt-42' });
    await mailer.close();

    expect(received).toHaveLength(1);
    const mail = parsePart(received[0]);
    expect(mail.headers.get('subject')).toBe(MESSAGE.subject);
    expect(mail.headers.get('to')).toBe('ada@example.com');
    expect(mail.headers.get('message-id')).toBe('<evt-42@trellis.test>');
    expect(subParts(mail).map((p) => p.headers.get('content-type')?.split(';')[0])).toEqual(['text/plain', 'text/html']);
  });

  it('delivers attachments as the file transport writes them', async () => {
    const { port, received } = await startServer();
    const mailer = createMailer({ transport: 'smtp', from: FROM, smtpUrl: `smtp://127.0.0.1:${port}` });
    await mailer.send(WITH_FILES);
    await mailer.close();
    expect(received).toHaveLength(1);
    expectFiles(received[0]);
  });

  it('does not leak the password when the server rejects the login', async () => {
    const password = 'hunter2-Sup3rSecret';
    const { port } = await startServer({
      authOptional: false,
      allowInsecureAuth: true,
      // A hostile or chatty server echoing the credentials back in its reply.
      onAuth(auth, _session, callback) {
        callback(new Error(`rejected ${auth.username}:${auth.password}`));
      },
    });
    const mailer = createMailer({ transport: 'smtp', from: FROM, smtpUrl: `smtp://mailuser:${password}@127.0.0.1:${port}` });
    const err = await mailer.send(MESSAGE).catch((e: unknown) => e);
    await mailer.close();

    expect(err).toBeInstanceOf(MailError);
    const e = err as MailError;
    expect(e.message).toMatch(/^smtp transport: /);
    expect(e.responseCode).toBe(535);
    expect(e.message).toContain('***'); // the echo was there, and was removed
    expect(e.message).not.toContain(password);
    expect(e.message).not.toContain('secret-body-marker');
    expect(JSON.stringify(e)).not.toContain(password);
    expect(e.cause).toBeUndefined();
  });

  it('names the transport and hides the credentials when the server is unreachable', async () => {
    const { port } = await startServer();
    await Promise.all(servers.splice(0).map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
    const mailer = createMailer({ transport: 'smtp', from: FROM, smtpUrl: `smtp://mailuser:p%40ss-word@127.0.0.1:${port}` });
    const err = (await mailer.send(MESSAGE).catch((e: unknown) => e)) as MailError;
    await mailer.close();
    expect(err).toBeInstanceOf(MailError);
    expect(err.message).toMatch(/^smtp transport: /);
    expect(err.code).toBeTruthy();
    expect(err.message).not.toMatch(/p%40ss-word|p@ss-word/);
  });

  it('strips userinfo from any URL in an error text', () => {
    const err = toMailError('smtp', new Error('cannot reach smtps://someone:pw@mail.example.com:465'));
    expect(err.message).toBe('smtp transport: cannot reach smtps://mail.example.com:465');
  });
});

describe('createMailer', () => {
  it('requires the setting its transport needs', () => {
    expect(() => createMailer({ transport: 'file', from: FROM })).toThrow(/file transport: dir/);
    expect(() => createMailer({ transport: 'smtp', from: FROM })).toThrow(/smtp transport: smtpUrl/);
  });
});
