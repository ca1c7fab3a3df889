/**
 * The OSS table of the error catalogue: the codes, HTTP statuses and messages of the OSS-style
 * upload endpoint, as Alibaba Cloud OSS returns them (OSS API error-code pages, e.g.
 * EC 0002-00000002/3/6/7 for the STS credential cases), so `ali-oss` surfaces them as
 * `err.code` / `err.status` the way it would against OSS. It is separate from
 * `error-catalogue.ts` because the wire format is OSS's XML, not the RPC envelope, and some codes
 * (`AccessDenied`, `SignatureDoesNotMatch`, `InternalError`) mean OSS's thing, with OSS's status.
 * `{reason}` messages are the specific reason the endpoint refused (OSS varies them per case).
 */
export const OSS_ERROR_CATALOGUE = {
  AccessDenied: { status: 403, message: '{reason}' },
  EntityTooLarge: { status: 400, message: 'Your proposed upload exceeds the maximum allowed size.' },
  EntityTooSmall: { status: 400, message: 'Your proposed upload is smaller than the minimum allowed size.' },
  IncompleteBody: {
    status: 400,
    message: 'You did not provide the number of bytes specified by the Content-Length HTTP header.',
  },
  InternalError: { status: 500, message: 'We encountered an internal error. Please try again.' },
  InvalidAccessKeyId: {
    status: 403,
    message: 'The OSS Access Key Id you provided does not exist in our records.{hint}',
  },
  InvalidArgument: { status: 400, message: '{reason}' },
  InvalidDigest: { status: 400, message: 'The Content-MD5 you specified is not valid.' },
  InvalidObjectName: { status: 400, message: 'The specified object is not valid.' },
  InvalidPart: {
    status: 400,
    message:
      "One or more of the specified parts could not be found or the specified entity tag might not have matched the part's entity tag.",
  },
  InvalidPartOrder: {
    status: 400,
    message:
      'The list of parts was not in ascending order. Parts list must be specified in order by part number.',
  },
  InvalidSecurityToken: { status: 403, message: 'The security token you provided is invalid.' },
  MalformedXML: {
    status: 400,
    message: 'The XML you provided was not well-formed or did not validate against our published schema.',
  },
  NoSuchUpload: {
    status: 404,
    message:
      'The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.',
  },
  RequestTimeTooSkewed: {
    status: 403,
    message: 'The difference between the request time and the current time is too large.',
  },
  SecurityTokenExpired: { status: 403, message: 'The security token you provided has expired.' },
  ServiceUnavailable: { status: 503, message: 'The service is temporarily unavailable. Please try again.' },
  SignatureDoesNotMatch: {
    status: 403,
    message:
      'The request signature we calculated does not match the signature you provided. Check your key and signing method.',
  },
} as const satisfies Record<string, { status: number; message: string }>;

export type OssErrorCode = keyof typeof OSS_ERROR_CATALOGUE;

export function ossCatalogueMessage(
  code: OssErrorCode,
  values: Readonly<Record<string, string>> = {},
): string {
  const template: string = OSS_ERROR_CATALOGUE[code].message;
  return template.replace(/\{(\w+)\}/g, (_m, name: string) => values[name] ?? '');
}
