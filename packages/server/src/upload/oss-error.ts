/**
 * The error catalogue of the OSS-style upload endpoint: codes, HTTP statuses and messages as
 * Alibaba Cloud OSS returns them (OSS API error-code pages, e.g. EC 0002-00000002/3/6/7 for the
 * STS credential cases), so `ali-oss` surfaces them as `err.code` / `err.status` the way it would
 * against OSS. `oss-upload-plugin.ts` is the one place that renders them as XML.
 *
 * Messages and details never carry secrets: not the AccessKey secret, not the security token.
 */
import { renderXmlDocument } from './oss-xml.js';
import type { XmlNode } from './oss-xml.js';

export type OssErrorCode =
  | 'AccessDenied'
  | 'EntityTooLarge'
  | 'EntityTooSmall'
  | 'IncompleteBody'
  | 'InternalError'
  | 'InvalidAccessKeyId'
  | 'InvalidArgument'
  | 'InvalidDigest'
  | 'InvalidObjectName'
  | 'InvalidPart'
  | 'InvalidPartOrder'
  | 'InvalidSecurityToken'
  | 'MalformedXML'
  | 'NoSuchUpload'
  | 'RequestTimeTooSkewed'
  | 'SecurityTokenExpired'
  | 'ServiceUnavailable'
  | 'SignatureDoesNotMatch';

export class OssError extends Error {
  override readonly name = 'OssError';
  constructor(
    readonly code: OssErrorCode,
    readonly httpStatus: number,
    message: string,
    /** Extra elements of the XML error body, as OSS adds them (e.g. `UploadId`, `StringToSign`). */
    readonly details: Readonly<Record<string, string>> = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export const ossErrors = {
  accessDenied: (message: string) => new OssError('AccessDenied', 403, message),
  invalidAccessKeyId: (accessKeyId: string) =>
    new OssError(
      'InvalidAccessKeyId',
      403,
      'The OSS Access Key Id you provided does not exist in our records.',
      {
        OSSAccessKeyId: accessKeyId,
      },
    ),
  /** A temporary AccessKeyId sent without `x-oss-security-token` (OSS EC 0002-00000003). */
  securityTokenMissing: (accessKeyId: string) =>
    new OssError(
      'InvalidAccessKeyId',
      403,
      'The OSS Access Key Id you provided does not exist in our records. The Security Token may be lost to specify that it is a STS Access Id.',
      { OSSAccessKeyId: accessKeyId },
    ),
  invalidSecurityToken: () =>
    new OssError('InvalidSecurityToken', 403, 'The security token you provided is invalid.'),
  securityTokenExpired: () =>
    new OssError('SecurityTokenExpired', 403, 'The security token you provided has expired.'),
  signatureDoesNotMatch: (accessKeyId: string, signatureProvided: string, stringToSign: string) =>
    new OssError(
      'SignatureDoesNotMatch',
      403,
      'The request signature we calculated does not match the signature you provided. Check your key and signing method.',
      { OSSAccessKeyId: accessKeyId, SignatureProvided: signatureProvided, StringToSign: stringToSign },
    ),
  requestTimeTooSkewed: (requestTime: string, serverTime: Date, maxSkewMs: number) =>
    new OssError(
      'RequestTimeTooSkewed',
      403,
      'The difference between the request time and the current time is too large.',
      {
        RequestTime: requestTime,
        ServerTime: serverTime.toISOString(),
        MaxAllowedSkewMilliseconds: String(maxSkewMs),
      },
    ),
  invalidArgument: (message: string, argumentName?: string) =>
    new OssError('InvalidArgument', 400, message, argumentName ? { ArgumentName: argumentName } : {}),
  invalidDigest: () => new OssError('InvalidDigest', 400, 'The Content-MD5 you specified is not valid.'),
  incompleteBody: () =>
    new OssError(
      'IncompleteBody',
      400,
      'You did not provide the number of bytes specified by the Content-Length HTTP header.',
    ),
  entityTooLarge: () =>
    new OssError('EntityTooLarge', 400, 'Your proposed upload exceeds the maximum allowed size.'),
  entityTooSmall: (partNumber: number) =>
    new OssError('EntityTooSmall', 400, 'Your proposed upload is smaller than the minimum allowed size.', {
      PartNumber: String(partNumber),
      MinSizeAllowed: '102400',
    }),
  invalidObjectName: () => new OssError('InvalidObjectName', 400, 'The specified object is not valid.'),
  noSuchUpload: (uploadId: string) =>
    new OssError(
      'NoSuchUpload',
      404,
      'The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.',
      { UploadId: uploadId },
    ),
  invalidPart: (uploadId: string, partNumber: number, etag: string) =>
    new OssError(
      'InvalidPart',
      400,
      "One or more of the specified parts could not be found or the specified entity tag might not have matched the part's entity tag.",
      { UploadId: uploadId, PartNumber: String(partNumber), ETag: etag },
    ),
  invalidPartOrder: (uploadId: string) =>
    new OssError(
      'InvalidPartOrder',
      400,
      'The list of parts was not in ascending order. Parts list must be specified in order by part number.',
      { UploadId: uploadId },
    ),
  malformedXml: () =>
    new OssError(
      'MalformedXML',
      400,
      'The XML you provided was not well-formed or did not validate against our published schema.',
    ),
  internal: (cause?: unknown) =>
    new OssError('InternalError', 500, 'We encountered an internal error. Please try again.', {}, { cause }),
  unavailable: (cause?: unknown) =>
    new OssError(
      'ServiceUnavailable',
      503,
      'The service is temporarily unavailable. Please try again.',
      {},
      { cause },
    ),
} as const;

/** The XML error body OSS sends: Code, Message, RequestId, HostId, then the error's details. */
export function renderOssErrorXml(error: OssError, context: { requestId: string; hostId: string }): string {
  const nodes: XmlNode[] = [
    ['Code', error.code],
    ['Message', error.message],
    ['RequestId', context.requestId],
    ['HostId', context.hostId],
    ...Object.entries(error.details).map(([name, value]): XmlNode => [name, value]),
  ];
  return renderXmlDocument(['Error', nodes]);
}
