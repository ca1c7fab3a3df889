/**
 * Byte helpers shared by every securevod format. Isomorphic on purpose: this package runs in
 * Node 20 and in browsers, so it uses only Uint8Array, TextEncoder/TextDecoder and WebCrypto —
 * never `Buffer` or `node:` modules.
 *
 * Functions that produce bytes return `Uint8Array<ArrayBuffer>` (a fresh, unshared buffer), which
 * is what WebCrypto's `BufferSource` accepts; callers may pass any Uint8Array in.
 */

const BASE64_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const BASE64_LOOKUP = (() => {
  const table = new Int16Array(128).fill(-1);
  for (let i = 0; i < BASE64_ALPHABET.length; i++) table[BASE64_ALPHABET.charCodeAt(i)] = i;
  return table;
})();

/** Thrown by `base64ToBytes` and `hexToBytes`; the message says what is wrong, never the input. */
export class EncodingError extends Error {
  override readonly name = 'EncodingError';
  readonly code = 'InvalidEncoding';
}

/** Base64, standard alphabet (RFC 4648 §4) with `=` padding. */
export function bytesToBase64(bytes: Uint8Array): string {
  let out = '';
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
    out +=
      BASE64_ALPHABET[n >> 18]! +
      BASE64_ALPHABET[(n >> 12) & 63]! +
      BASE64_ALPHABET[(n >> 6) & 63]! +
      BASE64_ALPHABET[n & 63]!;
  }
  const rest = bytes.length - i;
  if (rest === 1) {
    const n = bytes[i]! << 16;
    out += BASE64_ALPHABET[n >> 18]! + BASE64_ALPHABET[(n >> 12) & 63]! + '==';
  } else if (rest === 2) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8);
    out +=
      BASE64_ALPHABET[n >> 18]! + BASE64_ALPHABET[(n >> 12) & 63]! + BASE64_ALPHABET[(n >> 6) & 63]! + '=';
  }
  return out;
}

/**
 * Strict decoder for the output of `bytesToBase64`: standard alphabet, length a multiple of 4,
 * padding only at the end, unused bits zero (so every byte string has exactly one encoding).
 * Whitespace is not skipped here; callers that tolerate it strip it first.
 */
export function base64ToBytes(text: string): Uint8Array<ArrayBuffer> {
  if (text.length % 4 !== 0) {
    throw new EncodingError(`Base64 text must have a length that is a multiple of 4; it has ${text.length}.`);
  }
  const padding = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
  const out = new Uint8Array((text.length / 4) * 3 - padding);
  const body = text.length - padding;
  let o = 0;
  for (let i = 0; i < text.length; i += 4) {
    let n = 0;
    for (let j = 0; j < 4; j++) {
      const pos = i + j;
      let v = 0;
      if (pos < body) {
        const c = text.charCodeAt(pos);
        v = c < 128 ? BASE64_LOOKUP[c]! : -1;
        if (v < 0) {
          throw new EncodingError(
            `Base64 text may contain only A-Z, a-z, 0-9, "+", "/" and trailing "=" padding (found another character at position ${pos + 1}).`,
          );
        }
      }
      n = (n << 6) | v;
    }
    if (o < out.length) out[o++] = n >> 16;
    if (o < out.length) out[o++] = (n >> 8) & 255;
    else if (padding === 2 && (n & 0xffff) !== 0) throw nonCanonical();
    if (o < out.length) out[o++] = n & 255;
    else if (padding === 1 && i + 4 === text.length && (n & 0xff) !== 0) throw nonCanonical();
  }
  return out;
}

function nonCanonical(): EncodingError {
  return new EncodingError('Base64 text is not canonical: the bits before the "=" padding must be zero.');
}

/** Lowercase hex, two digits per byte. */
export function bytesToHex(bytes: Uint8Array): string {
  let out = '';
  for (const b of bytes) out += b.toString(16).padStart(2, '0');
  return out;
}

/** Hex (either case, no separators, even length) to bytes. */
export function hexToBytes(hex: string): Uint8Array<ArrayBuffer> {
  if (hex.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(hex)) {
    throw new EncodingError('Hex text must be an even number of digits 0-9, a-f or A-F with no separators.');
  }
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return out;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

export function utf8Encode(text: string): Uint8Array<ArrayBuffer> {
  return encoder.encode(text) as Uint8Array<ArrayBuffer>;
}

/** Throws a `TypeError` for bytes that are not valid UTF-8 (no silent U+FFFD replacement). */
export function utf8Decode(bytes: Uint8Array): string {
  return decoder.decode(bytes);
}

export function concatBytes(...parts: readonly Uint8Array[]): Uint8Array<ArrayBuffer> {
  let length = 0;
  for (const p of parts) length += p.length;
  const out = new Uint8Array(length);
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

/**
 * Compares two byte strings in time that depends only on their lengths (lengths are not secret
 * in any of our uses). Use it for MACs, tokens and key checks.
 */
export function timingSafeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

/** Reads a big-endian unsigned 32-bit integer; throws a `RangeError` past the end. */
export function readU32BE(bytes: Uint8Array, offset: number): number {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(offset, false);
}

/** Writes a big-endian unsigned 32-bit integer; throws a `RangeError` for a value outside u32. */
export function writeU32BE(bytes: Uint8Array, offset: number, value: number): void {
  if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) {
    throw new RangeError(`A u32 must be an integer from 0 to 4294967295; got ${value}.`);
  }
  new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).setUint32(offset, value, false);
}

/** Reads a big-endian unsigned 16-bit integer; throws a `RangeError` past the end. */
export function readU16BE(bytes: Uint8Array, offset: number): number {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint16(offset, false);
}

/** Writes a big-endian unsigned 16-bit integer; throws a `RangeError` for a value outside u16. */
export function writeU16BE(bytes: Uint8Array, offset: number, value: number): void {
  if (!Number.isInteger(value) || value < 0 || value > 0xffff) {
    throw new RangeError(`A u16 must be an integer from 0 to 65535; got ${value}.`);
  }
  new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).setUint16(offset, value, false);
}

/** Cryptographically random bytes from WebCrypto (which fills at most 65536 bytes per call). */
export function randomBytes(n: number): Uint8Array<ArrayBuffer> {
  if (!Number.isInteger(n) || n < 0)
    throw new RangeError(`randomBytes needs a non-negative integer; got ${n}.`);
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i += 65536)
    globalThis.crypto.getRandomValues(out.subarray(i, Math.min(n, i + 65536)));
  return out;
}
