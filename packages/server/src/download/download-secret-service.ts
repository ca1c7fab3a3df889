/**
 * Download secrets (DESIGN §6): one random 256-bit secret per app and version, stored only
 * wrapped by the KMS; the app receives it inside a key file (AppEncryptKey) that only its
 * AppDecryptKey and AppIdentification open. The AppDecryptKey is used once, here, in memory.
 */
import {
  AppIdentificationError,
  checkAppDecryptKey,
  createKeyFile,
  encodeAppEncryptKey,
  normalizeAppIdentification,
} from '@securevod/crypto';
import { randomBytes } from 'node:crypto';
import { apiErrors } from '../errors/api-error.js';
import type { Kms } from '../kms/kms.js';
import type { DownloadSecretStore } from '../store/download-secret-store.js';

export const downloadSecretContext = (appIdentification: string) => ({
  purpose: 'download-secret',
  app: appIdentification,
});

export class DownloadSecretService {
  constructor(
    private readonly store: DownloadSecretStore,
    private readonly kms: Kms,
  ) {}

  /** Validates both inputs, issues a new secret version and returns the key file (base64). */
  async issue(
    rawAppIdentification: string,
    appDecryptKey: string,
  ): Promise<{ appEncryptKey: string; appIdentification: string; secretVersion: number }> {
    const problem = checkAppDecryptKey(appDecryptKey);
    if (problem) throw apiErrors.invalidParameter('AppDecryptKey', problem);
    let canonical: string;
    try {
      canonical = normalizeAppIdentification(rawAppIdentification).canonical;
    } catch (error) {
      if (error instanceof AppIdentificationError) {
        throw apiErrors.invalidParameter('AppIdentification', error.message);
      }
      throw error;
    }

    const secret = new Uint8Array(randomBytes(32));
    try {
      const wrapped = await this.kms.encrypt(secret, downloadSecretContext(canonical));
      const { version } = await this.store.create({
        appIdentification: canonical,
        secretCiphertext: wrapped.ciphertextBlob,
        kmsKeyId: wrapped.keyId,
      });
      const file = await createKeyFile({
        secret,
        secretVersion: version,
        appIdentification: rawAppIdentification,
        appDecryptKey,
      });
      return {
        appEncryptKey: encodeAppEncryptKey(file),
        appIdentification: canonical,
        secretVersion: version,
      };
    } finally {
      secret.fill(0);
    }
  }

  /** The plaintext secret of an active version, for packaging a secure download. */
  async unwrap(appIdentification: string, version: number): Promise<Uint8Array | undefined> {
    const row = await this.store.find(appIdentification, version);
    if (!row || row.status !== 'Active') return undefined;
    const { plaintext } = await this.kms.decrypt(
      row.secretCiphertext,
      downloadSecretContext(appIdentification),
    );
    return plaintext;
  }
}
