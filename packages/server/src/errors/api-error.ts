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
