/**
 * KMS on an HSM over PKCS#11 (DESIGN §2, §4): SoftHSM2 in tests, the same interface as network
 * HSMs (CloudHSM, Luna, YubiHSM). The master keys are AES-256 secret keys generated inside the
 * token (C_GenerateKey) as token objects that are private, sensitive and never extractable, so
 * no PKCS#11 call — C_GetAttributeValue(CKA_VALUE), C_WrapKey, C_CopyObject — can bring their
 * value out. Data keys and secrets are encrypted and decrypted by the token with CKM_AES_GCM;
 * the encryption context is bound through GCM's additional data exactly as in the local KMS.
 *
 * Versions and rotation: master key N is the object labelled `<key label>/v<N>` (CKA_ID: N as
 * 4 bytes big-endian). The highest N is current; every blob names its N, so rotating — creating
 * `<key label>/v<N+1>` inside the token — never strands older blobs, which decrypt under their
 * own version for as long as that object exists. Other processes notice a new version when a
 * blob names it (and at their next start for encryption). If two processes rotate at the same
 * moment, two objects may carry one label; decryption then tries each, and the GCM tag decides.
 *
 * Blob (base64 of):  "SVKH" | format 0x01 | master version u32 BE | IV (12) | ciphertext | tag (16)
 * AAD:               the 9 header bytes | canonical JSON of the encryption context (keys sorted)
 */
import { randomBytes } from 'node:crypto';
import pkcs11js from 'pkcs11js';
import { BASE64, canonicalContext } from './encryption-context.js';
import { KmsError, type DataKey, type EncryptionContext, type Kms } from './kms.js';
import {
  codeName,
  openToken,
  Pkcs11SetupError,
  type Handle,
  type Token,
  type TokenAddress,
} from './pkcs11-token.js';

export interface Pkcs11KmsOptions extends TokenAddress {
  /** Base label of the master keys; versions are `<keyLabel>/v<N>`. */
  readonly keyLabel: string;
}

const MAGIC = Buffer.from('SVKH', 'ascii');
const FORMAT_VERSION = 1;
const HEADER_BYTES = 9;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const MAX_VERSION = 0xffffffff;
/** Errors that say the token, not the blob, is the problem. */
const UNAVAILABLE = new Set([
  'CKR_DEVICE_ERROR',
  'CKR_DEVICE_MEMORY',
  'CKR_DEVICE_REMOVED',
  'CKR_TOKEN_NOT_PRESENT',
  'CKR_TOKEN_NOT_RECOGNIZED',
  'CKR_SESSION_CLOSED',
  'CKR_SESSION_HANDLE_INVALID',
  'CKR_USER_NOT_LOGGED_IN',
  'CKR_CRYPTOKI_NOT_INITIALIZED',
  'CKR_HOST_MEMORY',
  'CKR_FUNCTION_FAILED',
  'CKR_OPERATION_ACTIVE',
]);

export interface Pkcs11Kms extends Kms {
  /** Master-key versions present in the token, ascending. */
  versions(): number[];
}

export async function openPkcs11Kms(options: Pkcs11KmsOptions): Promise<Pkcs11Kms> {
  if (!/^[\x20-\x7e]{1,100}$/.test(options.keyLabel)) {
    throw new KmsError('KmsUnavailable', 'The PKCS#11 key label must be 1-100 printable ASCII characters');
  }
  let token: Token;
  try {
    token = openToken(options);
  } catch (error) {
    throw new KmsError('KmsUnavailable', messageOf(error), { cause: error });
  }
  const kms = new HsmKms(token, options.keyLabel);
  try {
    await kms.open();
  } catch (error) {
    await kms.close();
    throw error;
  }
  return kms;
}

