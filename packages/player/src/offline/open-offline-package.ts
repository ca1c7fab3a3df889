/**
 * Opens a stored package for this app with its key file and AppDecryptKey (DESIGN §6), or fails
 * with ONE fatal `PlayerError` (`offline-errors.ts`). Browser-neutral (WebCrypto only) and given
 * the app identification explicitly, so it is unit-tested in Node
 * (test/offline-open-package.test.ts); the offline player passes `location.origin`.
 *
 * Checks, in order (cheap public checks before the PBKDF2 of the key file):
 *   1. the key file and the package header are well-formed           → keyFileInvalid / packageInvalid
 *   2. the package's secret version is in this app's stored
 *      revocation list                                               → secretRevoked
 *   3. the package names this app and the key file's secret version  → notLicensed
 *   4. the key file opens with this app and AppDecryptKey            → notLicensed
 *   5. the package key unwraps under the key file's secret           → notLicensed
 */
import {
  decodeAppEncryptKey,
  normalizeAppIdentification,
  openKeyFile,
  openPackage,
  PACKAGE_MAX_HEADER_LENGTH,
  readKeyFileHeader,
  readPackageHeader,
  type OpenedPackage,
  type PackageSource,
} from '@securevod/crypto';
import { fromOfflineError, notLicensedError, secretRevokedError } from './offline-errors.js';
import { isRevoked, type RevocationRecord } from './revocation-list.js';

export type KeyFileInput = Uint8Array | ArrayBuffer | string;

export interface OpenOfflinePackageOptions {
  readonly source: PackageSource;
  /** The key file: its bytes, or the base64 `AppEncryptKey` text. */
  readonly keyFile: KeyFileInput;
  readonly appDecryptKey: string;
  /** This app (any accepted form; the web SDK passes `location.origin`). */
  readonly appIdentification: string;
  /** This app's stored revocation list, if any. */
  readonly revocations?: RevocationRecord | undefined;
}

export async function openOfflinePackage(options: OpenOfflinePackageOptions): Promise<OpenedPackage> {
  try {
    const app = normalizeAppIdentification(options.appIdentification).canonical;
    const keyFile = keyFileBytes(options.keyFile);
    const keyHeader = readKeyFileHeader(keyFile);
    const { source } = options;
    const header = readPackageHeader(await source.read(0, Math.min(source.size, PACKAGE_MAX_HEADER_LENGTH)));
    if (header.appIdentification === app && isRevoked(options.revocations, app, header.secretVersion)) {
      throw secretRevokedError(header.secretVersion);
    }
    if (header.appIdentification !== app || header.secretVersion !== keyHeader.secretVersion) {
      throw notLicensedError();
    }
    const opened = await openKeyFile(keyFile, {
      appIdentification: options.appIdentification,
      appDecryptKey: options.appDecryptKey,
    });
    return await openPackage(source, {
      secretKey: opened.secretKey,
      secretVersion: opened.secretVersion,
      appIdentification: opened.appIdentification,
    });
  } catch (error) {
    throw fromOfflineError(error);
  }
}

function keyFileBytes(input: KeyFileInput): Uint8Array {
  if (typeof input === 'string') return decodeAppEncryptKey(input);
  if (input instanceof Uint8Array) return input;
  if (input instanceof ArrayBuffer) return new Uint8Array(input);
  throw new TypeError('keyFile must be the key file bytes or its base64 AppEncryptKey text.');
}
