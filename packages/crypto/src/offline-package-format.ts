/**
 * Offline package formats v1 and v2 (docs/formats.md, "Offline package (secure download)" and
 * "Offline package licence (format version 2)"): constants, the
 * error type, header encoding and parsing, and the chunk layout, nonce and AAD shared by the writer
 * (`offline-package-writer.ts`, server side) and the reader (`offline-package.ts`, SDKs and CLI).
 *
 * Layout (big-endian):
 *
 *   off    len  field
 *   0      4    magic "SVPK"
 *   4      2    format version = 1 (u16)
 *   6      2    header length H (u16), 101..4096
 *   8      4    secret version (u32)
 *   12     4    chunk size (u32), 16..16777216
 *   16     8    plaintext length L (u64, at most 2^53 - 1)
 *   24     8    nonce prefix (random per package)
 *   32     12   wrap IV (random per package)
 *   44     ..   lp(VideoId) || lp(definition) || lp(canonical AppIdentification)
 *   H-48   48   AES-256-GCM(key = download secret, iv = wrap IV, aad = bytes 0..H-49, package key) + tag
 *   H      ..   chunks 0..n-1: AES-256-GCM ciphertext of the chunk's plaintext, then its 16-byte tag
 *
 *   n        = max(1, ceil(L / chunkSize))       (an empty package still ends with one final chunk)
 *   chunk i  = key = package key, iv = nonce prefix || u32(i), aad = SHA-256(bytes 0..H-1) || u32(i) || u8(final)
 *
 * Format version 2 (a package with a licence, our rental extension) inserts one field after the
 * wrap IV and changes what the chunk AAD binds, so that a renewal can replace the licence fields
 * (wrap IV, expiry, wrapped key) without touching a chunk:
 *
 *   44     8    licence expiry (u64 Unix seconds, 1..2^53-1), authenticated as part of the wrap AAD
 *   52     ..   lp(VideoId) || lp(definition) || lp(canonical AppIdentification)
 *   chunk i  aad = SHA-256(bytes 0..H-49 with bytes 32..51 zeroed) || u32(i) || u8(final)
 *
 * Only the magic, version, header length and the three string lengths are checked before the
 * header is authenticated (they decide where the authenticated bytes are); every other value is
 * trusted only after the package key unwraps, which authenticates bytes 0..H-49.
 */
import { normalizeAppIdentification } from './app-identification.js';
import {
  concatBytes,
  readU16BE,
  readU32BE,
  utf8Decode,
  utf8Encode,
  writeU16BE,
  writeU32BE,
} from './bytes.js';
import { lengthPrefixed } from './key-derivation.js';

export const PACKAGE_MAGIC = 'SVPK';
export const PACKAGE_FORMAT_VERSION = 1;
/** A package with a licence expiry (our rental extension): written only when an expiry is set. */
export const PACKAGE_LICENSED_FORMAT_VERSION = 2;
export const PACKAGE_DEFAULT_CHUNK_SIZE = 1 << 20;
export const PACKAGE_MIN_CHUNK_SIZE = 16;
export const PACKAGE_MAX_CHUNK_SIZE = 1 << 24;
/** A reader that reads this many bytes (or the whole package, if shorter) holds the whole header. */
export const PACKAGE_MAX_HEADER_LENGTH = 4096;
export const PACKAGE_TAG_LENGTH = 16;
/** Chunk indexes are u32. */
export const PACKAGE_MAX_CHUNK_COUNT = 2 ** 32;
export const PACKAGE_NOT_LICENSED_MESSAGE = 'This package is not licensed for this app.';

export const PACKAGE_KEY_LENGTH = 32;
export const PACKAGE_NONCE_PREFIX_LENGTH = 8;
export const PACKAGE_WRAP_IV_LENGTH = 12;
export const PACKAGE_FIXED_LENGTH = 44;
/** v2: the fixed part plus the u64 licence expiry at offset 44. */
export const PACKAGE_LICENSED_FIXED_LENGTH = 52;
export const PACKAGE_WRAPPED_KEY_LENGTH = PACKAGE_KEY_LENGTH + PACKAGE_TAG_LENGTH;
/** Bytes 32..51 of a v2 header: the wrap IV and the expiry, which a renewal replaces. */
const LICENSE_FIELDS_START = 32;
const LICENSE_FIELDS_END = 52;
const EXPIRY_OFFSET = 44;
const MAX_SAFE_HIGH_WORD = 0x1fffff; // L < 2^53: the high u32 of the u64 is at most 2^21 - 1

