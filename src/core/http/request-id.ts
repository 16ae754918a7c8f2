// Request ids: UUIDv7 (time-ordered, so log lines sort by id), from the uuidv7 package's own
// generator. Its default random source refills 8 words per crypto.getRandomValues() call (a
// call into OpenSSL every few ids), which showed as ~5 µs of every request under load; here the
// generator draws from a 4 KiB buffer refilled in one call every few hundred ids. Same
// generator, same monotonic ids, same CSPRNG.
import { V7Generator } from 'uuidv7';

class PooledCryptoRandom {
  private readonly buffer = new Uint32Array(1024);
  private cursor = this.buffer.length;

  nextUint32(): number {
    if (this.cursor >= this.buffer.length) {
      crypto.getRandomValues(this.buffer);
      this.cursor = 0;
    }
    return this.buffer[this.cursor++];
  }
}

export function createRequestIdGenerator(): () => string {
  const generator = new V7Generator(new PooledCryptoRandom());
  return () => generator.generate().toString();
}
