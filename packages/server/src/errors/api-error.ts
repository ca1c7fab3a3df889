/**
 * `ApiError`: every error a client of the RPC API or the player-facing endpoints can see, with
 * the code, HTTP status and message of `error-catalogue.ts`. Raise one through a factory
 * (`apiErrors.missingParameter('VideoId')`, `catalogueErrors.videoNotFound()`), which reads the
 * catalogue, or `catalogued(code, values)` for a code without a factory of its own.
 * `rpc/error-envelope.ts` and `playback/player-http.ts` are the only places that turn one into
 * the wire format.
 */
import { catalogueMessage, catalogueStatus, type ErrorCode } from './error-catalogue.js';

export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly code: ErrorCode,
    readonly httpStatus: number,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** An `ApiError` for a catalogued code: status and message from the catalogue. */
export function catalogued(
  code: ErrorCode,
  values?: Readonly<Record<string, string | number>>,
  options?: { detail?: string; status?: number; cause?: unknown },
): ApiError {
  return new ApiError(
    code,
    catalogueStatus(code, options?.status),
    catalogueMessage(code, values, options?.detail),
    options?.cause === undefined ? undefined : { cause: options.cause },
  );
}

/** Codes shared by every action (reference §1.7). */
export const apiErrors = {
  missingParameter: (name: string) => catalogued('MissingParameter', { name }),
  /** `reason` says what was wrong, so a person can fix the request without reading docs. */
  invalidParameter: (name: string, reason?: string) =>
    catalogued('InvalidParameter', { name }, reason ? { detail: reason } : undefined),
  /** `detail`: `server string to sign is:<…>` (as the gateway echoes it), or what else differed. */
  signatureDoesNotMatch: (detail: string) => catalogued('SignatureDoesNotMatch', {}, { detail }),
  incompleteSignature: (detail: string) => catalogued('IncompleteSignature', {}, { detail }),
  accessKeyNotFound: () => catalogued('InvalidAccessKeyId.NotFound'),
  accessKeyDisabled: () => catalogued('InvalidAccessKeyId.Inactive'),
  nonceUsed: () => catalogued('SignatureNonceUsed'),
  timestampExpired: () => catalogued('InvalidTimeStamp.Expired'),
  timestampFormat: () => catalogued('InvalidTimeStamp.Format'),
  unsupportedVersion: (version: string, supported: readonly string[]) =>
    catalogued('InvalidVersion', { version, supported: supported.join(', ') }),
  apiNotFound: (action: string) =>
    catalogued('InvalidApi.NotFound', {}, { detail: `Action "${action}" is not implemented.` }),
  forbidden: () => catalogued('Forbidden'),
  throttling: () => catalogued('Throttling'),
  throttlingUser: () => catalogued('Throttling.User'),
  /** Player-facing routes (429, with a Retry-After header). */
  tooManyRequests: () => catalogued('TooManyRequests'),
  internal: (cause?: unknown) => catalogued('InternalError', {}, { cause }),
  unavailable: (cause?: unknown) => catalogued('ServiceUnAvailable', {}, { cause }),
} as const;

/**
 * Categories, media search, URL pull upload, stream and mezzanine deletion, batch updates
 * (reference-more §5–§7). Messages are the reference's where it gives one; where a message names
 * a parameter or value, it says which.
 */
export const mediaLibraryErrors = {
  cateNotFound: (cateId: number | string) =>
    catalogued('InvalidCateId.NotFound', {}, { detail: `(CateId ${cateId})` }),
  levelExceeded: () => catalogued('LevelExceededMax', {}, { detail: '(Categories have at most 3 levels.)' }),
  subTotalExceeded: () =>
    catalogued('SubTotalExceededMax', {}, { detail: '(At most 100 subcategories per category.)' }),
  sortByExceeded: () => catalogued('SortByExceededMax'),
  uploadUrlsInvalid: (reason: string) => catalogued('InvalidParameter.UploadURLs', {}, { detail: reason }),
  jobIdsExceeded: () => catalogued('JobIdsExceededMax', {}, { detail: '(At most 20.)' }),
  streamNotFound: (jobId: string) => catalogued('InvalidStream.NotFound', {}, { detail: `(JobId ${jobId})` }),
  deleteStreamFailed: (cause?: unknown) => catalogued('DeleteStreamFailed', {}, { cause }),
  countExceeded: (name: string, max: number) => catalogued('CountExceededMax', { name, max }),
  mezzanineDeleted: () =>
    catalogued(
      'InvalidFile.NotFound',
      {},
      { detail: 'It was deleted (DeleteMezzanines); it can no longer be processed.' },
    ),
} as const;

/**
 * `ErrorCode` values of a failed URL pull (GetURLUploadInfos, UploadByURLComplete). These are
 * per-URL results, not API errors: the request that submitted the URL succeeded.
 * `URLInvalidError` is the cloud's; the others are ours (reference-more §6.2: UNCONFIRMED).
 */
export const URL_PULL_ERROR_CODES = {
  /** Not a URL, not http(s), or a redirect to such. */
  invalid: 'URLInvalidError',
  /** Loopback, private or link-local destination (after DNS, on any redirect hop). */
  addressRefused: 'URLAddressRefused',
  tooManyRedirects: 'URLTooManyRedirects',
  tooLarge: 'URLFileTooLarge',
  timeout: 'URLDownloadTimeout',
  /** The source answered an HTTP error, or the connection failed. */
  downloadFailed: 'URLDownloadFailed',
  /** Storing the fetched file failed. */
  storeFailed: 'URLUploadFailed',
} as const;
export type UrlPullErrorCode = (typeof URL_PULL_ERROR_CODES)[keyof typeof URL_PULL_ERROR_CODES];
