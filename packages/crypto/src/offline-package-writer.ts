/**
 * Server side of the offline package (docs/formats.md, "Offline package (secure download)"; layout
 * in `offline-package-format.ts`). The download handler builds one writer per download and streams
 * `header`, then every chunk in order — or lets `encryptPackageStream` do that from any byte source
 * (the object store's read stream of the rendition's fMP4), so memory stays flat whatever the size.
 *
 * Each package gets a fresh random 256-bit package key and nonce prefix. The raw package key exists
 * only while the writer is created: it is imported as a non-extractable AES-GCM key, wrapped under
 * the app's download secret, and zeroed. Under that key chunk i uses iv = prefix || u32(i); one key
 * never encrypts two packages, so no (key, iv) pair repeats.
 */
import { concatBytes, randomBytes } from './bytes.js';
import {
  assertU32,
  canonicalAppIdentification,
  chunkCountFor,
  chunkParams,
  chunkPlaintextLength,
  encodeSignedHeader,
  headerDigest,
  PACKAGE_DEFAULT_CHUNK_SIZE,
  PACKAGE_KEY_LENGTH,
  PACKAGE_MAX_CHUNK_COUNT,
  PACKAGE_MAX_CHUNK_SIZE,
  PACKAGE_MIN_CHUNK_SIZE,
  PACKAGE_NONCE_PREFIX_LENGTH,
  PACKAGE_TAG_LENGTH,
  PACKAGE_WRAP_IV_LENGTH,
  PackageError,
} from './offline-package-format.js';

export interface PackageWriterOptions {
  /** The app's raw 32-byte download secret (server side only; unwrapped from the KMS for this call). */
  readonly secret: Uint8Array;
  /** u32: the version of that secret, as in the app's key file. */
  readonly secretVersion: number;
  readonly videoId: string;
  /** The rendition's definition, e.g. `HD`. */
  readonly definition: string;
  /** The app the package is for: canonical (`web:https://…`) or any accepted form. */
  readonly appIdentification: string;
  /** Exact byte length of the fMP4 (init segment + media segments) that will be encrypted. */
  readonly plaintextLength: number;
  /** Default 1 MiB; 16 to 16777216. */
  readonly chunkSize?: number;
  /**
   * Rentals (our extension): when the licence ends, Unix seconds. Set, the package is format v2
   * with the expiry in the wrap AAD; absent, format v1 with no expiry (docs/formats.md).
   */
  readonly licenseExpiresAt?: number | undefined;
  /** TESTS ONLY: fixed package key (32 B), nonce prefix (8 B) and wrap IV (12 B) for a test vector. */
  readonly _fixed?: {
    readonly packageKey: Uint8Array;
    readonly noncePrefix: Uint8Array;
    readonly wrapIv: Uint8Array;
  };
}

export interface PackageWriter {
  /** Bytes 0..H-1 of the package: send first. */
  readonly header: Uint8Array;
  readonly chunkSize: number;
  readonly chunkCount: number;
  readonly plaintextLength: number;
  /** Total bytes of the package (the HTTP Content-Length). */
  readonly packageLength: number;
  /** Plaintext bytes chunk `index` must hold: chunkSize, except the last chunk. */
  chunkPlaintextLength(index: number): number;
  /**
   * Ciphertext + tag of chunk `index`. `final` must be true exactly for the last chunk, and
   * `plaintext` must have `chunkPlaintextLength(index)` bytes; anything else is a caller bug
   * (RangeError), because a package written that way could never be read.
   */
  encryptChunk(index: number, plaintext: Uint8Array, final: boolean): Promise<Uint8Array>;
  /**
   * The package key (AES-256-GCM, non-extractable) and chunk `index`'s IV and AAD, for a writer
   * that encrypts chunks as a stream instead of whole (`@securevod/crypto/node`).
   */
  readonly chunkKey: CryptoKey;
  chunkCipherParams(index: number): { iv: Uint8Array; additionalData: Uint8Array };
}

