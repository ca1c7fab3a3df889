/**
 * Private-key exchange (docs/formats.md, "Private key exchange"; DESIGN §5, "Private
 * encryption"). The key service never sends a period key of a private (SVS1) rendition in the
 * clear: the SDK makes an ephemeral ECDH P-256 key pair, sends the public half with its play
 * token, and receives the 32-byte period key wrapped under a key only the two ends can derive.
 *
 *   client                                   key service
 *   (c, C) = ECDH P-256 keygen
 *   C ───────────────────────────────────►   (s, S) = ECDH P-256 keygen   (fresh per request)
 *                                            Z    = ECDH(s, C)            (32-byte x-coordinate)
 *                                            kw   = HKDF-SHA256(Z, salt = label,
 *                                                     info = C || S || ctx, 32 bytes)
 *                                            wrapped = AES-256-GCM(kw, iv, aad = ctx, periodKey)
 *   ◄──────────────────────────── S, iv, wrapped
 *   Z = ECDH(c, S); kw likewise; unwrapKey → non-extractable AES-GCM key (usage "decrypt")
 *
 *   label = UTF-8("securevod/key-exchange/v1")
 *   ctx   = lp(videoId) || lp(rendition) || u32(period)     (lp as in the key hierarchy)
 *   C, S  = 65-byte uncompressed points (0x04 || X || Y), sent as base64url without padding
 *
 * Both public keys are in the HKDF info, so a response answers exactly one request; the context
 * is in the info and the AAD, so a response for another video, rendition or period does not
 * unwrap. The client unwraps with `subtle.unwrapKey`: the period key never exists as bytes in
 * the page, and the CryptoKey it gets cannot be exported. (A page that is itself compromised can
 * still use the key to decrypt — DESIGN §8 says what this does and does not protect.)
 *
 * Isomorphic: WebCrypto only. Errors: `KeyExchangeError` — `InvalidPublicKey` when the client's
 * public key is not a P-256 point (the key service answers 400), `UnwrapFailed` with one fixed
 * message for anything wrong with a response (another key pair or context, altered or malformed
 * bytes). Arguments outside the contract throw `TypeError`/`RangeError`. No message contains key
 * bytes.
 */
import {
  EncodingError,
  base64ToBytes,
  bytesToBase64,
  concatBytes,
  randomBytes,
  utf8Encode,
  writeU32BE,
} from './bytes.js';
import { MAX_PERIOD, lengthPrefixed } from './key-derivation.js';

export const KEY_EXCHANGE_LABEL = 'securevod/key-exchange/v1';
/** Length of a raw uncompressed P-256 public key: 0x04 || X (32) || Y (32). */
export const KEY_EXCHANGE_PUBLIC_KEY_LENGTH = 65;
export const KEY_EXCHANGE_IV_LENGTH = 12;
/** The wrapped period key: 32 bytes of AES-256-GCM ciphertext, then the 16-byte tag. */
export const KEY_EXCHANGE_WRAPPED_LENGTH = 48;
const PERIOD_KEY_LENGTH = 32;
const CURVE = { name: 'ECDH', namedCurve: 'P-256' } as const;

export type KeyExchangeErrorCode = 'InvalidPublicKey' | 'UnwrapFailed';

