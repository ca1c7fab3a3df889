/**
 * Encrypted source format v1 (docs/formats.md, "Encrypted source (mezzanine at rest)"): how an
 * uploaded source, and each multipart part of one, is kept in object storage. A chunked
 * AES-256-GCM stream like the offline package, but written before its length is known (uploads
 * stream, often without Content-Length), so the length follows from the object size instead of a
 * header field, and the last chunk carries a "final" flag in its AAD.
 *
 * Layout (big-endian):
 *
 *   off    len  field
 *   0      4    magic "SVSC"
 *   4      2    format version = 1 (u16)
 *   6      2    header length H (u16) = 21 + B
 *   8      4    chunk size C (u32), 16..16777216
 *   12     8    nonce prefix (random per object)
 *   20     1    binding length B (u8), 1..255
 *   21     B    binding (ASCII): "source:<VideoId>", or "part:<VideoId>:<UploadId>:<PartNumber>"
 *   H      ..   chunks 0..n-1: AES-256-GCM ciphertext of the chunk's plaintext, then its 16-byte tag
 *
 *   key      = HKDF-SHA256(ikm = the video's data key, salt = none, info = "securevod source v1", 32)
 *   chunk i  = iv = nonce prefix || u32(i), aad = bytes 0..H-1 || u32(i) || u8(final)
 *   n        = max(1, ceil(L / C)): every chunk but the last holds C bytes, the last 1..C (0 only
 *              when L = 0), so the stored size is S = H + L + 16n and L follows from S.
 *
 * Pure functions only: the streaming writer and the random-access reader are in
 * `source-cipher.ts`; where the keys come from is `source-vault.ts`.
 */
import { createCipheriv, createDecipheriv, hkdfSync } from 'node:crypto';

export const SOURCE_MAGIC = 'SVSC';
export const SOURCE_FORMAT_VERSION = 1;
export const SOURCE_DEFAULT_CHUNK_SIZE = 64 * 1024;
export const SOURCE_MIN_CHUNK_SIZE = 16;
export const SOURCE_MAX_CHUNK_SIZE = 1 << 24;
export const SOURCE_TAG_LENGTH = 16;
export const SOURCE_NONCE_PREFIX_LENGTH = 8;
export const SOURCE_FIXED_HEADER_LENGTH = 21;
/** Reading this many bytes (or the whole object, if shorter) yields the whole header. */
export const SOURCE_MAX_HEADER_LENGTH = SOURCE_FIXED_HEADER_LENGTH + 255;
const KEY_INFO = 'securevod source v1';
const MAX_CHUNKS = 2 ** 32;

/**
 * - `Tampered`: a chunk fails authentication (altered, reordered, from another object, wrong key).
 * - `Malformed`: not a v1 encrypted source, or a size no v1 writer produces (e.g. truncated).
 * - `WrongBinding`: a valid object, but for another video, upload or part.
 */
export type SourceFormatErrorCode = 'Tampered' | 'Malformed' | 'WrongBinding';

