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
 *      (a rental opens with its latest renewed licence from `licenseStates`, if there is one)
 *   6. a rental only: the stored clock mark verifies, the device clock
 *      is not set back past it, and the licence has not expired      → licenseStateInvalid /
 *                                                                      clockRollback / licenseExpired
 *      (`license-clock.ts`; the mark then moves to now)
 */
import {
  base64ToBytes,
  decodeAppEncryptKey,
  normalizeAppIdentification,
  openKeyFile,
  openPackage,
  PACKAGE_LICENSED_FORMAT_VERSION,
  PACKAGE_MAX_HEADER_LENGTH,
  packageTagOf,
  readKeyFileHeader,
  readPackageHeader,
  type OpenedPackage,
  type PackageSource,
} from '@securevod/crypto';
import { fromOfflineError, notLicensedError, secretRevokedError } from './offline-errors.js';
import { LicenseClock } from './license-clock.js';
import type { LicenseStateStore } from './license-state-store.js';
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
  /** Where rentals keep their clock mark and renewed licence. Without it a rental is refused. */
  readonly licenseStates?: LicenseStateStore | undefined;
  /** The device clock (default `Date.now`); tests pass their own. */
  readonly now?: () => number;
}

export interface OpenedOfflinePackage extends OpenedPackage {
  /** A rental's clock: `tick()` during playback. Undefined for packages without a licence. */
  readonly licenseClock: LicenseClock | undefined;
}

export async function openOfflinePackage(options: OpenOfflinePackageOptions): Promise<OpenedOfflinePackage> {
  try {
    const app = normalizeAppIdentification(options.appIdentification).canonical;
    const keyFile = keyFileBytes(options.keyFile);
    const keyHeader = readKeyFileHeader(keyFile);
    const { source } = options;
    const head = await source.read(0, Math.min(source.size, PACKAGE_MAX_HEADER_LENGTH));
    const header = readPackageHeader(head);
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
    const rental = header.formatVersion === PACKAGE_LICENSED_FORMAT_VERSION;
    if (rental && !options.licenseStates) {
      throw new TypeError('A rental package needs a licenseStates store.');
    }
    const tag = rental ? await packageTagOf(head) : undefined;
    const state = tag !== undefined ? await options.licenseStates!.load(tag) : undefined;
    const pkg = await openPackage(source, {
      secretKey: opened.secretKey,
      secretVersion: opened.secretVersion,
      appIdentification: opened.appIdentification,
      license: state?.license !== undefined ? base64ToBytes(state.license) : undefined,
      now: null, // checked below, after the clock checks
    });
    const licenseClock =
      pkg.licenseStateKey && tag !== undefined
        ? await LicenseClock.open({
            header: pkg.header,
            tag,
            key: pkg.licenseStateKey,
            store: options.licenseStates!,
            state,
            ...(options.now && { now: options.now }),
          })
        : undefined;
    return Object.assign(pkg, { licenseClock });
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
