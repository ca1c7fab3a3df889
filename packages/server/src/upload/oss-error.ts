/**
 * Errors of the OSS-style upload endpoint. Codes, statuses and messages come from the OSS table
 * of the catalogue (`errors/oss-error-catalogue.ts`); `oss-upload-plugin.ts` is the one place that
 * renders them as XML. Messages and details never carry secrets: not the AccessKey secret, not
 * the security token.
 */
import { renderXmlDocument } from './oss-xml.js';
import type { XmlNode } from './oss-xml.js';
import {
  OSS_ERROR_CATALOGUE,
  ossCatalogueMessage,
  type OssErrorCode,
} from '../errors/oss-error-catalogue.js';

export type { OssErrorCode };

export class OssError extends Error {
  override readonly name = 'OssError';
  readonly httpStatus: number;
  constructor(
    readonly code: OssErrorCode,
    /** Values for the catalogue message's placeholders (`{reason}`, `{hint}`). */
    values: Readonly<Record<string, string>> = {},
    /** Extra elements of the XML error body, as OSS adds them (e.g. `UploadId`, `StringToSign`). */
    readonly details: Readonly<Record<string, string>> = {},
    options?: { cause?: unknown },
  ) {
    super(ossCatalogueMessage(code, values), options);
    this.httpStatus = OSS_ERROR_CATALOGUE[code].status;
  }
}

export const ossErrors = {
  accessDenied: (reason: string) => new OssError('AccessDenied', { reason }),
  invalidAccessKeyId: (accessKeyId: string) =>
    new OssError('InvalidAccessKeyId', {}, { OSSAccessKeyId: accessKeyId }),
  /** A temporary AccessKeyId sent without `x-oss-security-token` (OSS EC 0002-00000003). */
  securityTokenMissing: (accessKeyId: string) =>
    new OssError(
      'InvalidAccessKeyId',
      { hint: ' The Security Token may be lost to specify that it is a STS Access Id.' },
      { OSSAccessKeyId: accessKeyId },
    ),
  invalidSecurityToken: () => new OssError('InvalidSecurityToken'),
  securityTokenExpired: () => new OssError('SecurityTokenExpired'),
  signatureDoesNotMatch: (accessKeyId: string, signatureProvided: string, stringToSign: string) =>
    new OssError(
      'SignatureDoesNotMatch',
      {},
      { OSSAccessKeyId: accessKeyId, SignatureProvided: signatureProvided, StringToSign: stringToSign },
    ),
  requestTimeTooSkewed: (requestTime: string, serverTime: Date, maxSkewMs: number) =>
    new OssError(
      'RequestTimeTooSkewed',
      {},
      {
        RequestTime: requestTime,
        ServerTime: serverTime.toISOString(),
        MaxAllowedSkewMilliseconds: String(maxSkewMs),
      },
    ),
  invalidArgument: (reason: string, argumentName?: string) =>
    new OssError('InvalidArgument', { reason }, argumentName ? { ArgumentName: argumentName } : {}),
  invalidDigest: () => new OssError('InvalidDigest'),
  incompleteBody: () => new OssError('IncompleteBody'),
  entityTooLarge: () => new OssError('EntityTooLarge'),
  entityTooSmall: (partNumber: number) =>
    new OssError('EntityTooSmall', {}, { PartNumber: String(partNumber), MinSizeAllowed: '102400' }),
  invalidObjectName: () => new OssError('InvalidObjectName'),
  noSuchUpload: (uploadId: string) => new OssError('NoSuchUpload', {}, { UploadId: uploadId }),
  invalidPart: (uploadId: string, partNumber: number, etag: string) =>
    new OssError('InvalidPart', {}, { UploadId: uploadId, PartNumber: String(partNumber), ETag: etag }),
  invalidPartOrder: (uploadId: string) => new OssError('InvalidPartOrder', {}, { UploadId: uploadId }),
  malformedXml: () => new OssError('MalformedXML'),
  internal: (cause?: unknown) => new OssError('InternalError', {}, {}, { cause }),
  unavailable: (cause?: unknown) => new OssError('ServiceUnavailable', {}, {}, { cause }),
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
