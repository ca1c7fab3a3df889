/**
 * The one place that turns offline failures into the SDK's `PlayerError` (STYLE §4; the online
 * catalogue is `../errors.ts`, whose `fromServerError` this extends for the download endpoint).
 * Pure; unit-tested in test/offline-errors.test.ts. The details names are in docs/sdk.md,
 * "Offline downloads".
 *
 * Licensing: a wrong AppDecryptKey, a key file of another app, a package of another app or secret
 * version, and an altered package header all become ONE error (`key`/`notLicensed`, fatal, always
 * the same message), which deliberately does not say which input was wrong. Altered chunks keep
 * their own `decrypt`/`packageTampered` (the license is fine; the bytes are not).
 */
import { AppIdentificationError, KeyFileError, PackageError } from '@securevod/crypto';
import { PlayerError, fromServerError, toPlayerError, type PlayerErrorType } from '../errors.js';
import { Mp4Error } from './mp4-boxes.js';

export const NOT_LICENSED_MESSAGE = 'This video is not licensed for this app.';

export function notLicensedError(): PlayerError {
  return new PlayerError({ type: 'key', details: 'notLicensed', message: NOT_LICENSED_MESSAGE, fatal: true });
}

export function secretRevokedError(secretVersion: number): PlayerError {
  return new PlayerError({
    type: 'key',
    details: 'secretRevoked',
    message: `This download was made for secret version ${secretVersion} of this app, which has been revoked: download the video again.`,
    fatal: true,
  });
}

/** Anything thrown while opening or reading a key file or package, as a fatal `PlayerError`. */
export function fromOfflineError(error: unknown): PlayerError {
  if (error instanceof PlayerError) return error.withFatal(true);
  if (error instanceof KeyFileError) {
    return error.code === 'NotLicensed'
      ? notLicensedError()
      : fatal('key', 'keyFileInvalid', `The key file cannot be used: ${error.message}`, error);
  }
  if (error instanceof PackageError) {
    switch (error.code) {
      case 'NotLicensed':
        return notLicensedError();
      case 'Tampered':
        return fatal('decrypt', 'packageTampered', `${error.message} Download the video again.`, error);
      case 'Truncated':
        return fatal('decrypt', 'packageIncomplete', `${error.message} Download the video again.`, error);
      case 'LicenseExpired':
        return fatal('key', 'licenseExpired', error.message, error);
      default:
        return fatal(
          'other',
          'packageInvalid',
          `This is not a usable offline package: ${error.message}`,
          error,
        );
    }
  }
  if (error instanceof Mp4Error) {
    return fatal(
      'media',
      'packageMediaInvalid',
      `The video in the package cannot be played: ${error.message}`,
      error,
    );
  }
  if (error instanceof AppIdentificationError) {
    return fatal('other', 'originNotSupported', error.reason, error);
  }
  return toPlayerError(error).withFatal(true);
}

type Classification = { readonly type: PlayerErrorType; readonly details: string };

/** Codes of `GET /download/<vid>` and `POST /download/<vid>/license` (packages/server/src/download/). */
export const DOWNLOAD_ERROR_CODES: Readonly<Record<string, Classification>> = {
  'Forbidden.DownloadDisabled': { type: 'auth', details: 'downloadDisabled' },
  'Forbidden.AppNotRegistered': { type: 'auth', details: 'appNotRegistered' },
  'Forbidden.NotDownloadable': { type: 'other', details: 'notDownloadable' },
  'Forbidden.DownloadSecretRevoked': { type: 'key', details: 'secretRevoked' },
};

/**
 * A failed download response: the download endpoint's own codes, then the SDK's general table
 * (PlayAuth, video, stream codes), then the HTTP status. Always fatal: the SDK gives up.
 */
export function fromDownloadResponse(
  status: number,
  body: { Code?: unknown; Message?: unknown } | undefined,
): PlayerError {
  const general = fromServerError('The download', status, body);
  const known = typeof body?.Code === 'string' ? DOWNLOAD_ERROR_CODES[body.Code] : undefined;
  if (!known) return general.withFatal(true);
  return new PlayerError({
    type: known.type,
    details: known.details,
    message: general.message,
    fatal: true,
    status,
    ...(general.code !== undefined && { code: general.code }),
  });
}

export function fatal(type: PlayerErrorType, details: string, message: string, cause?: unknown): PlayerError {
  return new PlayerError({ type, details, message, fatal: true, ...(cause !== undefined && { cause }) });
}
