/**
 * `renewLicense`: renews a downloaded rental online without downloading the video again (docs/sdk.md,
 * "Rentals"; server side: packages/server/src/download/download-license.ts). It sends the package's
 * current header (its latest renewed licence, else the stored header) to
 * `POST /download/<vid>/license` with a PlayAuth and `location.origin`, checks that the answer is a
 * licence of this very package (`checkPackageLicense`), and stores it with the package's licence
 * state, from where the offline player opens the package with it. The package bytes are not
 * touched. The clock mark is kept: renewal extends the expiry, it does not excuse a clock set back.
 */
import {
  base64ToBytes,
  bytesToBase64,
  checkPackageLicense,
  PACKAGE_LICENSED_FORMAT_VERSION,
  PACKAGE_MAX_HEADER_LENGTH,
  PackageError,
  packageTagOf,
  readPackageHeader,
  type PackageSource,
} from '@securevod/crypto';
import { PlayerError } from '../errors.js';
import type { FetchLike } from '../play-api.js';
import { fatal, fromDownloadResponse, fromOfflineError } from './offline-errors.js';
import { defaultLicenseStateStore, type LicenseStateStore } from './license-state-store.js';
import type { PageApp } from './page-app.js';

export interface RenewLicenseOptions {
  /** A PlayAuth for the package's video (GetVideoPlayAuth, as for the download). */
  readonly playAuth: string;
  /** Seconds from now; default: the account's LicenseDuration (SetCustomerConfig). */
  readonly licenseDuration?: number;
  readonly signal?: AbortSignal;
}

export interface RenewedLicense {
  readonly videoId: string;
  /** ISO time the renewed licence ends. */
  readonly licenseExpiresAt: string;
}

export interface RenewContext {
  readonly endpoint: string;
  readonly app: PageApp;
  readonly fetch: FetchLike;
  readonly source: PackageSource;
  readonly licenseStates?: LicenseStateStore | undefined;
}

export async function renewLicense(
  context: RenewContext,
  options: RenewLicenseOptions,
): Promise<RenewedLicense> {
  if (typeof options?.playAuth !== 'string' || options.playAuth === '') {
    throw new TypeError('playAuth must be a non-empty string.');
  }
  if (
    options.licenseDuration !== undefined &&
    (!Number.isSafeInteger(options.licenseDuration) || options.licenseDuration < 1)
  ) {
    throw new TypeError('licenseDuration must be a positive integer of seconds.');
  }
  const states = context.licenseStates ?? defaultLicenseStateStore();
  const { source } = context;
  let head: Uint8Array;
  let videoId: string;
  let tag: string;
  try {
    head = await source.read(0, Math.min(source.size, PACKAGE_MAX_HEADER_LENGTH));
    const header = readPackageHeader(head);
    if (header.formatVersion !== PACKAGE_LICENSED_FORMAT_VERSION) {
      throw fatal(
        'other',
        'licenseNotRenewable',
        'This download has no licence: it does not expire and cannot be renewed.',
      );
    }
    videoId = header.videoId;
    head = head.subarray(0, header.headerLength);
    tag = await packageTagOf(head);
  } catch (error) {
    throw fromOfflineError(error);
  }
  const state = await states.load(tag);
  const current = state?.license !== undefined ? base64ToBytes(state.license) : head;

  const body: Record<string, string | number> = {
    PlayAuth: options.playAuth,
    AppIdentification: context.app.origin,
    PackageHeader: bytesToBase64(current),
  };
  if (options.licenseDuration !== undefined) body.LicenseDuration = options.licenseDuration;
  let res: Response;
  try {
    res = await context.fetch(`${context.endpoint}/download/${encodeURIComponent(videoId)}/license`, {
      method: 'POST',
      credentials: 'omit',
      cache: 'no-store',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      ...(options.signal && { signal: options.signal }),
    });
  } catch (error) {
    throw new PlayerError({
      type: 'network',
      details: 'licenseRenewalFailed',
      message: 'The licence renewal failed: no response from the server.',
      fatal: true,
      status: 0,
      cause: error,
    });
  }
  const answer = (await res.json().catch(() => undefined)) as
    { Code?: unknown; Message?: unknown; License?: unknown; LicenseExpiresAt?: unknown } | undefined;
  if (!res.ok) throw fromDownloadResponse(res.status, answer);
  if (typeof answer?.License !== 'string' || typeof answer.LicenseExpiresAt !== 'string') {
    throw fatal('other', 'invalidServerResponse', 'The licence renewal answer has no License.');
  }
  let license: Uint8Array;
  try {
    license = base64ToBytes(answer.License);
    checkPackageLicense(head, license);
  } catch (error) {
    const reason = error instanceof PackageError ? error.message : String(error);
    throw fatal('other', 'invalidServerResponse', `The server sent an unusable licence: ${reason}`, error);
  }
  await states.save({ ...state, tag, license: bytesToBase64(license) });
  return { videoId, licenseExpiresAt: answer.LicenseExpiresAt };
}
