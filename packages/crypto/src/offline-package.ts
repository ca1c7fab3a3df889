/**
 * Offline packages (secure download), format v1: docs/formats.md, "Offline package (secure
 * download)". The server streams a package with `encryptPackageStream` (offline-package-writer.ts);
 * the SDKs and the CLI open it here with the app's key file (`openKeyFile`), reading it in place —
 * from OPFS, IndexedDB or a file — one chunk at a time, so nothing plaintext is ever written and
 * memory does not grow with the package.
 *
 * Opening checks, in this order, and stops at the first failure:
 *   1. structure (magic, version, header length, string lengths)         → Malformed
 *      (or Truncated when the package ends inside its header)
 *   2. the header names this app and secret version                       → NotLicensed
 *   3. the package key unwraps under the secret, with the header as AAD   → NotLicensed
 *      (wrong secret, or any altered authenticated header byte)
 *   4. the authenticated values are within the format (chunk size, …)     → Malformed
 *   5. the package size equals H + L + 16 × chunkCount                     → Truncated if shorter,
 *                                                                            Malformed if longer
 *   6. a v2 package's licence has not expired at `now`                     → LicenseExpired
 * With `license` (a renewed header), it replaces the stored header after `checkPackageLicense`
 * (Malformed "for another package" otherwise) and is what steps 2–6 check.
 * Reading a chunk that fails authentication is `Tampered`; a last chunk that authenticates only
 * without the final flag is `Truncated` (the writer stopped before the end).
 */
import { bytesToHex, timingSafeEqual, utf8Encode } from './bytes.js';
import { checkLicenseExpiry, checkPackageLicense } from './offline-package-license.js';
import {
  assertU32,
  canonicalAppIdentification,
  chunkOffset,
  chunkParams,
  chunkPlaintextLength,
  headerDigest,
  interpretHeader,
  PACKAGE_LICENSED_FORMAT_VERSION,
  PACKAGE_MAX_HEADER_LENGTH,
  PACKAGE_NOT_LICENSED_MESSAGE,
  PACKAGE_TAG_LENGTH,
  PackageError,
  parseRawHeader,
  type PackageHeader,
} from './offline-package-format.js';

export {
  PACKAGE_DEFAULT_CHUNK_SIZE,
  PACKAGE_FORMAT_VERSION,
  PACKAGE_LICENSED_FORMAT_VERSION,
  PACKAGE_MAGIC,
  PACKAGE_MAX_CHUNK_SIZE,
  PACKAGE_MAX_HEADER_LENGTH,
  PACKAGE_MIN_CHUNK_SIZE,
  PACKAGE_NOT_LICENSED_MESSAGE,
  PACKAGE_TAG_LENGTH,
  PackageError,
  type PackageErrorCode,
  type PackageHeader,
} from './offline-package-format.js';
export {
  createPackageWriter,
  encryptPackageStream,
  writePackageStream,
  type PackageWriter,
  type PackageWriterOptions,
} from './offline-package-writer.js';
export {
  checkLicenseExpiry,
  checkPackageLicense,
  packageTagOf,
  renewPackageLicense,
  type RenewPackageLicenseOptions,
} from './offline-package-license.js';

/** Random access to the stored package (an OPFS file, a Blob, a file handle, bytes in memory). */
export interface PackageSource {
  readonly size: number;
  /** Exactly `length` bytes from `offset`; fewer means the package is cut short (`Truncated`). */
  read(offset: number, length: number): Promise<Uint8Array>;
}

export interface OpenPackageOptions {
  /** `openKeyFile(…).secretKey`: AES-GCM 256 with usage `unwrapKey`. */
  readonly secretKey: CryptoKey;
  /** `openKeyFile(…).secretVersion`. */
  readonly secretVersion: number;
  /** The app's own identification: canonical (`openKeyFile(…).appIdentification`) or any accepted form. */
  readonly appIdentification: string;
  /** A renewed licence for this package (the H header bytes the server returned), used instead of the stored header. */
  readonly license?: Uint8Array | undefined;
  /**
   * The time the licence expiry is checked against, in milliseconds (default `Date.now()`); `null`
   * skips the check, for a caller that checks `checkLicenseExpiry` itself after its own clock checks.
   */
  readonly now?: number | null;
}

