/**
 * Rental licences of offline packages (format v2; docs/formats.md, "Offline package licence
 * (format version 2)"). A v2 header carries a licence expiry inside the wrap AAD, so the package
 * key unwraps only with the expiry the server wrote. Its chunks are bound to the header without
 * the licence fields (`chunkBinding`), so a licence can be replaced without touching a chunk:
 *
 *   - the server renews (`renewPackageLicense`): it unwraps the package key from the package's
 *     current header under the app's download secret and wraps it again with a fresh wrap IV and
 *     a new expiry — the new header H bytes are the new licence;
 *   - the client checks a licence belongs to its package (`checkPackageLicense`) and opens the
 *     package with it (`openPackage(source, { license })`) or writes it over the stored header.
 *
 * The expiry is checked against the caller's clock (`checkLicenseExpiry`): a device's clock is not
 * trusted, so the web SDK adds a MACed high-water mark (player/src/offline/license-clock.ts).
 */
import { bytesToHex, randomBytes, timingSafeEqual } from './bytes.js';
import {
  chunkBinding,
  interpretHeader,
  PACKAGE_KEY_LENGTH,
  PACKAGE_LICENSED_FORMAT_VERSION,
  PACKAGE_NOT_LICENSED_MESSAGE,
  PACKAGE_WRAP_IV_LENGTH,
  PackageError,
  parseRawHeader,
  withLicenseFields,
  type PackageHeader,
  type RawPackageHeader,
} from './offline-package-format.js';

export interface RenewPackageLicenseOptions {
  /** The app's raw 32-byte download secret of the header's secret version (server side only). */
  readonly secret: Uint8Array;
  /** The package's current header (at least its H bytes; more are ignored). */
  readonly header: Uint8Array;
  /** The new expiry, Unix seconds. */
  readonly licenseExpiresAt: number;
}

/**
 * The renewed header (H bytes, same length) for a v2 package. Throws `PackageError`:
 * `Malformed` for a v1 package (it has no licence to renew) or a broken header, `NotLicensed`
 * when the wrapped key does not open under `secret` (another app, secret or an altered header).
 */
export async function renewPackageLicense(opts: RenewPackageLicenseOptions): Promise<Uint8Array> {
  if (!(opts.secret instanceof Uint8Array) || opts.secret.length !== PACKAGE_KEY_LENGTH) {
    throw new RangeError(`The download secret must be ${PACKAGE_KEY_LENGTH} bytes.`);
  }
  if (!(opts.header instanceof Uint8Array)) throw new TypeError('The header must be given as bytes.');
  const raw = licensedRaw(opts.header);
  const subtle = globalThis.crypto.subtle;
  const secret = Uint8Array.from(opts.secret);
  let packageKey: Uint8Array | undefined;
  try {
    const secretKey = await subtle.importKey('raw', secret, 'AES-GCM', false, ['encrypt', 'decrypt']);
    try {
      packageKey = new Uint8Array(
        await subtle.decrypt(
          { name: 'AES-GCM', iv: raw.wrapIv, additionalData: raw.signed, tagLength: 128 },
          secretKey,
          raw.wrappedKey,
        ),
      );
    } catch {
      throw new PackageError('NotLicensed', PACKAGE_NOT_LICENSED_MESSAGE);
    }
    // The old values pass `interpretHeader` (authenticated now); the new expiry must be in range.
    interpretHeader(raw);
    const wrapIv = randomBytes(PACKAGE_WRAP_IV_LENGTH);
    const signed = withLicenseFields(raw.signed, wrapIv, opts.licenseExpiresAt);
    const wrapped = new Uint8Array(
      await subtle.encrypt(
        { name: 'AES-GCM', iv: wrapIv, additionalData: signed, tagLength: 128 },
        secretKey,
        packageKey as Uint8Array<ArrayBuffer>,
      ),
    );
    const out = new Uint8Array(raw.headerLength);
    out.set(signed, 0);
    out.set(wrapped, signed.length);
    return out;
  } finally {
    secret.fill(0);
    packageKey?.fill(0);
  }
}

/**
 * Checks that `license` (a renewed header) belongs to the package whose first bytes are `head`:
 * both v2, same length, and identical apart from the licence fields. Returns the licence's
 * (unauthenticated) header fields; `openPackage` authenticates it. Throws `PackageError`
 * (`Malformed` "for another package", or the structural errors of either header).
 */
export function checkPackageLicense(head: Uint8Array, license: Uint8Array): PackageHeader {
  const stored = licensedRaw(head);
  const next = licensedRaw(license);
  if (
    next.headerLength !== stored.headerLength ||
    !timingSafeEqual(chunkBinding(next.bytes), chunkBinding(stored.bytes))
  ) {
    throw new PackageError('Malformed', 'The licence is for another package.');
  }
  return interpretHeader(next);
}

/** `LicenseExpired` when `header` has a licence that has ended at `nowMs` (milliseconds). */
export function checkLicenseExpiry(header: PackageHeader, nowMs: number): void {
  const expiry = header.licenseExpiresAt;
  if (expiry !== undefined && nowMs >= expiry * 1000) {
    throw new PackageError(
      'LicenseExpired',
      `The licence of this package expired at ${new Date(expiry * 1000).toISOString()}: renew it online.`,
    );
  }
}

/** A stable id of a package across renewals: hex SHA-256 of its chunk binding. */
export async function packageTagOf(header: Uint8Array): Promise<string> {
  const raw = parseRawHeader(header, false);
  return bytesToHex(
    new Uint8Array(await globalThis.crypto.subtle.digest('SHA-256', chunkBinding(raw.bytes))),
  );
}

function licensedRaw(bytes: Uint8Array): RawPackageHeader {
  const raw = parseRawHeader(bytes, false);
  if (raw.formatVersion !== PACKAGE_LICENSED_FORMAT_VERSION) {
    throw new PackageError(
      'Malformed',
      'This package has no licence (format version 1, downloaded without LicenseDuration): it never expires and cannot be renewed.',
    );
  }
  return raw;
}
