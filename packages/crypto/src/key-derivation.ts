/**
 * Segment key derivation (docs/formats.md, "Key hierarchy"; DESIGN §4).
 *
 * Each video has one 32-byte data key DK from the KMS. Every content key is derived from it with
 * HKDF-SHA256 (RFC 5869), one per (scheme, video, rendition, key period):
 *
 *   key  = HKDF-SHA256(ikm = DK, salt = UTF-8("securevod/segment-key/v1"), info, L)
 *   info = lp(scheme) || lp(videoId) || lp(rendition) || u32(period)
 *   lp(x) = u16(byte length of UTF-8(x)) || UTF-8(x)
 *   L    = 16 for "aes-128" (standard HLS), 32 for "aes-256-gcm" (private)
 *
 * Length prefixes make the encoding injective ("ab"+"c" and "a"+"bc" give different info). The
 * scheme is part of the info, not only of L, because HKDF output of 16 bytes is a prefix of the
 * 32-byte output for the same info: without it the AES-128 key (which standard players receive)
 * would be half of the private AES-256 key.
 *
 * Callers: the packager (derives every period key once, while it encrypts) and the key service
 * (derives the one key a play token asks for). Both hold DK only in memory.
 */
import { concatBytes, utf8Encode, writeU16BE, writeU32BE } from './bytes.js';

export type SegmentScheme = 'aes-128' | 'aes-256-gcm';

export const SEGMENT_KEY_SALT = 'securevod/segment-key/v1';
export const DATA_KEY_LENGTH = 32;
export const SEGMENT_KEY_LENGTHS: Readonly<Record<SegmentScheme, number>> = {
  'aes-128': 16,
  'aes-256-gcm': 32,
};
/** The largest key period (and segment index) the formats can name: they are written as u32. */
export const MAX_PERIOD = 0xffffffff;

export interface SegmentKeyParams {
  readonly videoId: string;
  /** Rendition name as stored, e.g. "hd" (the directory under videos/<id>/hls/). */
  readonly rendition: string;
  /** Key period: `keyPeriodForSegment(segmentIndex, keyRotationSegments)`. */
  readonly period: number;
  readonly scheme: SegmentScheme;
}

/**
 * Derives the content key of one key period. `dataKey` is the raw 32-byte DK, or a WebCrypto
 * HKDF key with usage `deriveBits` (e.g. imported non-extractable by a key service that keeps DK
 * as a CryptoKey). Throws `TypeError`/`RangeError` for arguments outside the contract (they are
 * bugs in the caller); messages never contain key bytes.
 */
export async function deriveSegmentKey(
  dataKey: Uint8Array | CryptoKey,
  params: SegmentKeyParams,
): Promise<Uint8Array<ArrayBuffer>> {
  const length = SEGMENT_KEY_LENGTHS[params.scheme];
  if (length === undefined) {
    throw new TypeError(
      `Unknown segment scheme ${JSON.stringify(params.scheme)}; use "aes-128" or "aes-256-gcm".`,
    );
  }
  const info = segmentKeyInfo(params);
  const hkdfKey = await importDataKey(dataKey);
  const bits = await globalThis.crypto.subtle.deriveBits(
    { name: 'HKDF', hash: 'SHA-256', salt: utf8Encode(SEGMENT_KEY_SALT), info },
    hkdfKey,
    length * 8,
  );
  return new Uint8Array(bits);
}

/** The HKDF `info` bytes for `params` (exported for tests and independent implementations). */
export function segmentKeyInfo(params: SegmentKeyParams): Uint8Array<ArrayBuffer> {
  assertPeriod(params.period, 'period');
  const period = new Uint8Array(4);
  writeU32BE(period, 0, params.period);
  return concatBytes(
    lengthPrefixed(params.scheme, 'scheme'),
    lengthPrefixed(params.videoId, 'videoId'),
    lengthPrefixed(params.rendition, 'rendition'),
    period,
  );
}

/**
 * Which key period segment `segmentIndex` (0-based, = its media sequence number) falls in:
 * periods are `keyRotationSegments` consecutive segments; 0 means one period for the whole
 * rendition.
 */
export function keyPeriodForSegment(segmentIndex: number, keyRotationSegments: number): number {
  assertPeriod(segmentIndex, 'segmentIndex');
  if (!Number.isInteger(keyRotationSegments) || keyRotationSegments < 0) {
    throw new RangeError(`keyRotationSegments must be a non-negative integer; got ${keyRotationSegments}.`);
  }
  return keyRotationSegments === 0 ? 0 : Math.floor(segmentIndex / keyRotationSegments);
}

/**
 * `lp(x)` of the formats: u16 big-endian byte length, then UTF-8. Shared with the private segment
 * format's AAD. Empty strings are refused: every field names something.
 */
export function lengthPrefixed(text: string, field: string): Uint8Array<ArrayBuffer> {
  if (typeof text !== 'string' || text === '') throw new TypeError(`${field} must be a non-empty string.`);
  const bytes = utf8Encode(text);
  if (bytes.length > 0xffff) throw new RangeError(`${field} must be at most 65535 bytes of UTF-8.`);
  const out = new Uint8Array(2 + bytes.length);
  writeU16BE(out, 0, bytes.length);
  out.set(bytes, 2);
  return out;
}

function assertPeriod(value: number, field: string): void {
  if (!Number.isInteger(value) || value < 0 || value > MAX_PERIOD) {
    throw new RangeError(`${field} must be an integer from 0 to ${MAX_PERIOD}; got ${value}.`);
  }
}

async function importDataKey(dataKey: Uint8Array | CryptoKey): Promise<CryptoKey> {
  if (dataKey instanceof Uint8Array) {
    if (dataKey.length !== DATA_KEY_LENGTH) {
      throw new RangeError(`A data key must be ${DATA_KEY_LENGTH} bytes; got ${dataKey.length}.`);
    }
    // Copy into a fresh ArrayBuffer (WebCrypto wants a BufferSource; callers may pass a view of
    // a larger buffer), and wipe the copy once WebCrypto holds the key.
    const raw = new Uint8Array(dataKey);
    try {
      return await globalThis.crypto.subtle.importKey('raw', raw, 'HKDF', false, ['deriveBits']);
    } finally {
      raw.fill(0);
    }
  }
  if (dataKey.algorithm.name !== 'HKDF' || !dataKey.usages.includes('deriveBits')) {
    throw new TypeError('A data key given as a CryptoKey must be an HKDF key with usage "deriveBits".');
  }
  return dataKey;
}