export interface OpenedPackage {
  /** Authenticated. */
  readonly header: PackageHeader;
  /** A stable id of this package, unchanged by renewals: hex SHA-256 of what its chunks are bound to. */
  readonly packageTag: string;
  /**
   * v2 only: an HMAC-SHA256 key (sign/verify, non-extractable) derived from the package key with
   * HKDF (info "securevod/offline-licence-state/v1"), for state the SDK keeps about the licence.
   */
  readonly licenseStateKey: CryptoKey | undefined;
  /** The plaintext of chunk `index` (0..chunkCount-1); one read of the source. */
  readChunk(index: number): Promise<Uint8Array>;
  /** `length` plaintext bytes from `offset`, through the chunks that hold them. */
  read(offset: number, length: number): Promise<Uint8Array>;
  /** The whole plaintext (the fMP4), chunk by chunk, in order. */
  stream(): AsyncGenerator<Uint8Array, void, undefined>;
}

/**
 * The header fields, without any secret: to show what a package is and pick the key file of its
 * secret version. Nothing here is authenticated until `openPackage` succeeds. `bytes` is the
 * package or at least its first `PACKAGE_MAX_HEADER_LENGTH` bytes. Throws `PackageError`
 * (`Malformed`, or `Truncated` when `bytes` ends inside the header).
 */
export function readPackageHeader(bytes: Uint8Array): PackageHeader {
  if (!(bytes instanceof Uint8Array))
    throw new TypeError('The package must be given as bytes (a Uint8Array).');
  return interpretHeader(parseRawHeader(bytes, false));
}

/** A `PackageSource` over bytes in memory. */
export function packageSourceFromBytes(bytes: Uint8Array): PackageSource {
  return {
    size: bytes.length,
    read: (offset, length) =>
      Promise.resolve(bytes.subarray(offset, Math.min(bytes.length, offset + length))),
  };
}

/**
 * Opens a package for one app; see the file comment for the checks and their errors. Arguments
 * outside the contract throw `TypeError`/`RangeError`, an identification in no accepted form
 * `AppIdentificationError`.
 */
