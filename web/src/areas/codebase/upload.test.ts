// The resumable upload's logic: a part that fails stops the upload with the bar back at what is
// stored; resuming asks the server what it holds and sends only the others; a held part whose
// bytes differ from the file's is sent again; completion lists every part in order with the
// hash computed here.
import { describe, expect, it } from 'vitest';
import { type PartIo, partCount, sendMissingParts, sha256Hex, type UploadPart } from './upload';

/** A server that keeps the parts it received; `failOn` makes one PUT fail once. */
function fakeServer(failOn?: number) {
  const held = new Map<number, UploadPart>();
  const puts: number[] = [];
  let failed = false;
  const io: PartIo = {
    received: async () => [...held.values()],
    put: async (n, bytes, sha256, onLoaded) => {
      puts.push(n);
      onLoaded(bytes.size / 2);
      if (n === failOn && !failed) {
        failed = true;
        throw new Error('connection reset');
      }
      const part = { partNumber: n, size: bytes.size, sha256: sha256 ?? (await sha256Hex(bytes)) ?? 'x' };
      held.set(n, part);
      return part;
    },
  };
  return { io, held, puts };
}

const file = new Blob([new Uint8Array(10_000).map((_, i) => i % 251)]);

describe('sendMissingParts', () => {
  it('cuts the file into parts of the given size', () => {
    expect(partCount(10_000, 4_000)).toBe(3);
    expect(partCount(8_000, 4_000)).toBe(2);
    expect(partCount(0, 4_000)).toBe(1);
  });

  it('stops at a failed part with the bar at the bytes stored, then resumes sending only the others', async () => {
    const server = fakeServer(2);
    const progress: number[] = [];
    await expect(sendMissingParts(file, 4_000, server.io, (b) => progress.push(b))).rejects.toThrow('connection reset');
    expect(server.puts).toEqual([1, 2]);
    expect(progress.at(-1)).toBe(4_000);

    const resumed = await sendMissingParts(file, 4_000, server.io, (b) => progress.push(b));
    expect(server.puts).toEqual([1, 2, 2, 3]);
    expect(resumed.kept).toBe(1);
    expect(resumed.sent).toBe(2);
    expect(progress.at(-1)).toBe(10_000);
    expect(resumed.parts.map((p) => p.partNumber)).toEqual([1, 2, 3]);
    expect(resumed.parts.map((p) => p.sha256)).toEqual([...server.held.values()].sort((a, b) => a.partNumber - b.partNumber).map((p) => p.sha256));
  });

  it('sends again a part the server holds with other bytes', async () => {
    const server = fakeServer();
    server.held.set(1, { partNumber: 1, size: 4_000, sha256: '0'.repeat(64) });
    const result = await sendMissingParts(file, 4_000, server.io, () => {});
    expect(server.puts).toEqual([1, 2, 3]);
    expect(result.kept).toBe(0);
    expect(result.parts[0].sha256).toBe(await sha256Hex(file.slice(0, 4_000)));
  });
});
