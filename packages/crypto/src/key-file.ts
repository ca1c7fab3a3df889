/**
 * The AppEncryptKey key file, format v1 (docs/formats.md, "Key file (AppEncryptKey)").
 *
 * `GenerateDownloadSecretKey` creates one per call and returns it base64-encoded; the app ships it
 * together with its AppDecryptKey. It holds the app's 256-bit download secret encrypted with
 * AES-256-GCM under a key derived by PBKDF2-HMAC-SHA256 from the AppDecryptKey, a random salt and
 * the canonical AppIdentification, so the file opens only for that app with that key. Offline
 * package keys are later wrapped (AES-GCM) under the secret; `openKeyFile` hands it out as a
 * CryptoKey for exactly that.
 *
 * Layout (92 bytes, big-endian):
 *
 *   off len field
 *   0   4   magic "SVKF"
 *   4   1   format version = 1
 *   5   1   KDF id = 1 (PBKDF2-HMAC-SHA256)
 *   6   2   reserved = 0
 *   8   4   iterations (u32), default 600000, accepted 100000..10000000
 *   12  16  salt (random)
 *   28  4   secret version (u32)
 *   32  12  AES-GCM IV (random)
 *   44  48  AES-256-GCM(secret, 32 B) ciphertext + 16 B tag, AAD = bytes 0..43
 *
 * Errors: a structurally wrong file is `KeyFileError('Malformed')` with a specific message. Every
 * cryptographic mismatch — wrong AppDecryptKey, another app, any altered authenticated byte — is
 * one and the same `KeyFileError('NotLicensed')`, so the error does not tell an attacker which
 * input was wrong.
 */
import { checkAppDecryptKey, AppDecryptKeyError } from './app-decrypt-key.js';
import { normalizeAppIdentification } from './app-identification.js';
import {
  base64ToBytes,
  bytesToBase64,
  concatBytes,
  randomBytes,
  readU16BE,
  readU32BE,
  utf8Encode,
  writeU16BE,
  writeU32BE,
} from './bytes.js';

export const KEY_FILE_MAGIC = 'SVKF';
export const KEY_FILE_FORMAT_VERSION = 1;
export const KEY_FILE_LENGTH = 92;
export const KEY_FILE_KDF_PBKDF2_SHA256 = 1;
export const KEY_FILE_DEFAULT_ITERATIONS = 600_000;
export const KEY_FILE_MIN_ITERATIONS = 100_000;
export const KEY_FILE_MAX_ITERATIONS = 10_000_000;
/** Domain-separation prefix of the PBKDF2 salt; followed by 0x00, the random salt and the app. */
export const KEY_FILE_SALT_LABEL = 'securevod/keyfile/v1';

const SECRET_LENGTH = 32;
const SALT_OFFSET = 12;
const SALT_LENGTH = 16;
const VERSION_OFFSET = 28;
const IV_OFFSET = 32;
const IV_LENGTH = 12;
const HEADER_LENGTH = 44;

export const NOT_LICENSED_MESSAGE =
  'This key file is not licensed for this app: the AppIdentification or AppDecryptKey does not match, or the file has been altered.';

export type KeyFileErrorCode = 'NotLicensed' | 'Malformed';

