// A ZIP built in memory with yazl: the pages of one run, each added as a buffer, every entry dated
// with the run's generation time so two runs of the same model give the same archive.
import yazl from 'yazl';

export async function zipOf(entries: Iterable<{ name: string; data: string | Buffer }>, mtime: Date): Promise<Buffer> {
  const zip = new yazl.ZipFile();
  const parts: Buffer[] = [];
  const done = new Promise<Buffer>((resolve, reject) => {
    zip.outputStream.on('data', (c: Buffer) => parts.push(c));
    zip.outputStream.on('end', () => resolve(Buffer.concat(parts)));
    zip.outputStream.on('error', reject);
  });
  for (const e of entries) zip.addBuffer(typeof e.data === 'string' ? Buffer.from(e.data, 'utf8') : e.data, e.name, { mtime });
  zip.end();
  return done;
}
