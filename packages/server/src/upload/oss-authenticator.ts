/**
 * Decides whether a signed OSS request may touch the object it names. Upload credentials are
 * STS-like (DESIGN §3, reference §2.4): a temporary AccessKeyId/secret plus a security token,
 * valid until `expiresAt`, for writing one object of one bucket.
 *
 * Where the bucket is in the request depends on how the client was configured (read from
 * `ali-oss` `lib/common/utils/createRequest.js` and `lib/common/client/getReqUrl.js`):
 *   - IP endpoint (`http://127.0.0.1:8080`): path `/<key>`, `Host: <bucket>.oss-<region>.aliyuncs.com`
 *   - hostname endpoint: path `/<key>`, host `<bucket>.<hostname>` (needs wildcard DNS)
 *   - hostname + `cname: true`: path `/<key>`, no bucket anywhere but in the signature
 *   - `sldEnable: true`: path `/<bucket>/<key>` (path style)
 * In every case the client signs `/<bucket>/<key>`. So instead of guessing the style from the
 * Host, we try each reading of the request and accept the one whose signature verifies: the
 * signature then proves which bucket and key the holder of the secret meant, and that pair must
 * be the credential's. At most three HMACs per request.
 */
import { isIP } from 'node:net';
import type { IncomingHttpHeaders } from 'node:http';
import { ossErrors } from './oss-error.js';
import {
  buildStringToSign,
  computeSignature,
  parseAuthorization,
  constantTimeEqual,
} from './oss-signature.js';

export interface UploadCredential {
  readonly accessKeySecret: string;
  readonly securityToken: string;
  readonly bucket: string;
  readonly objectKey: string;
  readonly expiresAt: Date;
}

/** Looks up temporary credentials by AccessKeyId; undefined if unknown. */
export type FindCredential = (accessKeyId: string) => Promise<UploadCredential | undefined>;

export interface OssRequestParts {
  readonly method: string;
  readonly headers: IncomingHttpHeaders;
  /** Raw (percent-encoded) path, without the query. */
  readonly path: string;
  readonly query: URLSearchParams;
}

export interface AuthenticatedUpload {
  readonly accessKeyId: string;
  readonly bucket: string;
  readonly objectKey: string;
  readonly credential: UploadCredential;
}

/** OSS allows 15 minutes between the request's date and the server's clock. */
export const DEFAULT_MAX_CLOCK_SKEW_MS = 15 * 60 * 1000;

/** Throws the `OssError` OSS would send, or resolves to the request's (authorised) target. */
export async function authenticateOssRequest(
  request: OssRequestParts,
  deps: { findCredential: FindCredential; now: Date; maxClockSkewMs?: number },
): Promise<AuthenticatedUpload> {
  const authorization = parseAuthorization(firstHeader(request.headers.authorization));
  if (authorization === undefined) {
    if (request.headers.authorization === undefined) {
      throw ossErrors.accessDenied('Anonymous access is forbidden for this operation.');
    }
    throw ossErrors.invalidArgument('Authorization header is invalid.', 'Authorization');
  }
  if (authorization.version === 4) {
    throw ossErrors.invalidArgument(
      'Signature version 4 is not supported by this endpoint; use signature version 1 (the ali-oss default).',
      'Authorization',
    );
  }
  const { accessKeyId, signature } = authorization;

  const credential = await deps.findCredential(accessKeyId);
  if (!credential) throw ossErrors.invalidAccessKeyId(accessKeyId);
  const token = firstHeader(request.headers['x-oss-security-token']);
  if (token === undefined) throw ossErrors.securityTokenMissing(accessKeyId);
  if (!constantTimeEqual(credential.securityToken, token)) throw ossErrors.invalidSecurityToken();
  if (deps.now.getTime() >= credential.expiresAt.getTime()) throw ossErrors.securityTokenExpired();

  const key = decodePath(request.path);
  const candidates = readingsOf(request.headers.host, key, credential.bucket);
  const signed = candidates.find((target) => {
    const stringToSign = buildStringToSign({
      ...request,
      bucket: target.bucket,
      objectKey: target.objectKey,
    });
    return constantTimeEqual(computeSignature(credential.accessKeySecret, stringToSign), signature);
  });
  if (!signed) {
    const first = candidates[0]!;
    const stringToSign = buildStringToSign({ ...request, bucket: first.bucket, objectKey: first.objectKey });
    throw ossErrors.signatureDoesNotMatch(accessKeyId, signature, redactToken(stringToSign));
  }

  checkRequestTime(request.headers, deps.now, deps.maxClockSkewMs ?? DEFAULT_MAX_CLOCK_SKEW_MS);

  if (signed.bucket !== credential.bucket || signed.objectKey !== credential.objectKey) {
    throw ossErrors.accessDenied(
      'You have no right to access this object: the upload credential allows writing one object only.',
    );
  }
  return { accessKeyId, bucket: signed.bucket, objectKey: signed.objectKey, credential };
}

/** The possible (bucket, key) readings of a request, most specific first, without duplicates. */
function readingsOf(
  host: string | undefined,
  path: string,
  credentialBucket: string,
): { bucket: string; objectKey: string }[] {
  const readings: { bucket: string; objectKey: string }[] = [];
  const hostname = host?.startsWith('[') ? '' : (host ?? '').replace(/:\d+$/, '');
  const dot = hostname.indexOf('.');
  if (dot > 0 && isIP(hostname) === 0) readings.push({ bucket: hostname.slice(0, dot), objectKey: path });
  const slash = path.indexOf('/');
  if (slash > 0) readings.push({ bucket: path.slice(0, slash), objectKey: path.slice(slash + 1) });
  readings.push({ bucket: credentialBucket, objectKey: path });
  return readings.filter(
    (r, i) => readings.findIndex((o) => o.bucket === r.bucket && o.objectKey === r.objectKey) === i,
  );
}

function decodePath(path: string): string {
  try {
    return decodeURIComponent(path.replace(/^\//, ''));
  } catch {
    throw ossErrors.invalidArgument('The request path is not valid percent-encoding.', 'ObjectName');
  }
}

function checkRequestTime(headers: IncomingHttpHeaders, now: Date, maxSkewMs: number): void {
  const sent = firstHeader(headers['x-oss-date']) ?? firstHeader(headers.date);
  const time = sent === undefined ? NaN : Date.parse(sent);
  if (Number.isNaN(time)) throw ossErrors.accessDenied('OSS authentication requires a valid Date.');
  if (Math.abs(time - now.getTime()) > maxSkewMs) throw ossErrors.requestTimeTooSkewed(sent!, now, maxSkewMs);
}

function firstHeader(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** The security token is a credential: keep it out of error bodies (and whatever logs them). */
function redactToken(stringToSign: string): string {
  return stringToSign.replace(/^x-oss-security-token:.*$/m, 'x-oss-security-token:<redacted>');
}