export class KeyFileError extends Error {
  override readonly name = 'KeyFileError';
  constructor(
    readonly code: KeyFileErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export interface KeyFileHeader {
  readonly formatVersion: number;
  readonly kdf: 'PBKDF2-HMAC-SHA256';
  readonly iterations: number;
  readonly secretVersion: number;
}

export interface CreateKeyFileOptions {
  /** The app's 256-bit download secret (plaintext, held only in memory by the caller). */
  readonly secret: Uint8Array;
  /** u32; the server numbers each new secret of an app. */
  readonly secretVersion: number;
  /** Any accepted form; normalised before use. */
  readonly appIdentification: string;
  readonly appDecryptKey: string;
  /** PBKDF2 iterations, 100000..10000000; default 600000. */
  readonly iterations?: number;
  /** TESTS ONLY: fixed salt (16 B) and IV (12 B) for a reproducible test vector. Never set in production. */
  readonly _fixed?: { readonly salt: Uint8Array; readonly iv: Uint8Array };
}

export interface OpenKeyFileOptions {
  /** The app's own identification, any accepted form (the web SDK passes `location.origin`). */
  readonly appIdentification: string;
  readonly appDecryptKey: string;
  /** Default false; true only where the raw secret must be read (tests, re-wrapping). */
  readonly extractable?: boolean;
}

export interface OpenedKeyFile {
  readonly secretVersion: number;
  /** Canonical form, e.g. `android:BB:0D:…:5A`. */
  readonly appIdentification: string;
  /** AES-GCM 256 key, usages `decrypt` and `unwrapKey`. */
  readonly secretKey: CryptoKey;
}

/**
 * Builds a key file. Throws `AppDecryptKeyError` or `AppIdentificationError` for bad user input,
 * and `RangeError` for a wrong secret length, secret version or iteration count (caller bugs).
 */
export async function createKeyFile(opts: CreateKeyFileOptions): Promise<Uint8Array> {
  const keyProblem = checkAppDecryptKey(opts.appDecryptKey);
  if (keyProblem !== null) throw new AppDecryptKeyError(keyProblem);
  const app = normalizeAppIdentification(opts.appIdentification);
  if (!(opts.secret instanceof Uint8Array) || opts.secret.length !== SECRET_LENGTH) {
    throw new RangeError(`The download secret must be ${SECRET_LENGTH} bytes.`);
  }
  if (!Number.isInteger(opts.secretVersion) || opts.secretVersion < 0 || opts.secretVersion > 0xffffffff) {
    throw new RangeError(
      `The secret version must be an integer from 0 to 4294967295; got ${opts.secretVersion}.`,
    );
  }
  const iterations = opts.iterations ?? KEY_FILE_DEFAULT_ITERATIONS;
  if (!validIterations(iterations)) {
    throw new RangeError(
      `PBKDF2 iterations must be an integer from ${KEY_FILE_MIN_ITERATIONS} to ${KEY_FILE_MAX_ITERATIONS}; got ${iterations}.`,
    );
  }
  const salt = opts._fixed ? Uint8Array.from(opts._fixed.salt) : randomBytes(SALT_LENGTH);
  const iv = opts._fixed ? Uint8Array.from(opts._fixed.iv) : randomBytes(IV_LENGTH);
  if (salt.length !== SALT_LENGTH || iv.length !== IV_LENGTH) {
    throw new RangeError(`The fixed salt must be ${SALT_LENGTH} bytes and the IV ${IV_LENGTH} bytes.`);
  }

  const header = new Uint8Array(HEADER_LENGTH);
  header.set(utf8Encode(KEY_FILE_MAGIC), 0);
  header[4] = KEY_FILE_FORMAT_VERSION;
  header[5] = KEY_FILE_KDF_PBKDF2_SHA256;
  writeU16BE(header, 6, 0);
  writeU32BE(header, 8, iterations);
  header.set(salt, SALT_OFFSET);
  writeU32BE(header, VERSION_OFFSET, opts.secretVersion);
  header.set(iv, IV_OFFSET);

  const wrappingKey = await deriveWrappingKey(opts.appDecryptKey, salt, app.canonical, iterations, 'encrypt');
  const plaintext = Uint8Array.from(opts.secret);
  try {
    const sealed = await globalThis.crypto.subtle.encrypt(
      { name: 'AES-GCM', iv, additionalData: header, tagLength: 128 },
      wrappingKey,
      plaintext,
    );
    return concatBytes(header, new Uint8Array(sealed));
  } finally {
    plaintext.fill(0);
  }
}

/**
 * Opens a key file for one app. Throws `KeyFileError('Malformed')` for a structurally wrong file,
 * `AppIdentificationError` for a malformed identification (a caller bug), and
 * `KeyFileError('NotLicensed')` for everything that does not match.
 */
export async function openKeyFile(file: Uint8Array, opts: OpenKeyFileOptions): Promise<OpenedKeyFile> {
  const header = readKeyFileHeader(file);
  const app = normalizeAppIdentification(opts.appIdentification);
  // A key that breaks the creation rules cannot have made any file: it is simply the wrong key.
  if (typeof opts.appDecryptKey !== 'string' || checkAppDecryptKey(opts.appDecryptKey) !== null) {
    throw notLicensed();
  }
  const bytes = Uint8Array.from(file);
  const salt = bytes.slice(SALT_OFFSET, SALT_OFFSET + SALT_LENGTH);
  const wrappingKey = await deriveWrappingKey(
    opts.appDecryptKey,
    salt,
    app.canonical,
    header.iterations,
    'decrypt',
  );
  let secret: Uint8Array<ArrayBuffer>;
  try {
    secret = new Uint8Array(
      await globalThis.crypto.subtle.decrypt(
        {
          name: 'AES-GCM',
          iv: bytes.slice(IV_OFFSET, IV_OFFSET + IV_LENGTH),
          additionalData: bytes.slice(0, HEADER_LENGTH),
          tagLength: 128,
        },
        wrappingKey,
        bytes.slice(HEADER_LENGTH),
      ),
    );
  } catch {
    // AES-GCM reports every mismatch as the same OperationError; so do we.
    throw notLicensed();
  }
  try {
    const secretKey = await globalThis.crypto.subtle.importKey(
      'raw',
      secret,
      { name: 'AES-GCM', length: 256 },
      opts.extractable ?? false,
      ['decrypt', 'unwrapKey'],
    );
    return { secretVersion: header.secretVersion, appIdentification: app.canonical, secretKey };
  } finally {
    secret.fill(0);
  }
}

/** The public fields of a key file, without deriving anything. Throws `KeyFileError('Malformed')`. */
export function readKeyFileHeader(file: Uint8Array): KeyFileHeader {
  if (!(file instanceof Uint8Array)) throw malformed('The key file must be given as bytes (a Uint8Array).');
  if (file.length !== KEY_FILE_LENGTH) {
    throw malformed(`A key file is ${KEY_FILE_LENGTH} bytes long; this one has ${file.length}.`);
  }
  for (let i = 0; i < KEY_FILE_MAGIC.length; i++) {
    if (file[i] !== KEY_FILE_MAGIC.charCodeAt(i)) {
      throw malformed(`This is not a securevod key file: it does not start with "${KEY_FILE_MAGIC}".`);
    }
  }
  const formatVersion = file[4]!;
  if (formatVersion !== KEY_FILE_FORMAT_VERSION) {
    throw malformed(
      `Key file format version ${formatVersion} is not supported; this library reads version ${KEY_FILE_FORMAT_VERSION}.`,
    );
  }
  const kdf = file[5]!;
  if (kdf !== KEY_FILE_KDF_PBKDF2_SHA256) {
    throw malformed(`Key file KDF id ${kdf} is not supported; format version 1 uses 1 (PBKDF2-HMAC-SHA256).`);
  }
  if (readU16BE(file, 6) !== 0) throw malformed('Key file reserved bytes 6..7 must be zero.');
  const iterations = readU32BE(file, 8);
  if (!validIterations(iterations)) {
    throw malformed(
      `Key file PBKDF2 iteration count ${iterations} is outside the accepted ${KEY_FILE_MIN_ITERATIONS} to ${KEY_FILE_MAX_ITERATIONS}.`,
    );
  }
  return {
    formatVersion,
    kdf: 'PBKDF2-HMAC-SHA256',
    iterations,
    secretVersion: readU32BE(file, VERSION_OFFSET),
  };
}

/** AppEncryptKey as returned by the API: base64 (standard alphabet, padded) of the file bytes. */
export function encodeAppEncryptKey(file: Uint8Array): string {
  return bytesToBase64(file);
}

/** Inverse of `encodeAppEncryptKey`; ignores whitespace (pasted, wrapped text). */
export function decodeAppEncryptKey(text: string): Uint8Array {
  if (typeof text !== 'string') throw malformed('The AppEncryptKey must be given as base64 text.');
  try {
    return base64ToBytes(text.replace(/\s+/g, ''));
  } catch (error) {
    throw malformed(`The AppEncryptKey is not valid base64. ${(error as Error).message}`);
  }
}

/**
 * PBKDF2-HMAC-SHA256(password = utf8(AppDecryptKey),
 *   salt = utf8("securevod/keyfile/v1") || 0x00 || salt || utf8(canonical AppIdentification))
 * → AES-256-GCM key. The label separates this use of the password from any other; the 0x00 ends
 * the label; the random salt has a fixed length, so the app identification needs no terminator.
 */
async function deriveWrappingKey(
  appDecryptKey: string,
  salt: Uint8Array,
  canonicalApp: string,
  iterations: number,
  usage: 'encrypt' | 'decrypt',
): Promise<CryptoKey> {
  const subtle = globalThis.crypto.subtle;
  const password = await subtle.importKey('raw', utf8Encode(appDecryptKey), 'PBKDF2', false, ['deriveKey']);
  return subtle.deriveKey(
    {
      name: 'PBKDF2',
      hash: 'SHA-256',
      salt: concatBytes(utf8Encode(KEY_FILE_SALT_LABEL), new Uint8Array([0]), salt, utf8Encode(canonicalApp)),
      iterations,
    },
    password,
    { name: 'AES-GCM', length: 256 },
    false,
    [usage],
  );
}

function validIterations(n: number): boolean {
  return Number.isInteger(n) && n >= KEY_FILE_MIN_ITERATIONS && n <= KEY_FILE_MAX_ITERATIONS;
}

function notLicensed(): KeyFileError {
  return new KeyFileError('NotLicensed', NOT_LICENSED_MESSAGE);
}

function malformed(message: string): KeyFileError {
  return new KeyFileError('Malformed', message);
}