/**
 * Starts a package. Throws `RangeError`/`TypeError` for arguments outside the contract and
 * `AppIdentificationError` for an identification in no accepted form.
 */
export async function createPackageWriter(opts: PackageWriterOptions): Promise<PackageWriter> {
  const subtle = globalThis.crypto.subtle;
  if (!(opts.secret instanceof Uint8Array) || opts.secret.length !== PACKAGE_KEY_LENGTH) {
    throw new RangeError(`The download secret must be ${PACKAGE_KEY_LENGTH} bytes.`);
  }
  assertU32(opts.secretVersion, 'The secret version');
  const chunkSize = opts.chunkSize ?? PACKAGE_DEFAULT_CHUNK_SIZE;
  if (
    !Number.isInteger(chunkSize) ||
    chunkSize < PACKAGE_MIN_CHUNK_SIZE ||
    chunkSize > PACKAGE_MAX_CHUNK_SIZE
  ) {
    throw new RangeError(
      `The chunk size must be an integer from ${PACKAGE_MIN_CHUNK_SIZE} to ${PACKAGE_MAX_CHUNK_SIZE}; got ${chunkSize}.`,
    );
  }
  const plaintextLength = opts.plaintextLength;
  if (!Number.isSafeInteger(plaintextLength) || plaintextLength < 0) {
    throw new RangeError(`The plaintext length must be a non-negative safe integer; got ${plaintextLength}.`);
  }
  const chunkCount = chunkCountFor(plaintextLength, chunkSize);
  if (chunkCount > PACKAGE_MAX_CHUNK_COUNT) {
    throw new RangeError(
      `A package holds at most ${PACKAGE_MAX_CHUNK_COUNT} chunks; use a larger chunk size.`,
    );
  }
  const fixed = opts._fixed;
  const noncePrefix = fixed ? Uint8Array.from(fixed.noncePrefix) : randomBytes(PACKAGE_NONCE_PREFIX_LENGTH);
  const wrapIv = fixed ? Uint8Array.from(fixed.wrapIv) : randomBytes(PACKAGE_WRAP_IV_LENGTH);
  const rawKey = fixed ? Uint8Array.from(fixed.packageKey) : randomBytes(PACKAGE_KEY_LENGTH);
  if (
    noncePrefix.length !== PACKAGE_NONCE_PREFIX_LENGTH ||
    wrapIv.length !== PACKAGE_WRAP_IV_LENGTH ||
    rawKey.length !== PACKAGE_KEY_LENGTH
  ) {
    rawKey.fill(0);
    throw new RangeError('The fixed package key must be 32 bytes, the nonce prefix 8 and the wrap IV 12.');
  }
  const signed = encodeSignedHeader({
    secretVersion: opts.secretVersion,
    chunkSize,
    plaintextLength,
    noncePrefix,
    wrapIv,
    videoId: opts.videoId,
    definition: opts.definition,
    appIdentification: canonicalAppIdentification(opts.appIdentification),
    licenseExpiresAt: opts.licenseExpiresAt,
  });

  const secret = Uint8Array.from(opts.secret);
  let packageKey: CryptoKey;
  let wrapped: ArrayBuffer;
  try {
    const secretKey = await subtle.importKey('raw', secret, 'AES-GCM', false, ['encrypt']);
    packageKey = await subtle.importKey('raw', rawKey, 'AES-GCM', false, ['encrypt']);
    wrapped = await subtle.encrypt(
      { name: 'AES-GCM', iv: wrapIv, additionalData: signed, tagLength: 128 },
      secretKey,
      rawKey,
    );
  } finally {
    secret.fill(0);
    rawKey.fill(0);
  }
  const header = concatBytes(signed, new Uint8Array(wrapped));
  const digest = await headerDigest(header);
  const layout = { headerLength: header.length, plaintextLength, chunkSize, chunkCount };

  const chunkLength = (index: number): number => {
    if (!Number.isInteger(index) || index < 0 || index >= chunkCount) {
      throw new RangeError(`Chunk index ${index} is outside 0 to ${chunkCount - 1}.`);
    }
    return chunkPlaintextLength(layout, index);
  };
  return {
    header: header.slice(),
    chunkSize,
    chunkCount,
    plaintextLength,
    packageLength: header.length + plaintextLength + PACKAGE_TAG_LENGTH * chunkCount,
    chunkPlaintextLength: chunkLength,
    chunkKey: packageKey,
    chunkCipherParams(index) {
      chunkLength(index);
      const params = chunkParams(noncePrefix, digest, index, index === chunkCount - 1);
      return {
        iv: params.iv as Uint8Array,
        additionalData: params.additionalData as Uint8Array,
      };
    },
    async encryptChunk(index, plaintext, final) {
      const expected = chunkLength(index);
      if (!(plaintext instanceof Uint8Array) || plaintext.length !== expected) {
        throw new RangeError(`Chunk ${index} must hold ${expected} plaintext bytes.`);
      }
      if (final !== (index === chunkCount - 1)) {
        throw new RangeError(
          `Only the last chunk (${chunkCount - 1}) is final; chunk ${index} was given final=${final}.`,
        );
      }
      const sealed = await subtle.encrypt(
        chunkParams(noncePrefix, digest, index, final),
        packageKey,
        plaintext as Uint8Array<ArrayBuffer>,
      );
      return new Uint8Array(sealed);
    },
  };
}