/**
 * - `NotLicensed`: another app or secret version, or a header that does not authenticate under the
 *   given secret (wrong secret, or any altered authenticated header byte). Always the same message.
 * - `Tampered`: a chunk fails authentication (altered, reordered, or taken from another package).
 * - `Truncated`: the package is shorter than its header says, or its last chunk is not marked final.
 * - `Malformed`: not a v1 or v2 package (magic, version, header structure) or values outside the
 *   format; also a licence that belongs to another package.
 * - `LengthMismatch` (writer only): the plaintext source is longer or shorter than declared.
 * - `LicenseExpired`: an authentic v2 package whose licence expiry has passed (renew it online).
 */
export type PackageErrorCode =
  'NotLicensed' | 'Tampered' | 'Truncated' | 'Malformed' | 'LengthMismatch' | 'LicenseExpired';

export class PackageError extends Error {
  override readonly name = 'PackageError';
  constructor(
    readonly code: PackageErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The public header fields. Before `openPackage` succeeds, none of them is authenticated. */
export interface PackageHeader {
  readonly formatVersion: number;
  readonly videoId: string;
  readonly definition: string;
  /** Canonical form, e.g. `web:https://video.example.com`. */
  readonly appIdentification: string;
  readonly secretVersion: number;
  readonly plaintextLength: number;
  readonly chunkSize: number;
  readonly chunkCount: number;
  /** H: bytes before chunk 0. */
  readonly headerLength: number;
  /** Total bytes of the package: H + L + 16 × chunkCount. */
  readonly packageLength: number;
  /** v2 only: when the licence ends, Unix seconds. Absent in v1 packages (no expiry). */
  readonly licenseExpiresAt?: number;
}

/** The header as laid out, before authentication. `signed` is bytes 0..H-49, the wrap AAD. */
export interface RawPackageHeader {
  readonly formatVersion: number;
  readonly bytes: Uint8Array<ArrayBuffer>;
  readonly signed: Uint8Array<ArrayBuffer>;
  readonly headerLength: number;
  readonly secretVersion: number;
  readonly chunkSize: number;
  readonly plaintextLengthHigh: number;
  readonly plaintextLengthLow: number;
  readonly noncePrefix: Uint8Array<ArrayBuffer>;
  readonly wrapIv: Uint8Array<ArrayBuffer>;
  readonly videoId: Uint8Array<ArrayBuffer>;
  readonly definition: Uint8Array<ArrayBuffer>;
  readonly app: Uint8Array<ArrayBuffer>;
  readonly wrappedKey: Uint8Array<ArrayBuffer>;
  /** v2 only: the u64 expiry as two u32 words (checked by `interpretHeader`). */
  readonly licenseExpiresAtHigh?: number;
  readonly licenseExpiresAtLow?: number;
}

export interface HeaderFields {
  readonly secretVersion: number;
  readonly chunkSize: number;
  readonly plaintextLength: number;
  readonly noncePrefix: Uint8Array;
  readonly wrapIv: Uint8Array;
  readonly videoId: string;
  readonly definition: string;
  readonly appIdentification: string;
  /** Unix seconds, a safe integer ≥ 1: makes a v2 (licensed) header. Absent: v1. */
  readonly licenseExpiresAt?: number | undefined;
}

/** Bytes 0..H-49 for `fields` (H counts the wrapped key that follows). RangeError past 4096 bytes. */
export function encodeSignedHeader(fields: HeaderFields): Uint8Array<ArrayBuffer> {
  const strings = concatBytes(
    lengthPrefixed(fields.videoId, 'The VideoId'),
    lengthPrefixed(fields.definition, 'The definition'),
    lengthPrefixed(fields.appIdentification, 'The AppIdentification'),
  );
  const expiry = fields.licenseExpiresAt;
  if (expiry !== undefined) assertLicenseExpiry(expiry);
  const fixedLength = expiry === undefined ? PACKAGE_FIXED_LENGTH : PACKAGE_LICENSED_FIXED_LENGTH;
  const headerLength = fixedLength + strings.length + PACKAGE_WRAPPED_KEY_LENGTH;
  if (headerLength > PACKAGE_MAX_HEADER_LENGTH) {
    throw new RangeError(
      `The package header would be ${headerLength} bytes; at most ${PACKAGE_MAX_HEADER_LENGTH} are allowed (shorten the VideoId or definition).`,
    );
  }
  const fixed = new Uint8Array(fixedLength);
  fixed.set(utf8Encode(PACKAGE_MAGIC), 0);
  writeU16BE(fixed, 4, expiry === undefined ? PACKAGE_FORMAT_VERSION : PACKAGE_LICENSED_FORMAT_VERSION);
  writeU16BE(fixed, 6, headerLength);
  writeU32BE(fixed, 8, fields.secretVersion);
  writeU32BE(fixed, 12, fields.chunkSize);
  writeU32BE(fixed, 16, Math.floor(fields.plaintextLength / 2 ** 32));
  writeU32BE(fixed, 20, fields.plaintextLength % 2 ** 32);
  fixed.set(fields.noncePrefix, 24);
  fixed.set(fields.wrapIv, 32);
  if (expiry !== undefined) writeU64BE(fixed, EXPIRY_OFFSET, expiry);
  return concatBytes(fixed, strings);
}

/** A licence expiry must be a safe integer of Unix seconds, from 1. */
export function assertLicenseExpiry(value: number): void {
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new RangeError(`The licence expiry must be a positive integer of Unix seconds; got ${value}.`);
  }
}

/** Replaces the licence fields (wrap IV, expiry) of a v2 signed header, in a copy. */
export function withLicenseFields(
  signed: Uint8Array,
  wrapIv: Uint8Array,
  licenseExpiresAt: number,
): Uint8Array<ArrayBuffer> {
  assertLicenseExpiry(licenseExpiresAt);
  const copy = Uint8Array.from(signed);
  copy.set(wrapIv, 32);
  writeU64BE(copy, EXPIRY_OFFSET, licenseExpiresAt);
  return copy;
}

/**
 * The bytes every chunk is bound to (through their SHA-256 in the AAD). v1: the whole header. v2:
 * bytes 0..H-49 with the licence fields (wrap IV and expiry) zeroed, so a renewed licence — a new
 * wrap IV, expiry and wrapped key for the same package key — leaves every chunk valid, while the
 * video, definition, app, secret version, sizes and nonce prefix stay bound.
 */
export function chunkBinding(header: Uint8Array<ArrayBuffer>): Uint8Array<ArrayBuffer> {
  if (readU16BE(header, 4) !== PACKAGE_LICENSED_FORMAT_VERSION) return header;
  const binding = header.slice(0, header.length - PACKAGE_WRAPPED_KEY_LENGTH);
  binding.fill(0, LICENSE_FIELDS_START, LICENSE_FIELDS_END);
  return binding;
}

function writeU64BE(bytes: Uint8Array, offset: number, value: number): void {
  writeU32BE(bytes, offset, Math.floor(value / 2 ** 32));
  writeU32BE(bytes, offset + 4, value % 2 ** 32);
}

/**
 * Splits a header into its fields, checking only its structure. `bytes` starts at offset 0 of the
 * package and holds at least the whole header, or else all of the package there is
 * (`isWholePackage`): a header cut short is then `Truncated`, not `Malformed`.
 */
export function parseRawHeader(bytes: Uint8Array, isWholePackage: boolean): RawPackageHeader {
  const cut = (what: string) =>
    new PackageError(
      'Truncated',
      `The package is incomplete: it ends after ${bytes.length} bytes, inside its ${what}.`,
    );
  for (let i = 0; i < PACKAGE_MAGIC.length; i++) {
    if (i >= bytes.length) throw isWholePackage ? cut('magic') : tooShort(bytes.length);
    if (bytes[i] !== PACKAGE_MAGIC.charCodeAt(i)) {
      throw malformed(`This is not a securevod offline package: it does not start with "${PACKAGE_MAGIC}".`);
    }
  }
  if (bytes.length < 8) throw isWholePackage ? cut('header') : tooShort(bytes.length);
  const version = readU16BE(bytes, 4);
  if (version !== PACKAGE_FORMAT_VERSION && version !== PACKAGE_LICENSED_FORMAT_VERSION) {
    throw malformed(
      `Offline package format version ${version} is not supported; this library reads versions ${PACKAGE_FORMAT_VERSION} and ${PACKAGE_LICENSED_FORMAT_VERSION}.`,
    );
  }
  const licensed = version === PACKAGE_LICENSED_FORMAT_VERSION;
  const fixedLength = licensed ? PACKAGE_LICENSED_FIXED_LENGTH : PACKAGE_FIXED_LENGTH;
  const minHeaderLength = fixedLength + 3 * 3 + PACKAGE_WRAPPED_KEY_LENGTH;
  const headerLength = readU16BE(bytes, 6);
  if (headerLength < minHeaderLength || headerLength > PACKAGE_MAX_HEADER_LENGTH) {
    throw malformed(
      `The package header length ${headerLength} is outside ${minHeaderLength} to ${PACKAGE_MAX_HEADER_LENGTH}.`,
    );
  }
  if (bytes.length < headerLength) throw isWholePackage ? cut('header') : tooShort(bytes.length);
  const header = bytes.slice(0, headerLength);
  const signedEnd = headerLength - PACKAGE_WRAPPED_KEY_LENGTH;
  let at = fixedLength;
  const field = (): Uint8Array<ArrayBuffer> => {
    const length = at + 2 <= signedEnd ? readU16BE(header, at) : -1;
    if (length < 1 || at + 2 + length > signedEnd) {
      throw malformed('The package header fields do not fit its header length.');
    }
    at += 2 + length;
    return header.slice(at - length, at);
  };
  const videoId = field();
  const definition = field();
  const app = field();
  if (at !== signedEnd) throw malformed('The package header fields do not fit its header length.');
  return {
    formatVersion: version,
    bytes: header,
    signed: header.slice(0, signedEnd),
    headerLength,
    secretVersion: readU32BE(header, 8),
    chunkSize: readU32BE(header, 12),
    plaintextLengthHigh: readU32BE(header, 16),
    plaintextLengthLow: readU32BE(header, 20),
    noncePrefix: header.slice(24, 32),
    wrapIv: header.slice(32, 44),
    videoId,
    definition,
    app,
    wrappedKey: header.slice(signedEnd),
    ...(licensed && {
      licenseExpiresAtHigh: readU32BE(header, EXPIRY_OFFSET),
      licenseExpiresAtLow: readU32BE(header, EXPIRY_OFFSET + 4),
    }),
  };
}

/** The checks that need the header's values: UTF-8, chunk size, length and chunk count ranges. */
export function interpretHeader(raw: RawPackageHeader): PackageHeader {
  const text = (bytes: Uint8Array, name: string): string => {
    try {
      return utf8Decode(bytes);
    } catch {
      throw malformed(`The package ${name} is not valid UTF-8.`);
    }
  };
  const { chunkSize, headerLength } = raw;
  if (chunkSize < PACKAGE_MIN_CHUNK_SIZE || chunkSize > PACKAGE_MAX_CHUNK_SIZE) {
    throw malformed(
      `The package chunk size ${chunkSize} is outside ${PACKAGE_MIN_CHUNK_SIZE} to ${PACKAGE_MAX_CHUNK_SIZE}.`,
    );
  }
  if (raw.plaintextLengthHigh > MAX_SAFE_HIGH_WORD) {
    throw malformed('The package plaintext length is 2^53 bytes or more.');
  }
  const plaintextLength = raw.plaintextLengthHigh * 2 ** 32 + raw.plaintextLengthLow;
  const chunkCount = chunkCountFor(plaintextLength, chunkSize);
  if (chunkCount > PACKAGE_MAX_CHUNK_COUNT) {
    throw malformed(`The package has ${chunkCount} chunks; at most ${PACKAGE_MAX_CHUNK_COUNT} are allowed.`);
  }
  let licenseExpiresAt: number | undefined;
  if (raw.formatVersion === PACKAGE_LICENSED_FORMAT_VERSION) {
    const high = raw.licenseExpiresAtHigh ?? 0;
    licenseExpiresAt = high * 2 ** 32 + (raw.licenseExpiresAtLow ?? 0);
    if (high > MAX_SAFE_HIGH_WORD || licenseExpiresAt < 1) {
      throw malformed('The package licence expiry is outside 1 to 2^53 - 1.');
    }
  }
  return {
    formatVersion: raw.formatVersion,
    videoId: text(raw.videoId, 'VideoId'),
    definition: text(raw.definition, 'definition'),
    appIdentification: text(raw.app, 'AppIdentification'),
    secretVersion: raw.secretVersion,
    plaintextLength,
    chunkSize,
    chunkCount,
    headerLength,
    packageLength: headerLength + plaintextLength + PACKAGE_TAG_LENGTH * chunkCount,
    ...(licenseExpiresAt !== undefined && { licenseExpiresAt }),
  };
}

export function chunkCountFor(plaintextLength: number, chunkSize: number): number {
  return plaintextLength === 0 ? 1 : Math.ceil(plaintextLength / chunkSize);
}

/** Plaintext bytes in chunk `index`: chunkSize for all but the last, which holds the rest. */
export function chunkPlaintextLength(header: PackageLayout, index: number): number {
  return index < header.chunkCount - 1
    ? header.chunkSize
    : header.plaintextLength - (header.chunkCount - 1) * header.chunkSize;
}

/** Where chunk `index` (ciphertext then tag) starts in the package. */
export function chunkOffset(header: PackageLayout, index: number): number {
  return header.headerLength + index * (header.chunkSize + PACKAGE_TAG_LENGTH);
}

export interface PackageLayout {
  readonly headerLength: number;
  readonly plaintextLength: number;
  readonly chunkSize: number;
  readonly chunkCount: number;
}

/** GCM parameters of chunk `index`: iv = prefix || u32(index), aad = SHA-256(header) || u32(index) || u8(final). */
export function chunkParams(
  noncePrefix: Uint8Array,
  headerDigest: Uint8Array,
  index: number,
  final: boolean,
): AesGcmParams {
  const iv = new Uint8Array(PACKAGE_NONCE_PREFIX_LENGTH + 4);
  iv.set(noncePrefix, 0);
  writeU32BE(iv, PACKAGE_NONCE_PREFIX_LENGTH, index);
  const aad = new Uint8Array(headerDigest.length + 5);
  aad.set(headerDigest, 0);
  writeU32BE(aad, headerDigest.length, index);
  aad[headerDigest.length + 4] = final ? 1 : 0;
  return { name: 'AES-GCM', iv, additionalData: aad, tagLength: 128 };
}

/** SHA-256 of the header's `chunkBinding`: the first 32 bytes of every chunk's AAD. */
export async function headerDigest(header: Uint8Array<ArrayBuffer>): Promise<Uint8Array<ArrayBuffer>> {
  return new Uint8Array(await globalThis.crypto.subtle.digest('SHA-256', chunkBinding(header)));
}

const APP_KINDS: ReadonlySet<string> = new Set(['android', 'ios', 'windows', 'web']);

/**
 * Packages carry the canonical AppIdentification (`kind:value`). Callers may pass it canonical (as
 * `openKeyFile` returns it) or in any form `normalizeAppIdentification` accepts (`location.origin`).
 * No canonical string is also an accepted raw form, so the two cannot be confused. A value that is
 * neither throws `AppIdentificationError` (a caller bug).
 */
export function canonicalAppIdentification(input: string): string {
  const colon = typeof input === 'string' ? input.indexOf(':') : -1;
  if (colon > 0 && APP_KINDS.has(input.slice(0, colon))) {
    try {
      if (normalizeAppIdentification(input.slice(colon + 1)).canonical === input) return input;
    } catch {
      // not canonical: fall through and read it as a raw identification
    }
  }
  return normalizeAppIdentification(input).canonical;
}

export function assertU32(value: number, what: string): void {
  if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) {
    throw new RangeError(`${what} must be an integer from 0 to 4294967295; got ${value}.`);
  }
}

function malformed(message: string): PackageError {
  return new PackageError('Malformed', message);
}

function tooShort(length: number): PackageError {
  return new PackageError(
    'Truncated',
    `The package header is cut short: ${length} bytes were given; pass at least the first ${PACKAGE_MAX_HEADER_LENGTH} bytes (or the whole package).`,
  );
}