export class KeyExchangeError extends Error {
  override readonly name = 'KeyExchangeError';
  constructor(
    readonly code: KeyExchangeErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export const INVALID_PUBLIC_KEY_MESSAGE =
  'The client public key is not a P-256 point: send the base64url (no padding) of the 65-byte uncompressed raw key.';
export const UNWRAP_FAILED_MESSAGE =
  'The wrapped key could not be opened: it was made for another key pair, video, rendition or period, or it was altered.';

/** Which period key is exchanged; bound into the HKDF info and the AAD. */
export interface KeyExchangeContext {
  readonly videoId: string;
  /** Stored rendition name, as in `deriveSegmentKey`. */
  readonly rendition: string;
  /** Key period, as in `deriveSegmentKey`. */
  readonly period: number;
}

export interface KeyExchangeRequest {
  /** Non-extractable ECDH P-256 private key, usage `deriveBits`; keep it for `unwrapKeyFromServer`. */
  readonly privateKey: CryptoKey;
  /** base64url (no padding) of the 65-byte uncompressed public point; send this to the key service. */
  readonly publicKey: string;
}

/** What the key service answers; every field is base64url without padding. */
export interface KeyExchangeResponse {
  readonly serverPublicKey: string;
  readonly iv: string;
  readonly wrappedKey: string;
}

export interface WrapKeyOptions {
  readonly clientPublicKey: string;
  /** The 32-byte `aes-256-gcm` period key from `deriveSegmentKey`. */
  readonly key: Uint8Array;
  readonly context: KeyExchangeContext;
  /** TESTS ONLY: a fixed server key pair and IV for a reproducible test vector. Never in production. */
  readonly _fixed?: { readonly serverKeyPair: CryptoKeyPair; readonly iv: Uint8Array };
}

export interface UnwrapKeyOptions {
  readonly privateKey: CryptoKey;
  /** The `publicKey` string of the same request (WebCrypto cannot recompute it from the private key). */
  readonly clientPublicKey: string;
  readonly response: KeyExchangeResponse;
  readonly context: KeyExchangeContext;
}

/** Client, once per key request (a key pair is cheap; never reuse one across requests). */
export async function createKeyExchangeRequest(): Promise<KeyExchangeRequest> {
  const pair = await globalThis.crypto.subtle.generateKey(CURVE, false, ['deriveBits']);
  const raw = new Uint8Array(await globalThis.crypto.subtle.exportKey('raw', pair.publicKey));
  return { privateKey: pair.privateKey, publicKey: bytesToBase64Url(raw) };
}

/**
 * Key service: wraps one period key for the client that sent `clientPublicKey`. The caller has
 * already checked the play token against `context`. Throws `KeyExchangeError('InvalidPublicKey')`
 * for a public key that is not a valid P-256 point.
 */
export async function wrapKeyForClient(opts: WrapKeyOptions): Promise<KeyExchangeResponse> {
  if (!(opts.key instanceof Uint8Array) || opts.key.length !== PERIOD_KEY_LENGTH) {
    throw new RangeError(`The period key must be ${PERIOD_KEY_LENGTH} bytes.`);
  }
  const ctx = contextBytes(opts.context);
  const clientRaw = decodePublicKey(opts.clientPublicKey);
  let clientKey: CryptoKey;
  try {
    clientKey = await globalThis.crypto.subtle.importKey('raw', clientRaw, CURVE, true, []);
  } catch (cause) {
    throw new KeyExchangeError('InvalidPublicKey', INVALID_PUBLIC_KEY_MESSAGE, { cause });
  }

  const server =
    opts._fixed?.serverKeyPair ?? (await globalThis.crypto.subtle.generateKey(CURVE, false, ['deriveBits']));
  const serverRaw = new Uint8Array(await globalThis.crypto.subtle.exportKey('raw', server.publicKey));
  const iv = opts._fixed ? Uint8Array.from(opts._fixed.iv) : randomBytes(KEY_EXCHANGE_IV_LENGTH);
  if (iv.length !== KEY_EXCHANGE_IV_LENGTH) throw new RangeError('The fixed IV must be 12 bytes.');

  const wrappingKey = await deriveWrappingKey(server.privateKey, clientKey, clientRaw, serverRaw, ctx, [
    'encrypt',
  ]);
  const plaintext = Uint8Array.from(opts.key);
  try {
    const sealed = await globalThis.crypto.subtle.encrypt(
      { name: 'AES-GCM', iv, additionalData: ctx, tagLength: 128 },
      wrappingKey,
      plaintext,
    );
    return {
      serverPublicKey: bytesToBase64Url(serverRaw),
      iv: bytesToBase64Url(iv),
      wrappedKey: bytesToBase64Url(new Uint8Array(sealed)),
    };
  } finally {
    plaintext.fill(0);
  }
}

/**
 * Client: opens the response into a non-extractable AES-GCM 256 key with usage `decrypt` — what
 * `decryptPrivateSegment` takes. Throws `KeyExchangeError('UnwrapFailed')` for any response that
 * was not made for this key pair and context, or was altered.
 */
export async function unwrapKeyFromServer(opts: UnwrapKeyOptions): Promise<CryptoKey> {
  const algorithm = opts.privateKey?.algorithm as Partial<EcKeyAlgorithm> | undefined;
  if (
    algorithm?.name !== 'ECDH' ||
    algorithm.namedCurve !== 'P-256' ||
    opts.privateKey.type !== 'private' ||
    !opts.privateKey.usages.includes('deriveBits')
  ) {
    throw new TypeError('privateKey must be the ECDH P-256 private key of createKeyExchangeRequest().');
  }
  const ctx = contextBytes(opts.context);
  const clientRaw = decodePublicKey(opts.clientPublicKey);
  const response = opts.response;
  try {
    const serverRaw = decodeResponseField(response?.serverPublicKey, KEY_EXCHANGE_PUBLIC_KEY_LENGTH);
    const iv = decodeResponseField(response?.iv, KEY_EXCHANGE_IV_LENGTH);
    const wrapped = decodeResponseField(response?.wrappedKey, KEY_EXCHANGE_WRAPPED_LENGTH);
    const serverKey = await globalThis.crypto.subtle.importKey('raw', serverRaw, CURVE, true, []);
    const wrappingKey = await deriveWrappingKey(opts.privateKey, serverKey, clientRaw, serverRaw, ctx, [
      'unwrapKey',
    ]);
    return await globalThis.crypto.subtle.unwrapKey(
      'raw',
      wrapped,
      wrappingKey,
      { name: 'AES-GCM', iv, additionalData: ctx, tagLength: 128 },
      { name: 'AES-GCM', length: 256 },
      false,
      ['decrypt'],
    );
  } catch (cause) {
    throw new KeyExchangeError('UnwrapFailed', UNWRAP_FAILED_MESSAGE, { cause });
  }
}

/** `ctx` of the file comment (exported for tests and independent implementations). */
export function keyExchangeContextBytes(context: KeyExchangeContext): Uint8Array<ArrayBuffer> {
  return contextBytes(context);
}

/** base64url (RFC 4648 §5) without padding, as used on the wire by the key exchange. */
export function bytesToBase64Url(bytes: Uint8Array): string {
  return bytesToBase64(bytes).replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_');
}

/**
 * Strict inverse of `bytesToBase64Url`: URL alphabet only, no padding, canonical. Throws
 * `EncodingError` otherwise.
 */
export function base64UrlToBytes(text: string): Uint8Array<ArrayBuffer> {
  if (typeof text !== 'string' || /[^A-Za-z0-9_-]/.test(text) || text.length % 4 === 1) {
    throw new EncodingError(
      'base64url text may contain only A-Z, a-z, 0-9, "-" and "_", without padding, and cannot be 1 more than a multiple of 4 long.',
    );
  }
  const std = text.replace(/-/g, '+').replace(/_/g, '/');
  return base64ToBytes(std + '='.repeat((4 - (std.length % 4)) % 4));
}

// ---------------------------------------------------------------------------------------------

async function deriveWrappingKey(
  ownPrivate: CryptoKey,
  peerPublic: CryptoKey,
  clientRaw: Uint8Array<ArrayBuffer>,
  serverRaw: Uint8Array<ArrayBuffer>,
  ctx: Uint8Array<ArrayBuffer>,
  usages: KeyUsage[],
): Promise<CryptoKey> {
  const shared = new Uint8Array(
    await globalThis.crypto.subtle.deriveBits({ name: 'ECDH', public: peerPublic }, ownPrivate, 256),
  );
  try {
    const ikm = await globalThis.crypto.subtle.importKey('raw', shared, 'HKDF', false, ['deriveKey']);
    return await globalThis.crypto.subtle.deriveKey(
      {
        name: 'HKDF',
        hash: 'SHA-256',
        salt: utf8Encode(KEY_EXCHANGE_LABEL),
        info: concatBytes(clientRaw, serverRaw, ctx),
      },
      ikm,
      { name: 'AES-GCM', length: 256 },
      false,
      usages,
    );
  } finally {
    shared.fill(0);
  }
}

function contextBytes(context: KeyExchangeContext): Uint8Array<ArrayBuffer> {
  if (typeof context !== 'object' || context === null) throw new TypeError('context is required.');
  const { period } = context;
  if (!Number.isInteger(period) || period < 0 || period > MAX_PERIOD) {
    throw new RangeError(`period must be an integer from 0 to ${MAX_PERIOD}; got ${period}.`);
  }
  const u32 = new Uint8Array(4);
  writeU32BE(u32, 0, period);
  return concatBytes(
    lengthPrefixed(context.videoId, 'videoId'),
    lengthPrefixed(context.rendition, 'rendition'),
    u32,
  );
}

/**
 * The client's key as sent: base64url of 65 bytes starting 0x04. Whether the point is on the
 * curve is checked by `importKey` (WebCrypto refuses points off P-256). Compressed points are
 * refused here although Node would import them: the format has one encoding.
 */
function decodePublicKey(text: string): Uint8Array<ArrayBuffer> {
  let raw: Uint8Array<ArrayBuffer>;
  try {
    raw = base64UrlToBytes(text);
  } catch (cause) {
    throw new KeyExchangeError('InvalidPublicKey', INVALID_PUBLIC_KEY_MESSAGE, { cause });
  }
  if (raw.length !== KEY_EXCHANGE_PUBLIC_KEY_LENGTH || raw[0] !== 0x04) {
    throw new KeyExchangeError('InvalidPublicKey', INVALID_PUBLIC_KEY_MESSAGE);
  }
  return raw;
}

function decodeResponseField(text: unknown, length: number): Uint8Array<ArrayBuffer> {
  const bytes = base64UrlToBytes(text as string);
  if (bytes.length !== length)
    throw new RangeError(`A response field has ${bytes.length} bytes, not ${length}.`);
  return bytes;
}