export class SourceFormatError extends Error {
  override readonly name = 'SourceFormatError';
  constructor(
    readonly code: SourceFormatErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export interface SourceHeader {
  readonly chunkSize: number;
  readonly noncePrefix: Buffer;
  readonly binding: string;
  /** The encoded header, bytes 0..H-1 (part of every chunk's AAD). */
  readonly bytes: Buffer;
}

export const sourceBinding = (videoId: string) => `source:${videoId}`;
export const partBinding = (videoId: string, uploadId: string, partNumber: number) =>
  `part:${videoId}:${uploadId}:${partNumber}`;

/** The chunk key of a video's sources, from its 32-byte data key. */
export function deriveSourceKey(dataKey: Uint8Array): Buffer {
  return Buffer.from(hkdfSync('sha256', dataKey, Buffer.alloc(0), KEY_INFO, 32));
}

export function encodeSourceHeader(h: Omit<SourceHeader, 'bytes'>): SourceHeader {
  const binding = Buffer.from(h.binding, 'ascii');
  if (binding.length < 1 || binding.length > 255 || !/^[\x21-\x7e]+$/.test(h.binding)) {
    throw new SourceFormatError('Malformed', 'The binding must be 1 to 255 printable ASCII characters.');
  }
  if (h.noncePrefix.length !== SOURCE_NONCE_PREFIX_LENGTH) {
    throw new SourceFormatError('Malformed', 'The nonce prefix must be 8 bytes.');
  }
  assertChunkSize(h.chunkSize);
  const bytes = Buffer.alloc(SOURCE_FIXED_HEADER_LENGTH + binding.length);
  bytes.write(SOURCE_MAGIC, 0, 'ascii');
  bytes.writeUInt16BE(SOURCE_FORMAT_VERSION, 4);
  bytes.writeUInt16BE(bytes.length, 6);
  bytes.writeUInt32BE(h.chunkSize, 8);
  h.noncePrefix.copy(bytes, 12);
  bytes.writeUInt8(binding.length, 20);
  binding.copy(bytes, 21);
  return { ...h, noncePrefix: Buffer.from(h.noncePrefix), bytes };
}

/** True if `head` (the object's first bytes) starts with the magic: an encrypted source. */
export function isEncryptedSource(head: Uint8Array): boolean {
  return head.length >= 4 && Buffer.from(head.buffer, head.byteOffset, 4).toString('latin1') === SOURCE_MAGIC;
}

/** Parses the header from the object's first bytes (at least H of them, or the whole object). */
export function parseSourceHeader(head: Uint8Array): SourceHeader {
  const b = Buffer.from(head.buffer, head.byteOffset, head.byteLength);
  if (!isEncryptedSource(b)) throw new SourceFormatError('Malformed', 'Not an encrypted source.');
  if (b.length < SOURCE_FIXED_HEADER_LENGTH) throw new SourceFormatError('Malformed', 'Header is cut short.');
  const version = b.readUInt16BE(4);
  if (version !== SOURCE_FORMAT_VERSION) {
    throw new SourceFormatError('Malformed', `Encrypted source version ${version} is not supported.`);
  }
  const length = b.readUInt16BE(6);
  const bindingLength = b.readUInt8(20);
  if (bindingLength < 1 || length !== SOURCE_FIXED_HEADER_LENGTH + bindingLength || b.length < length) {
    throw new SourceFormatError('Malformed', 'Header length is inconsistent.');
  }
  const chunkSize = b.readUInt32BE(8);
  assertChunkSize(chunkSize);
  return {
    chunkSize,
    noncePrefix: Buffer.from(b.subarray(12, 20)),
    binding: b.subarray(21, length).toString('ascii'),
    bytes: Buffer.from(b.subarray(0, length)),
  };
}

export interface SourceLayout {
  readonly headerLength: number;
  readonly chunkSize: number;
  readonly chunkCount: number;
  readonly plaintextLength: number;
}

/** The layout of a stored object of `storedSize` bytes with this header; `Malformed` if impossible. */
export function sourceLayout(
  header: Pick<SourceHeader, 'bytes' | 'chunkSize'>,
  storedSize: number,
): SourceLayout {
  const headerLength = header.bytes.length;
  const record = header.chunkSize + SOURCE_TAG_LENGTH;
  const body = storedSize - headerLength;
  const chunkCount = Math.ceil(body / record);
  const last = body - (chunkCount - 1) * record;
  // A last record of only a tag is valid only as the single chunk of an empty source.
  if (body < SOURCE_TAG_LENGTH || (last <= SOURCE_TAG_LENGTH && chunkCount > 1) || chunkCount > MAX_CHUNKS) {
    throw new SourceFormatError('Malformed', `A ${storedSize}-byte object is not a whole encrypted source.`);
  }
  return {
    headerLength,
    chunkSize: header.chunkSize,
    chunkCount,
    plaintextLength: body - chunkCount * SOURCE_TAG_LENGTH,
  };
}

/** The stored size of a plaintext of `length` bytes under a header of `headerLength` bytes. */
export function sourceStoredSize(headerLength: number, chunkSize: number, length: number): number {
  return headerLength + length + SOURCE_TAG_LENGTH * Math.max(1, Math.ceil(length / chunkSize));
}

/** The plaintext length of a stored object, from its size alone (the writer's header length and chunk size). */
export function sourcePlaintextLength(headerLength: number, chunkSize: number, storedSize: number): number {
  const body = storedSize - headerLength;
  return body - SOURCE_TAG_LENGTH * Math.max(1, Math.ceil(body / (chunkSize + SOURCE_TAG_LENGTH)));
}

function chunkIv(header: SourceHeader, index: number): Buffer {
  const iv = Buffer.alloc(12);
  header.noncePrefix.copy(iv, 0);
  iv.writeUInt32BE(index, 8);
  return iv;
}

function chunkAad(header: SourceHeader, index: number, final: boolean): Buffer {
  const aad = Buffer.alloc(header.bytes.length + 5);
  header.bytes.copy(aad, 0);
  aad.writeUInt32BE(index, header.bytes.length);
  aad.writeUInt8(final ? 1 : 0, header.bytes.length + 4);
  return aad;
}

/** One stored chunk record (ciphertext || tag). */
export function sealChunk(
  key: Buffer,
  header: SourceHeader,
  index: number,
  final: boolean,
  plain: Uint8Array,
): Buffer {
  const cipher = createCipheriv('aes-256-gcm', key, chunkIv(header, index), {
    authTagLength: SOURCE_TAG_LENGTH,
  });
  cipher.setAAD(chunkAad(header, index, final));
  const out = Buffer.allocUnsafe(plain.length + SOURCE_TAG_LENGTH);
  let n = cipher.update(plain).copy(out, 0);
  n += cipher.final().copy(out, n);
  cipher.getAuthTag().copy(out, n);
  return out;
}

/** The plaintext of one stored chunk record; `Tampered` if it does not authenticate. */
export function openChunk(
  key: Buffer,
  header: SourceHeader,
  index: number,
  final: boolean,
  record: Uint8Array,
): Buffer {
  if (record.length < SOURCE_TAG_LENGTH)
    throw new SourceFormatError('Malformed', `Chunk ${index} is cut short.`);
  const split = record.length - SOURCE_TAG_LENGTH;
  const decipher = createDecipheriv('aes-256-gcm', key, chunkIv(header, index), {
    authTagLength: SOURCE_TAG_LENGTH,
  });
  decipher.setAAD(chunkAad(header, index, final));
  decipher.setAuthTag(record.subarray(split));
  try {
    const first = decipher.update(record.subarray(0, split));
    const rest = decipher.final();
    return rest.length === 0 ? first : Buffer.concat([first, rest]);
  } catch (cause) {
    throw new SourceFormatError('Tampered', `Chunk ${index} of the encrypted source does not authenticate.`, {
      cause,
    });
  }
}

function assertChunkSize(size: number): void {
  if (!Number.isInteger(size) || size < SOURCE_MIN_CHUNK_SIZE || size > SOURCE_MAX_CHUNK_SIZE) {
    throw new SourceFormatError('Malformed', `Chunk size ${size} is outside 16..16777216.`);
  }
}
