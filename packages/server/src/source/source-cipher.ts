/**
 * Streaming encryption and random-access decryption of encrypted sources (format in
 * `source-format.ts`). Memory per stream: one chunk (64 KiB by default) plus what the caller's
 * stream holds; nothing is ever held whole.
 */
import { randomBytes } from 'node:crypto';
import type { ObjectStore } from '../storage/object-store.js';
import {
  encodeSourceHeader,
  openChunk,
  parseSourceHeader,
  sealChunk,
  SOURCE_DEFAULT_CHUNK_SIZE,
  SOURCE_NONCE_PREFIX_LENGTH,
  SOURCE_TAG_LENGTH,
  SourceFormatError,
  sourceLayout,
  type SourceHeader,
  type SourceLayout,
} from './source-format.js';

/**
 * The stored form of `plaintext`: header, then the chunks. A chunk is emitted once the next
 * byte is known to exist (so the last one can carry the final flag); a fresh random nonce prefix
 * per call keeps (key, iv) pairs unique across objects of the same video.
 */
export async function* encryptSource(
  key: Buffer,
  binding: string,
  plaintext: AsyncIterable<Uint8Array>,
  /** Tests only: a fixed nonce prefix reproduces docs/formats.md's test vector. */
  options: { chunkSize?: number; noncePrefix?: Buffer } = {},
): AsyncGenerator<Buffer> {
  const chunkSize = options.chunkSize ?? SOURCE_DEFAULT_CHUNK_SIZE;
  const noncePrefix = options.noncePrefix ?? randomBytes(SOURCE_NONCE_PREFIX_LENGTH);
  const header = encodeSourceHeader({ chunkSize, noncePrefix, binding });
  yield header.bytes;
  let buffer = Buffer.allocUnsafe(chunkSize);
  let filled = 0;
  let index = 0;
  for await (const piece of plaintext) {
    let offset = 0;
    while (offset < piece.length) {
      if (filled === chunkSize) {
        // More bytes follow, so the buffered chunk is not the last.
        yield sealChunk(key, header, index++, false, buffer);
        buffer = Buffer.allocUnsafe(chunkSize);
        filled = 0;
      }
      const take = Math.min(chunkSize - filled, piece.length - offset);
      buffer.set(piece.subarray(offset, offset + take), filled);
      filled += take;
      offset += take;
    }
  }
  yield sealChunk(key, header, index, true, buffer.subarray(0, filled));
}

/**
 * The plaintext of a whole stored object, read front to back (multipart completion). Checks the
 * binding, every tag, and that the stream ends exactly after a final chunk.
 */
export async function* decryptSource(
  key: Buffer,
  binding: string,
  stored: AsyncIterable<Uint8Array>,
  storedSize: number,
): AsyncGenerator<Buffer> {
  let header: SourceHeader | undefined;
  let layout: SourceLayout | undefined;
  let pending: Buffer = Buffer.alloc(0);
  let index = 0;
  for await (const piece of stored) {
    pending = pending.length === 0 ? Buffer.from(piece) : Buffer.concat([pending, piece]);
    if (!header) {
      if (pending.length < 21 || pending.length < pending.readUInt16BE(6)) continue;
      header = checkedHeader(pending, binding);
      layout = sourceLayout(header, storedSize);
      pending = pending.subarray(header.bytes.length);
    }
    const record = layout!.chunkSize + SOURCE_TAG_LENGTH;
    while (pending.length >= record && index < layout!.chunkCount - 1) {
      yield openChunk(key, header, index++, false, pending.subarray(0, record));
      pending = pending.subarray(record);
    }
  }
  if (!header || !layout || index !== layout.chunkCount - 1) {
    throw new SourceFormatError('Malformed', 'The encrypted source ended early.');
  }
  yield openChunk(key, header, index, true, pending);
}

/** A stored encrypted source opened for reading: its plaintext size and any byte range of it. */
export interface OpenedSource {
  readonly size: number;
  /** Plaintext bytes `start..end` (inclusive; the caller has checked them against `size`). */
  read(start: number, end: number): AsyncGenerator<Buffer>;
}

/**
 * Opens an encrypted source object for random access: reads the header once; each `read` fetches
 * only the chunk records that overlap the range (one ranged GET) and decrypts them.
 */
export async function openEncryptedSource(
  store: ObjectStore,
  objectKey: string,
  key: Buffer,
  binding: string,
  head: { storedSize: number; firstBytes: Buffer },
): Promise<OpenedSource> {
  const header = checkedHeader(head.firstBytes, binding);
  const layout = sourceLayout(header, head.storedSize);
  const record = layout.chunkSize + SOURCE_TAG_LENGTH;
  return {
    size: layout.plaintextLength,
    async *read(start, end) {
      if (end < start) return;
      const first = Math.floor(start / layout.chunkSize);
      const last = Math.floor(end / layout.chunkSize);
      const from = layout.headerLength + first * record;
      const to = Math.min(head.storedSize, layout.headerLength + (last + 1) * record) - 1;
      const { body } = await store.get(objectKey, { range: { start: from, end: to } });
      let pending: Buffer = Buffer.alloc(0);
      let index = first;
      const emit = (plain: Buffer, i: number) => {
        const base = i * layout.chunkSize;
        return plain.subarray(Math.max(0, start - base), Math.min(plain.length, end - base + 1));
      };
      try {
        for await (const piece of body) {
          pending = pending.length === 0 ? (piece as Buffer) : Buffer.concat([pending, piece as Buffer]);
          while (pending.length >= record && index <= last) {
            const final = index === layout.chunkCount - 1;
            yield emit(openChunk(key, header, index, final, pending.subarray(0, record)), index);
            index++;
            pending = pending.subarray(record);
          }
        }
        if (index === last && index === layout.chunkCount - 1) {
          yield emit(openChunk(key, header, index, true, pending), index);
          index++;
        }
        if (index !== last + 1) throw new SourceFormatError('Malformed', 'The encrypted source ended early.');
      } finally {
        body.destroy();
      }
    },
  };
}

function checkedHeader(bytes: Buffer, binding: string): SourceHeader {
  const header = parseSourceHeader(bytes);
  if (header.binding !== binding) {
    throw new SourceFormatError(
      'WrongBinding',
      `The encrypted source is bound to another object (${header.binding}).`,
    );
  }
  return header;
}