class HsmKms implements Pkcs11Kms {
  readonly keyId: string;
  /** Master-key objects by version (several if two processes rotated at once). */
  private readonly keys = new Map<number, Handle[]>();
  private current = 0;
  private closed = false;
  private rotation: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly token: Token,
    private readonly keyLabel: string,
  ) {
    this.keyId = `pkcs11/${keyLabel}`;
  }

  versions(): number[] {
    return [...this.keys.keys()].sort((a, b) => a - b);
  }

  async open(): Promise<void> {
    await this.findKeys();
    if (this.keys.size === 0) await this.createVersion(1);
  }

  async generateDataKey(request: { bytes: 16 | 32; context: EncryptionContext }): Promise<DataKey> {
    if (request.bytes !== 16 && request.bytes !== 32) {
      throw new RangeError(`A data key is 16 or 32 bytes, not ${String(request.bytes)}`);
    }
    const key = randomBytes(request.bytes);
    try {
      const { ciphertextBlob } = await this.encrypt(key, request.context);
      return { keyId: this.keyId, plaintext: new Uint8Array(key), ciphertextBlob };
    } finally {
      key.fill(0);
    }
  }

  async encrypt(
    plaintext: Uint8Array,
    context: EncryptionContext,
  ): Promise<{ keyId: string; ciphertextBlob: string }> {
    this.assertOpen();
    const version = this.current;
    const key = this.keys.get(version)![0]!;
    const header = Buffer.alloc(HEADER_BYTES);
    MAGIC.copy(header, 0);
    header.writeUInt8(FORMAT_VERSION, 4);
    header.writeUInt32BE(version, 5);
    const iv = randomBytes(IV_BYTES);
    const aad = Buffer.concat([header, canonicalContext(context)]);
    const sealed = await this.token
      .withSession(async (session) => {
        const { module } = this.token;
        module.C_EncryptInit(session, gcm(iv, aad), key);
        const out = Buffer.alloc(plaintext.length + TAG_BYTES + 16);
        // pkcs11js refuses an empty input buffer; the multi-part finish seals nothing into a tag.
        if (plaintext.length === 0) return module.C_EncryptFinal(session, out);
        return module.C_EncryptAsync(session, Buffer.from(plaintext), out);
      })
      .catch((error: unknown) => {
        throw unavailable(`The HSM could not encrypt: ${codeName(error)}`, error);
      });
    return { keyId: this.keyId, ciphertextBlob: Buffer.concat([header, iv, sealed]).toString('base64') };
  }

  async decrypt(
    ciphertextBlob: string,
    context: EncryptionContext,
  ): Promise<{ keyId: string; plaintext: Uint8Array }> {
    this.assertOpen();
    if (typeof ciphertextBlob !== 'string' || !BASE64.test(ciphertextBlob)) {
      throw invalid('The ciphertext blob is not base64');
    }
    const blob = Buffer.from(ciphertextBlob, 'base64');
    if (blob.length < HEADER_BYTES + IV_BYTES + TAG_BYTES) throw invalid('The ciphertext blob is too short');
    if (!blob.subarray(0, 4).equals(MAGIC))
      throw invalid('The ciphertext blob was not made by a PKCS#11 KMS');
    if (blob[4] !== FORMAT_VERSION)
      throw invalid(`The ciphertext blob has unknown format version ${blob[4]}`);
    const version = blob.readUInt32BE(5);
    if (version === 0) throw invalid('The ciphertext blob names master key version 0, which never exists');
    if (!this.keys.has(version)) await this.findKeys(); // rotated by another process?
    const candidates = this.keys.get(version);
    if (!candidates) {
      throw new KmsError(
        'KeyVersionNotFound',
        `The ciphertext blob names master key ${this.keyLabel}/v${version}, which is not in ${this.token.description}`,
      );
    }
    const iv = blob.subarray(HEADER_BYTES, HEADER_BYTES + IV_BYTES);
    const sealed = blob.subarray(HEADER_BYTES + IV_BYTES);
    const aad = Buffer.concat([blob.subarray(0, HEADER_BYTES), canonicalContext(context)]);
    for (const key of candidates) {
      const opened = await this.token.withSession(async (session) => {
        const { module } = this.token;
        try {
          module.C_DecryptInit(session, gcm(iv, aad), key);
          return await module.C_DecryptAsync(session, sealed, Buffer.alloc(sealed.length));
        } catch (error) {
          if (UNAVAILABLE.has(codeName(error))) {
            throw unavailable(`The HSM could not decrypt: ${codeName(error)}`, error);
          }
          return undefined; // the tag did not verify under this key
        }
      });
      if (opened) {
        const plaintext = new Uint8Array(opened);
        opened.fill(0);
        return { keyId: this.keyId, plaintext };
      }
    }
    // Deliberately no cause: the message is all a caller needs.
    throw invalid('The ciphertext blob does not match this encryption context, or it was altered');
  }

  rotate(): Promise<{ version: number }> {
    const next = this.rotation.then(async () => {
      this.assertOpen();
      await this.findKeys();
      const version = this.current + 1;
      if (version > MAX_VERSION) throw unavailable('The PKCS#11 KMS has run out of master key versions');
      await this.createVersion(version);
      return { version };
    });
    this.rotation = next.catch(() => undefined);
    return next;
  }

  async ping(): Promise<void> {
    this.assertOpen();
    await this.token
      .withSession((session) => {
        this.token.module.C_GetSessionInfo(session);
      })
      .catch((error: unknown) => {
        throw unavailable(`${this.token.description} does not answer: ${codeName(error)}`, error);
      });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.keys.clear();
    await this.rotation;
    this.token.release();
  }

  private assertOpen(): void {
    if (this.closed) throw unavailable('The PKCS#11 KMS is closed');
  }

  /** Finds every master-key version in the token and makes the highest current. */
  private async findKeys(): Promise<void> {
    const pattern = new RegExp(`^${escapeRegExp(this.keyLabel)}/v([1-9][0-9]{0,9})$`);
    const found = await this.token
      .withSession((session) => {
        const { module } = this.token;
        module.C_FindObjectsInit(session, [
          { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_SECRET_KEY },
          { type: pkcs11js.CKA_KEY_TYPE, value: pkcs11js.CKK_AES },
          { type: pkcs11js.CKA_TOKEN, value: true },
        ]);
        const handles: Handle[] = [];
        try {
          for (
            let batch = module.C_FindObjects(session, 100);
            batch.length > 0;
            batch = module.C_FindObjects(session, 100)
          ) {
            handles.push(...batch);
          }
        } finally {
          module.C_FindObjectsFinal(session);
        }
        return handles.map((handle) => {
          const [label] = module.C_GetAttributeValue(session, handle, [{ type: pkcs11js.CKA_LABEL }]);
          return { handle, label: label?.value?.toString('utf8') ?? '' };
        });
      })
      .catch((error: unknown) => {
        throw unavailable(
          `Cannot list the master keys in ${this.token.description}: ${codeName(error)}`,
          error,
        );
      });
    this.keys.clear();
    for (const { handle, label } of found) {
      const version = Number(pattern.exec(label)?.[1] ?? 0);
      if (version === 0 || version > MAX_VERSION) continue;
      this.keys.set(version, [...(this.keys.get(version) ?? []), handle]);
    }
    this.current = Math.max(0, ...this.keys.keys());
  }

  /** Generates master key `version` inside the token: sensitive, never extractable. */
  private async createVersion(version: number): Promise<void> {
    const id = Buffer.alloc(4);
    id.writeUInt32BE(version);
    const handle = await this.token
      .withSession((session) =>
        this.token.module.C_GenerateKey(session, { mechanism: pkcs11js.CKM_AES_KEY_GEN }, [
          { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_SECRET_KEY },
          { type: pkcs11js.CKA_KEY_TYPE, value: pkcs11js.CKK_AES },
          { type: pkcs11js.CKA_VALUE_LEN, value: 32 },
          { type: pkcs11js.CKA_LABEL, value: `${this.keyLabel}/v${version}` },
          { type: pkcs11js.CKA_ID, value: id },
          { type: pkcs11js.CKA_TOKEN, value: true },
          { type: pkcs11js.CKA_PRIVATE, value: true },
          { type: pkcs11js.CKA_SENSITIVE, value: true },
          { type: pkcs11js.CKA_EXTRACTABLE, value: false },
          { type: pkcs11js.CKA_MODIFIABLE, value: false },
          { type: pkcs11js.CKA_ENCRYPT, value: true },
          { type: pkcs11js.CKA_DECRYPT, value: true },
          { type: pkcs11js.CKA_WRAP, value: false },
          { type: pkcs11js.CKA_UNWRAP, value: false },
          { type: pkcs11js.CKA_SIGN, value: false },
          { type: pkcs11js.CKA_VERIFY, value: false },
          { type: pkcs11js.CKA_DERIVE, value: false },
        ]),
      )
      .catch((error: unknown) => {
        throw unavailable(
          `Cannot create master key ${this.keyLabel}/v${version} in ${this.token.description}: ${codeName(error)}`,
          error,
        );
      });
    this.keys.set(version, [...(this.keys.get(version) ?? []), handle]);
    if (version > this.current) this.current = version;
  }
}

function gcm(iv: Buffer, aad: Buffer): pkcs11js.Mechanism {
  const parameter: pkcs11js.GcmParams = {
    type: pkcs11js.CK_PARAMS_GCM,
    iv,
    ivBits: IV_BYTES * 8,
    aad,
    tagBits: TAG_BYTES * 8,
  };
  return { mechanism: pkcs11js.CKM_AES_GCM, parameter };
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function messageOf(error: unknown): string {
  return error instanceof Pkcs11SetupError || error instanceof Error ? error.message : String(error);
}

function invalid(message: string): KmsError {
  return new KmsError('InvalidCiphertext', message);
}

function unavailable(message: string, cause?: unknown): KmsError {
  return new KmsError('KmsUnavailable', message, cause === undefined ? undefined : { cause });
}