export async function openPackage(source: PackageSource, opts: OpenPackageOptions): Promise<OpenedPackage> {
  if (typeof source?.read !== 'function' || !Number.isSafeInteger(source.size) || source.size < 0) {
    throw new TypeError(
      'The package source must have a non-negative integer size and a read(offset, length).',
    );
  }
  const { secretKey } = opts;
  if (
    !(secretKey instanceof CryptoKey) ||
    secretKey.algorithm.name !== 'AES-GCM' ||
    !secretKey.usages.includes('unwrapKey')
  ) {
    throw new TypeError('secretKey must be the AES-GCM CryptoKey of openKeyFile, with usage unwrapKey.');
  }
  assertU32(opts.secretVersion, 'The secret version');
  const app = utf8Encode(canonicalAppIdentification(opts.appIdentification));

  let head = await readExact(source, 0, Math.min(source.size, PACKAGE_MAX_HEADER_LENGTH));
  if (opts.license !== undefined) {
    if (!(opts.license instanceof Uint8Array)) throw new TypeError('license must be the licence bytes.');
    parseRawHeader(head, source.size < PACKAGE_MAX_HEADER_LENGTH);
    checkPackageLicense(head, opts.license);
    head = Uint8Array.from(opts.license);
  }
  const raw = parseRawHeader(head, opts.license === undefined && source.size < PACKAGE_MAX_HEADER_LENGTH);
  if (raw.secretVersion !== opts.secretVersion || !timingSafeEqual(raw.app, app)) throw notLicensed();
  let packageKey: CryptoKey;
  try {
    packageKey = await globalThis.crypto.subtle.unwrapKey(
      'raw',
      raw.wrappedKey,
      secretKey,
      { name: 'AES-GCM', iv: raw.wrapIv, additionalData: raw.signed, tagLength: 128 },
      { name: 'AES-GCM', length: 256 },
      false,
      ['decrypt'],
    );
  } catch {
    throw notLicensed();
  }
  const header = interpretHeader(raw);
  let licenseStateKey: CryptoKey | undefined;
  if (raw.formatVersion === PACKAGE_LICENSED_FORMAT_VERSION) {
    const base = await globalThis.crypto.subtle.unwrapKey(
      'raw',
      raw.wrappedKey,
      secretKey,
      { name: 'AES-GCM', iv: raw.wrapIv, additionalData: raw.signed, tagLength: 128 },
      'HKDF',
      false,
      ['deriveKey'],
    );
    licenseStateKey = await globalThis.crypto.subtle.deriveKey(
      {
        name: 'HKDF',
        hash: 'SHA-256',
        salt: new Uint8Array(0),
        info: utf8Encode('securevod/offline-licence-state/v1'),
      },
      base,
      { name: 'HMAC', hash: 'SHA-256', length: 256 },
      false,
      ['sign', 'verify'],
    );
  }
  if (source.size < header.packageLength) {
    throw new PackageError(
      'Truncated',
      `The package is incomplete: it has ${source.size} bytes; its header says ${header.packageLength}.`,
    );
  }
  if (source.size > header.packageLength) {
    throw new PackageError(
      'Malformed',
      `The package has ${source.size - header.packageLength} bytes after its last chunk.`,
    );
  }
  if (opts.now !== null) checkLicenseExpiry(header, opts.now ?? Date.now());
  const digest = await headerDigest(raw.bytes);
  const last = header.chunkCount - 1;

  const decrypt = async (index: number, sealed: Uint8Array<ArrayBuffer>, final: boolean) =>
    new Uint8Array(
      await globalThis.crypto.subtle.decrypt(
        chunkParams(raw.noncePrefix, digest, index, final),
        packageKey,
        sealed,
      ),
    );

  const readChunk = async (index: number): Promise<Uint8Array> => {
    if (!Number.isInteger(index) || index < 0 || index > last) {
      throw new RangeError(`Chunk index ${index} is outside 0 to ${last}.`);
    }
    const sealed = await readExact(
      source,
      chunkOffset(header, index),
      chunkPlaintextLength(header, index) + PACKAGE_TAG_LENGTH,
    );
    try {
      return await decrypt(index, sealed, index === last);
    } catch {
      // Tell a writer that stopped early (a valid chunk, not marked final) from altered bytes.
      if (index === last && (await decrypt(index, sealed, false).then(wipe, () => false))) {
        throw new PackageError('Truncated', 'The package is incomplete: its last chunk is not marked final.');
      }
      throw new PackageError(
        'Tampered',
        `The package has been altered: chunk ${index} failed authentication.`,
      );
    }
  };

  return {
    header,
    packageTag: bytesToHex(digest),
    licenseStateKey,
    readChunk,
    async read(offset, length) {
      if (
        !Number.isSafeInteger(offset) ||
        !Number.isSafeInteger(length) ||
        offset < 0 ||
        length < 0 ||
        offset + length > header.plaintextLength
      ) {
        throw new RangeError(
          `Cannot read ${length} bytes at ${offset}: the plaintext has ${header.plaintextLength} bytes.`,
        );
      }
      const out = new Uint8Array(length);
      let at = 0;
      while (at < length) {
        const index = Math.floor((offset + at) / header.chunkSize);
        const start = offset + at - index * header.chunkSize;
        const chunk = await readChunk(index);
        const part = chunk.subarray(start, Math.min(chunk.length, start + length - at));
        out.set(part, at);
        at += part.length;
      }
      return out;
    },
    async *stream() {
      let total = 0;
      for (let index = 0; index <= last; index++) {
        const chunk = await readChunk(index);
        total += chunk.length;
        yield chunk;
      }
      // Each chunk's length follows from the authenticated header; this guards the arithmetic.
      if (total !== header.plaintextLength) {
        throw new PackageError('Truncated', 'The package ended before its declared plaintext length.');
      }
    },
  };
}

async function readExact(
  source: PackageSource,
  offset: number,
  length: number,
): Promise<Uint8Array<ArrayBuffer>> {
  const bytes = await source.read(offset, length);
  if (!(bytes instanceof Uint8Array)) throw new TypeError('PackageSource.read must resolve to a Uint8Array.');
  if (bytes.length < length) {
    throw new PackageError(
      'Truncated',
      `The package is incomplete: ${length} bytes were expected at offset ${offset}; the source returned ${bytes.length}.`,
    );
  }
  // WebCrypto takes only ArrayBuffer-backed views; copy anything else (or any oversized answer).
  return bytes.buffer instanceof ArrayBuffer && bytes.length === length
    ? (bytes as Uint8Array<ArrayBuffer>)
    : bytes.slice(0, length);
}

function wipe(bytes: Uint8Array): true {
  bytes.fill(0);
  return true;
}

function notLicensed(): PackageError {
  return new PackageError('NotLicensed', PACKAGE_NOT_LICENSED_MESSAGE);
}
