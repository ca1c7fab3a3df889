/**
 * The KMS contract (DESIGN §4). A master key never leaves the KMS; callers get data keys as
 * plaintext (to use in memory, then drop) plus a ciphertext blob (to store). Every blob is bound
 * to an encryption context: decrypting with another context fails, so a blob copied from one
 * video or app to another opens nothing.
 *
 * Implementations: `local-kms.ts` (versioned master keys in a directory, shareable as a mounted
 * secret) and `pkcs11-kms.ts` (master keys inside an HSM). Every implementation must pass
 * `kms-contract.ts`.
 */
export type EncryptionContext = Readonly<Record<string, string>>;

export interface DataKey {
  /** The master key that wrapped it, e.g. `local/master` (versionless alias) */
  readonly keyId: string;
  readonly plaintext: Uint8Array;
  /** Base64 (standard alphabet), opaque to callers; carries the master-key version. */
  readonly ciphertextBlob: string;
}

export interface Kms {
  readonly keyId: string;
  generateDataKey(request: { bytes: 16 | 32; context: EncryptionContext }): Promise<DataKey>;
  /** Wraps caller-supplied plaintext (e.g. an AccessKey secret or a download secret). */
  encrypt(
    plaintext: Uint8Array,
    context: EncryptionContext,
  ): Promise<{ keyId: string; ciphertextBlob: string }>;
  /** Throws `KmsError` with code `InvalidCiphertext` for a malformed, tampered or foreign blob. */
  decrypt(
    ciphertextBlob: string,
    context: EncryptionContext,
  ): Promise<{ keyId: string; plaintext: Uint8Array }>;
  /**
   * Makes a new master-key version current; blobs made under older versions still decrypt.
   * Throws `RotationNotAllowed` where this node may not rotate (a read-only shared key ring).
   */
  rotate(): Promise<{ version: number }>;
  /**
   * A cheap reachability check for readiness probes: resolves when the KMS can serve requests,
   * rejects with `KmsUnavailable` (saying why) when it cannot. Touches no key material.
   */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export type KmsErrorCode =
  'InvalidCiphertext' | 'KeyVersionNotFound' | 'KmsUnavailable' | 'RotationNotAllowed';

export class KmsError extends Error {
  override readonly name = 'KmsError';
  constructor(
    readonly code: KmsErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