/**
 * The whole package as a stream: the header, then each chunk as soon as its plaintext is in.
 * `source` may yield pieces of any size; they are cut into exact chunks in one reused buffer, and
 * the source is read only as fast as the consumer pulls, so at most about two chunks are held.
 * Throws `PackageError('LengthMismatch')` when the source ends early or runs past
 * `plaintextLength` — never yielding a package that cannot be read to its end.
 */
export async function* encryptPackageStream(
  source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  opts: PackageWriterOptions,
): AsyncGenerator<Uint8Array, void, undefined> {
  yield* writePackageStream(await createPackageWriter(opts), source);
}

/**
 * As `encryptPackageStream`, with a writer the caller already made — e.g. to send
 * `writer.packageLength` as Content-Length before the first byte.
 */
export async function* writePackageStream(
  writer: PackageWriter,
  source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
): AsyncGenerator<Uint8Array, void, undefined> {
  const opts = { plaintextLength: writer.plaintextLength };
  yield writer.header;
  const buffer = new Uint8Array(writer.chunkSize);
  let index = 0;
  let filled = 0;
  let total = 0;
  try {
    for await (const piece of source) {
      if (!(piece instanceof Uint8Array)) throw new TypeError('The package source must yield Uint8Arrays.');
      total += piece.length;
      if (total > writer.plaintextLength) throw lengthMismatch(`more than ${writer.plaintextLength}`, opts);
      let at = 0;
      while (at < piece.length) {
        const want = writer.chunkPlaintextLength(index) - filled;
        const take = Math.min(want, piece.length - at);
        buffer.set(piece.subarray(at, at + take), filled);
        filled += take;
        at += take;
        if (filled === writer.chunkPlaintextLength(index)) {
          // WebCrypto copies its input when called, so the buffer is free again at once.
          yield await writer.encryptChunk(index, buffer.subarray(0, filled), index === writer.chunkCount - 1);
          index++;
          filled = 0;
        }
      }
    }
    if (total !== writer.plaintextLength) throw lengthMismatch(String(total), opts);
    // An empty package still ends with its (empty) final chunk.
    if (writer.plaintextLength === 0) yield await writer.encryptChunk(0, new Uint8Array(0), true);
  } finally {
    buffer.fill(0);
  }
}

function lengthMismatch(got: string, opts: { plaintextLength: number }): PackageError {
  return new PackageError(
    'LengthMismatch',
    `The package source yielded ${got} bytes; the declared plaintext length is ${opts.plaintextLength}.`,
  );
}
