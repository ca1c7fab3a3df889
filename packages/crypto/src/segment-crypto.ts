/**
 * Segment encryption for HLS renditions (docs/formats.md, "Standard HLS encryption" and "Private
 * segment format"). Isomorphic: WebCrypto only, so the server packager and the browser SDK share
 * it. Keys come from `deriveSegmentKey` (one per rendition and key period).
 *
 * Standard (`METHOD=AES-128`, RFC 8216 §5.2): the whole segment is AES-128-CBC with PKCS#7
 * padding. Each segment gets its own IV, written in the playlist as `IV=0x…`:
 *
 *   IV(i) = AES-128-ECB(key, u128(i))     i = the segment's media sequence number
 *
 * (NIST SP 800-38A, appendix C: encrypting a nonce under the same key). AES is a permutation, so
 * IVs never repeat under one key, and without the key they are unpredictable; the output is
 * deterministic, so re-packaging the same content under the same key gives the same bytes.
 *
 * Private (`SVS1`): AES-256-GCM with a random 96-bit nonce per segment, and AAD binding the
 * segment to its video, rendition and position, so a segment moved to another place fails to
 * decrypt. Decryption accepts a non-extractable CryptoKey: the web SDK unwraps period keys into
 * exactly that and never sees key bytes.
 *
 * Errors: `SegmentCryptoError` — `Malformed` (not an SVS1 segment; specific message) or
 * `DecryptFailed` (one fixed message whatever was wrong). Arguments outside the contract throw
 * `TypeError`/`RangeError`. No message ever contains key bytes.
 */
import { concatBytes, readU16BE, randomBytes, utf8Encode, writeU32BE } from './bytes.js';
import { lengthPrefixed } from './key-derivation.js';

export type SegmentCryptoErrorCode = 'Malformed' | 'DecryptFailed';

