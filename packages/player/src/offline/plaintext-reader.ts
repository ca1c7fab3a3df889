/**
 * Random access to an opened package's plaintext (the fMP4), decrypting whole chunks on demand
 * and keeping the few most recent in memory: the fragment scanner reads many small box headers
 * and the feeder reads whole fragments, and both mostly hit the chunk read last. One in-flight
 * promise per chunk, so concurrent readers never decrypt the same chunk twice. Plaintext lives
 * only here, in memory; `clear()` zeroes it.
 */
import type { OpenedPackage } from '@securevod/crypto';
import type { ByteReader } from './fragment-index.js';

export interface PlaintextReaderOptions {
  /** Decrypted chunks kept (each `chunkSize`, 1 MiB as the server writes them). Default 4. */
  readonly cacheChunks?: number;
  /** Called after each chunk is decrypted (for stats). */
  readonly onChunkDecrypted?: (index: number) => void;
}

export class PlaintextReader implements ByteReader {
  readonly size: number;
  private readonly chunkSize: number;
  private readonly capacity: number;
  /** Insertion order is recency order (re-inserted on use). */
  private readonly cache = new Map<number, Promise<Uint8Array>>();

  constructor(
    private readonly opened: OpenedPackage,
    private readonly options: PlaintextReaderOptions = {},
  ) {
    this.size = opened.header.plaintextLength;
    this.chunkSize = opened.header.chunkSize;
    this.capacity = Math.max(2, options.cacheChunks ?? 4);
  }

  async read(offset: number, length: number): Promise<Uint8Array> {
    if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0) {
      throw new RangeError(`Cannot read ${length} bytes at ${offset}.`);
    }
    const end = Math.min(this.size, offset + length);
    if (end <= offset) return new Uint8Array(0);
    const first = Math.floor(offset / this.chunkSize);
    const last = Math.floor((end - 1) / this.chunkSize);
    if (first === last) {
      const chunk = await this.chunk(first);
      const from = offset - first * this.chunkSize;
      return chunk.slice(from, from + (end - offset));
    }
    const out = new Uint8Array(end - offset);
    for (let index = first; index <= last; index++) {
      const chunk = await this.chunk(index);
      const chunkStart = index * this.chunkSize;
      const from = Math.max(offset, chunkStart);
      const to = Math.min(end, chunkStart + chunk.length);
      out.set(chunk.subarray(from - chunkStart, to - chunkStart), from - offset);
    }
    return out;
  }

  /** Zeroes and forgets every cached chunk. */
  clear(): void {
    for (const pending of this.cache.values())
      void pending.then(
        (c) => c.fill(0),
        () => undefined,
      );
    this.cache.clear();
  }

  private chunk(index: number): Promise<Uint8Array> {
    const cached = this.cache.get(index);
    if (cached) {
      this.cache.delete(index);
      this.cache.set(index, cached);
      return cached;
    }
    const pending = this.opened.readChunk(index).then((chunk) => {
      this.options.onChunkDecrypted?.(index);
      return chunk;
    });
    // A failed chunk is not kept: the error goes to this reader, and a later read tries again.
    pending.catch(() => this.cache.get(index) === pending && this.cache.delete(index));
    this.cache.set(index, pending);
    while (this.cache.size > this.capacity) {
      const oldest = this.cache.keys().next().value as number;
      const evicted = this.cache.get(oldest)!;
      this.cache.delete(oldest);
      // Zero it once no reader can still be copying from it (reads copy before returning).
      void evicted.then(
        (c) => setTimeout(() => c.fill(0)),
        () => undefined,
      );
    }
    return pending;
  }
}
