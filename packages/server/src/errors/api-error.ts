/**
 * The one error catalogue of the API. Every error a client can see is an `ApiError` with the
 * code, HTTP status and message of the ApsaraVideo VOD API (reference §1.7 and the per-action
 * tables). `rpc/error-envelope.ts` is the only place that turns one into the wire format.
 */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly code: string,
    readonly httpStatus: number,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Codes and statuses shared by every action (reference §1.7). */
export const apiErrors = {
  missingParameter: (name: string) =>
    new ApiError(
      'MissingParameter',
      400,
      `The input parameter "${name}" that is mandatory for processing this request is not supplied.`,
    ),
  /** `reason` says what was wrong, so a person can fix the request without reading docs. */
  invalidParameter: (name: string, reason?: string) =>
    new ApiError(
      'InvalidParameter',
      400,
      `The specified parameter "${name}" is not valid.${reason ? ` ${reason}` : ''}`,
    ),
  signatureDoesNotMatch: (stringToSign: string) =>
    new ApiError(
      'SignatureDoesNotMatch',
      400,
      `Specified signature is not matched with our calculation. server string to sign is:${stringToSign}`,
    ),
  accessKeyNotFound: () =>
    new ApiError('InvalidAccessKeyId.NotFound', 404, 'Specified access key is not found.'),
  accessKeyDisabled: () =>
    new ApiError('InvalidAccessKeyId.Inactive', 403, 'Specified access key is disabled.'),
  nonceUsed: () => new ApiError('SignatureNonceUsed', 400, 'Specified signature nonce was used already.'),
  timestampExpired: () =>
    new ApiError('InvalidTimeStamp.Expired', 400, 'Specified time stamp or date value is expired.'),
  timestampFormat: () =>
    new ApiError('InvalidTimeStamp.Format', 400, 'Specified time stamp or date value is not well formatted.'),
  unsupportedVersion: (version: string, supported: readonly string[]) =>
    new ApiError(
      'InvalidVersion',
      400,
      `Specified parameter Version "${version}" is not valid. This service implements ${supported.join(', ')}.`,
    ),
  apiNotFound: (action: string) =>
    new ApiError(
      'InvalidApi.NotFound',
      404,
      `Specified api is not found,please check your url and method. Action "${action}" is not implemented.`,
    ),
  forbidden: () =>
    new ApiError('Forbidden', 403, 'User not authorized to operate on the specified resource.'),
  throttling: () => new ApiError('Throttling', 400, 'Request was denied due to request throttling.'),
  internal: (cause?: unknown) =>
    new ApiError('InternalError', 500, 'The request processing has failed due to some unknown error.', {
      cause,
    }),
  unavailable: (cause?: unknown) =>
    new ApiError(
      'ServiceUnAvailable',
      503,
      'The request has failed due to a temporary failure of the server.',
      { cause },
    ),
} as const;

/**
 * Categories, media search, URL pull upload, stream and mezzanine deletion, batch updates
 * (reference-more §5–§7). Messages are the reference's where it gives one; where a message names
 * a parameter or value, it says which.
 */
export const mediaLibraryErrors = {
  cateNotFound: (cateId: number | string) =>
    new ApiError('InvalidCateId.NotFound', 404, `The CateId not exist. (CateId ${cateId})`),
  levelExceeded: () =>
    new ApiError(
      'LevelExceededMax',
      400,
      'The level of categories exceeded maximum. (Categories have at most 3 levels.)',
    ),
  subTotalExceeded: () =>
    new ApiError(
      'SubTotalExceededMax',
      400,
      'The total of sub categories exceeded maximum. (At most 100 subcategories per category.)',
    ),
  sortByExceeded: () =>
    new ApiError(
      'SortByExceededMax',
      400,
      'The SortBy parameter only supports one sort field when traversing all data.',
    ),
  uploadUrlsInvalid: (reason: string) =>
    new ApiError(
      'InvalidParameter.UploadURLs',
      400,
      `The specified parameter UploadURLs is not valid. ${reason}`,
    ),
  jobIdsExceeded: () => new ApiError('JobIdsExceededMax', 400, 'The JobIds exceeded maximum. (At most 20.)'),
  streamNotFound: (jobId: string) =>
    new ApiError('InvalidStream.NotFound', 404, `The stream does not exist. (JobId ${jobId})`),
  deleteStreamFailed: (cause?: unknown) =>
    new ApiError('DeleteStreamFailed', 503, 'Deleting stream has failed due to some unknown error.', {
      cause,
    }),
  countExceeded: (name: string, max: number) =>
    new ApiError('CountExceededMax', 400, `The specified ${name} count has exceeded ${max}.`),
  mezzanineDeleted: () =>
    new ApiError(
      'InvalidFile.NotFound',
      404,
      'The source file of the video was deleted (DeleteMezzanines); it can no longer be processed.',
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