export class SegmentCryptoError extends Error {
  override readonly name = 'SegmentCryptoError';
  constructor(
    readonly code: SegmentCryptoErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export const DECRYPT_FAILED_MESSAGE =
  'The segment could not be decrypted: wrong key, a segment of another video, rendition or position, or altered bytes.';

// ---------------------------------------------------------------------------------------------
// Standard HLS: AES-128-CBC

const AES_BLOCK = 16;

/** Imports a 16-byte period key as a non-extractable AES-CBC key (encrypt, decrypt). */
export function importAes128SegmentKey(key16: Uint8Array): Promise<CryptoKey> {
  return aesKey(key16, 'AES-CBC', 16, 'encrypt');
}

/** The IV of segment `segmentIndex` under `key16` (see the file comment). */
export async function aes128SegmentIv(
  key16: Uint8Array | CryptoKey,
  segmentIndex: number,
): Promise<Uint8Array<ArrayBuffer>> {
  assertIndex(segmentIndex);
  const block = new Uint8Array(AES_BLOCK);
  // u128 big-endian: the index fits in the low 32 bits (checked above).
  writeU32BE(block, 12, segmentIndex);
  // WebCrypto has no ECB. One block of CBC under a zero IV is ECB; the second output block is the
  // PKCS#7 padding block and is dropped.
  const key = await aesKey(key16, 'AES-CBC', 16, 'encrypt');
  const out = await globalThis.crypto.subtle.encrypt(
    { name: 'AES-CBC', iv: new Uint8Array(AES_BLOCK) },
    key,
    block,
  );
  return new Uint8Array(out, 0, AES_BLOCK).slice();
}

/** `IV=0x…` attribute value for the playlist: `0x` and 32 lowercase hex digits. */
export function formatHlsIv(iv: Uint8Array): string {
  if (iv.length !== AES_BLOCK) throw new RangeError(`An HLS IV is 16 bytes; got ${iv.length}.`);
  let hex = '0x';
  for (const b of iv) hex += b.toString(16).padStart(2, '0');
  return hex;
}

/** AES-128-CBC, PKCS#7 padding: what `METHOD=AES-128` means. Output is 16..16+len bytes longer. */
export async function encryptAes128Segment(
  key16: Uint8Array | CryptoKey,
  iv16: Uint8Array,
  plaintext: Uint8Array,
): Promise<Uint8Array<ArrayBuffer>> {
  const key = await aesKey(key16, 'AES-CBC', 16, 'encrypt');
  const out = await globalThis.crypto.subtle.encrypt(
    { name: 'AES-CBC', iv: checkedIv(iv16) },
    key,
    copy(plaintext),
  );
  return new Uint8Array(out);
}

/**
 * Inverse of `encryptAes128Segment`. CBC is not authenticated: a wrong key or altered bytes are
 * only detected when the padding comes out wrong (most of the time, not always), and then this
 * throws `DecryptFailed`. Use the private format where integrity matters.
 */
export async function decryptAes128Segment(
  key16: Uint8Array | CryptoKey,
  iv16: Uint8Array,
  ciphertext: Uint8Array,
): Promise<Uint8Array<ArrayBuffer>> {
  if (ciphertext.length === 0 || ciphertext.length % AES_BLOCK !== 0) {
    throw new SegmentCryptoError(
      'Malformed',
      `An AES-128 segment is a non-zero multiple of 16 bytes long; this one has ${ciphertext.length}.`,
    );
  }
  const key = await aesKey(key16, 'AES-CBC', 16, 'decrypt');
  try {
    const out = await globalThis.crypto.subtle.decrypt(
      { name: 'AES-CBC', iv: checkedIv(iv16) },
      key,
      copy(ciphertext),
    );
    return new Uint8Array(out);
  } catch (cause) {
    throw new SegmentCryptoError('DecryptFailed', DECRYPT_FAILED_MESSAGE, { cause });
  }
}

// ---------------------------------------------------------------------------------------------
// Private: SVS1, AES-256-GCM

export const PRIVATE_SEGMENT_MAGIC = 'SVS1';
export const PRIVATE_SEGMENT_VERSION = 1;
/** magic(4) version(1) reserved(3) nonce(12) */
export const PRIVATE_SEGMENT_HEADER_LENGTH = 20;
export const PRIVATE_SEGMENT_TAG_LENGTH = 16;
/** File extension of private segments in storage and playlists. */
export const PRIVATE_SEGMENT_EXTENSION = '.svs';
/**
 * How private renditions are marked in media playlists (docs/formats.md, "Private segment
 * format"). The METHOD is one no HLS player knows: hls.js ignores the tag and then fails to parse
 * the SVS1 bytes, ffmpeg refuses the `.svs` segments. The SDK reads these tags itself.
 */
export const PRIVATE_HLS_KEY_METHOD = 'SECUREVOD-AES-256-GCM';
export const PRIVATE_HLS_KEY_FORMAT = 'com.securevod.svs1';
/** `#EXT-X-SECUREVOD-PRIVATE:VERSION=1,VIDEO-ID="…",RENDITION="…"`: the AAD context of the segments. */
export const PRIVATE_HLS_CONTEXT_TAG = '#EXT-X-SECUREVOD-PRIVATE';
const NONCE_OFFSET = 8;
const NONCE_LENGTH = 12;
const MAGIC_BYTES = utf8Encode(PRIVATE_SEGMENT_MAGIC);
/** Segment indexes are written as u32. */
export const MAX_SEGMENT_INDEX = 0xffffffff;

/** Where a private segment belongs; all three are bound into the AAD. */
export interface PrivateSegmentContext {
  readonly videoId: string;
  readonly rendition: string;
  /** 0-based position in the rendition = its media sequence number (playlists start at 0). */
  readonly segmentIndex: number;
}

/**
 * Imports a 32-byte period key for `encryptPrivateSegment`/`decryptPrivateSegment`, so that a
 * caller encrypting many segments under one key imports it once. Non-extractable.
 */
export function importPrivateSegmentKey(key32: Uint8Array): Promise<CryptoKey> {
  return aesKey(key32, 'AES-GCM', 32, 'encrypt');
}

/**
 * First nonce byte of the variants of a traced rendition (docs/formats.md): A and B of one
 * segment are different plaintexts under the same period key, so their nonces are made to differ
 * by construction, not only by chance.
 */
export const TRACED_NONCE_PREFIX = { a: 0x0a, b: 0x0b } as const;

/**
 * Encrypts one segment into the SVS1 format. `variant` (traced renditions) fixes the first nonce
 * byte (`TRACED_NONCE_PREFIX`); the other 11 stay random. `options.nonce` exists for test vectors only.
 */
export async function encryptPrivateSegment(
  key32: Uint8Array | CryptoKey,
  plaintext: Uint8Array,
  context: PrivateSegmentContext,
  options?: { variant?: 'a' | 'b'; nonce?: Uint8Array },
): Promise<Uint8Array<ArrayBuffer>> {
  const nonce = Uint8Array.from(options?.nonce ?? randomBytes(NONCE_LENGTH));
  if (options?.variant) nonce[0] = TRACED_NONCE_PREFIX[options.variant];
  if (nonce.length !== NONCE_LENGTH) throw new RangeError(`The nonce must be ${NONCE_LENGTH} bytes.`);
  const header = new Uint8Array(PRIVATE_SEGMENT_HEADER_LENGTH);
  header.set(MAGIC_BYTES, 0);
  header[4] = PRIVATE_SEGMENT_VERSION;
  header.set(nonce, NONCE_OFFSET);
  const aad = privateSegmentAad(header, context);
  const key = await aesKey(key32, 'AES-GCM', 32, 'encrypt');
  const sealed = await globalThis.crypto.subtle.encrypt(
    { name: 'AES-GCM', iv: header.slice(NONCE_OFFSET), additionalData: aad, tagLength: 128 },
    key,
    copy(plaintext),
  );
  return concatBytes(header, new Uint8Array(sealed));
}

/**
 * Opens an SVS1 segment. `Malformed` for bytes that are not an SVS1 segment at all; one
 * `DecryptFailed` for a wrong key, another video/rendition/index, or any altered byte.
 */
export async function decryptPrivateSegment(
  key32: Uint8Array | CryptoKey,
  bytes: Uint8Array,
  context: PrivateSegmentContext,
): Promise<Uint8Array<ArrayBuffer>> {
  const header = readPrivateSegmentHeader(bytes);
  const aad = privateSegmentAad(header, context);
  const key = await aesKey(key32, 'AES-GCM', 32, 'decrypt');
  try {
    const out = await globalThis.crypto.subtle.decrypt(
      { name: 'AES-GCM', iv: header.slice(NONCE_OFFSET), additionalData: aad, tagLength: 128 },
      key,
      copy(bytes.subarray(PRIVATE_SEGMENT_HEADER_LENGTH)),
    );
    return new Uint8Array(out);
  } catch (cause) {
    throw new SegmentCryptoError('DecryptFailed', DECRYPT_FAILED_MESSAGE, { cause });
  }
}

/**
 * The AES-256-GCM nonce and AAD of an SVS1 segment of `size` bytes from its first 20 bytes, for a
 * reader that decrypts segments as a stream (server downloads); `Malformed` as `decryptPrivateSegment`.
 * Ciphertext is bytes 20 to size − 17, the tag the last 16.
 */
export function privateSegmentGcmParams(
  headerBytes: Uint8Array,
  size: number,
  context: PrivateSegmentContext,
): { iv: Uint8Array; additionalData: Uint8Array } {
  if (size < PRIVATE_SEGMENT_HEADER_LENGTH + PRIVATE_SEGMENT_TAG_LENGTH) {
    throw new SegmentCryptoError(
      'Malformed',
      `A private segment is at least ${PRIVATE_SEGMENT_HEADER_LENGTH + PRIVATE_SEGMENT_TAG_LENGTH} bytes long; this one has ${size}.`,
    );
  }
  const header = readPrivateSegmentHeader(
    concatBytes(
      headerBytes.subarray(0, PRIVATE_SEGMENT_HEADER_LENGTH),
      new Uint8Array(PRIVATE_SEGMENT_TAG_LENGTH),
    ),
  ).subarray(0, PRIVATE_SEGMENT_HEADER_LENGTH);
  return { iv: header.slice(NONCE_OFFSET), additionalData: privateSegmentAad(header, context) };
}

/** True when `bytes` start like an SVS1 segment (magic only; says nothing about validity). */
export function isPrivateSegment(bytes: Uint8Array): boolean {
  return bytes.length >= MAGIC_BYTES.length && MAGIC_BYTES.every((b, i) => bytes[i] === b);
}

/** Checks the structure and returns a copy of the 20 header bytes. */
function readPrivateSegmentHeader(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  if (!isPrivateSegment(bytes)) {
    throw new SegmentCryptoError('Malformed', 'Not a private segment: it does not start with "SVS1".');
  }
  if (bytes.length < PRIVATE_SEGMENT_HEADER_LENGTH + PRIVATE_SEGMENT_TAG_LENGTH) {
    throw new SegmentCryptoError(
      'Malformed',
      `A private segment is at least ${PRIVATE_SEGMENT_HEADER_LENGTH + PRIVATE_SEGMENT_TAG_LENGTH} bytes long; this one has ${bytes.length}.`,
    );
  }
  if (bytes[4] !== PRIVATE_SEGMENT_VERSION) {
    throw new SegmentCryptoError(
      'Malformed',
      `Unsupported private segment version ${bytes[4]}; this SDK reads 1.`,
    );
  }
  if (bytes[5] !== 0 || readU16BE(bytes, 6) !== 0) {
    throw new SegmentCryptoError('Malformed', 'The reserved bytes 5..7 of a private segment must be zero.');
  }
  return bytes.slice(0, PRIVATE_SEGMENT_HEADER_LENGTH);
}

/** AAD = header (bytes 0..19) || lp(videoId) || lp(rendition) || u32(segmentIndex). */
function privateSegmentAad(header: Uint8Array, context: PrivateSegmentContext): Uint8Array<ArrayBuffer> {
  assertIndex(context.segmentIndex);
  const index = new Uint8Array(4);
  writeU32BE(index, 0, context.segmentIndex);
  return concatBytes(
    header,
    lengthPrefixed(context.videoId, 'videoId'),
    lengthPrefixed(context.rendition, 'rendition'),
    index,
  );
}

// ---------------------------------------------------------------------------------------------

async function aesKey(
  key: Uint8Array | CryptoKey,
  name: 'AES-CBC' | 'AES-GCM',
  length: 16 | 32,
  usage: 'encrypt' | 'decrypt',
): Promise<CryptoKey> {
  if (key instanceof Uint8Array) {
    if (key.length !== length)
      throw new RangeError(`An ${name} segment key must be ${length} bytes; got ${key.length}.`);
    const raw = new Uint8Array(key);
    try {
      return await globalThis.crypto.subtle.importKey('raw', raw, name, false, ['encrypt', 'decrypt']);
    } finally {
      raw.fill(0);
    }
  }
  const algorithm = key.algorithm as Partial<AesKeyAlgorithm>;
  if (algorithm.name !== name || algorithm.length !== length * 8 || !key.usages.includes(usage)) {
    throw new TypeError(
      `The segment key must be a ${length * 8}-bit ${name} CryptoKey with usage "${usage}".`,
    );
  }
  return key;
}

function checkedIv(iv: Uint8Array): Uint8Array<ArrayBuffer> {
  if (iv.length !== AES_BLOCK)
    throw new RangeError(`An AES-128 segment IV must be 16 bytes; got ${iv.length}.`);
  return copy(iv);
}

function assertIndex(segmentIndex: number): void {
  if (!Number.isInteger(segmentIndex) || segmentIndex < 0 || segmentIndex > MAX_SEGMENT_INDEX) {
    throw new RangeError(
      `segmentIndex must be an integer from 0 to ${MAX_SEGMENT_INDEX}; got ${segmentIndex}.`,
    );
  }
}

/**
 * WebCrypto's BufferSource excludes SharedArrayBuffer views; copy only those (segments are
 * megabytes, so an unconditional copy would double the memory of every call).
 */
function copy(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  return bytes.buffer instanceof ArrayBuffer ? (bytes as Uint8Array<ArrayBuffer>) : new Uint8Array(bytes);
}
