/**
 * Signature V3 (`ACS3-HMAC-SHA256`, reference vod-api-more §1.2–1.9), as unmodified
 * `@alicloud/openapi-client` sends it by default: business parameters in the query, action and
 * version in `x-acs-action` / `x-acs-version`, the signature in `Authorization`.
 *
 * Order of checks: Authorization well-formed → required headers → `x-acs-date` format and window →
 * every `host` / `x-acs-*` / `content-type` header signed → body hash → AccessKey (with the STS
 * token) → signature → key active → nonce (only a correctly signed request can spend a nonce).
 * The codes for the cases the reference leaves UNCONFIRMED are chosen in docs/api.md.
 */
import {
  ACS3_HMAC_SHA256,
  canonicalRequestV3,
  isSignableHeaderV3,
  parseAuthorizationV3,
} from '@securevod/crypto';
import { apiErrors } from '../errors/api-error.js';
import type { Caller } from './rpc-types.js';
import { signCanonicalRequestV3, sha256Hex } from './signature-v3.js';
import { signatureMatches } from './signature.js';
import { checkTimeWindow, SECRET_PARAMS, spendNonce, type AuthDeps } from './v1-authenticator.js';

const DATE_PATTERN = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z$/;
/** Headers whose values are secrets: masked where the canonical request is echoed back. */
const SECRET_HEADERS: ReadonlySet<string> = new Set(['x-acs-security-token']);

export interface V3Request {
  readonly method: string;
  /** The raw header pairs as received (names may repeat; duplicates are merged per §1.4). */
  readonly rawHeaders: readonly (readonly [string, string])[];
  /** The decoded query parameters, in order, duplicates kept. */
  readonly query: readonly (readonly [string, string])[];
  readonly body: Uint8Array;
}

/** True when a request is meant as V3: an `ACS3-…` Authorization, or `x-acs-action` with no `Action`. */
export function isV3Request(
  authorization: string | undefined,
  hasActionParam: boolean,
  hasActionHeader: boolean,
): boolean {
  if (authorization !== undefined) return authorization.trimStart().startsWith('ACS3-');
  return !hasActionParam && hasActionHeader;
}

export async function authenticateV3(request: V3Request, deps: AuthDeps): Promise<Caller> {
  const header = (name: string): string | undefined => {
    const values = request.rawHeaders.filter(([n]) => n.toLowerCase() === name).map(([, v]) => v.trim());
    return values.length === 0 ? undefined : values.join(',');
  };

  const authorization = header('authorization');
  if (authorization === undefined)
    throw apiErrors.incompleteSignature('The Authorization header is missing.');
  const auth = parseAuthorizationV3(authorization);
  if (!auth) {
    throw apiErrors.incompleteSignature(
      `The Authorization header is malformed; expected "${ACS3_HMAC_SHA256} Credential=<AccessKeyId>,SignedHeaders=<name;name>,Signature=<hex>".`,
    );
  }
  if (auth.algorithm !== ACS3_HMAC_SHA256) {
    throw apiErrors.incompleteSignature(
      `The signature algorithm ${auth.algorithm} is not supported; use ${ACS3_HMAC_SHA256}.`,
    );
  }

  const required = (name: string): string => {
    const value = header(name);
    if (value === undefined || value === '') throw apiErrors.missingParameter(name);
    return value;
  };
  const date = required('x-acs-date');
  const contentSha256 = required('x-acs-content-sha256');
  const nonce = required('x-acs-signature-nonce');
  if (!DATE_PATTERN.test(date) || Number.isNaN(Date.parse(date))) throw apiErrors.timestampFormat();
  checkTimeWindow(Date.parse(date), deps.now());

  const signed = new Set(auth.signedHeaders);
  for (const [rawName] of request.rawHeaders) {
    const name = rawName.toLowerCase();
    if (isSignableHeaderV3(name) && !signed.has(name)) {
      throw apiErrors.incompleteSignature(`The header ${name} must be listed in SignedHeaders.`);
    }
  }
  for (const name of ['host', 'x-acs-action', 'x-acs-version', 'x-acs-date', 'x-acs-content-sha256']) {
    if (!signed.has(name))
      throw apiErrors.incompleteSignature(`The header ${name} must be listed in SignedHeaders.`);
  }

  if (sha256Hex(request.body) !== contentSha256.toLowerCase()) {
    throw apiErrors.signatureDoesNotMatch(
      'The x-acs-content-sha256 header is not the SHA-256 of the request body: the body was changed after signing.',
    );
  }

  const accessKeyHeader = header('x-acs-accesskey-id');
  if (accessKeyHeader !== undefined && accessKeyHeader !== auth.accessKeyId) {
    throw apiErrors.incompleteSignature(
      'The x-acs-accesskey-id header names another AccessKeyId than the Credential.',
    );
  }
  const securityToken = header('x-acs-security-token');
  const key = await deps.findAccessKey(auth.accessKeyId, securityToken);
  if (!key) throw apiErrors.accessKeyNotFound();

  const canonical = (mask: boolean) =>
    canonicalRequestV3({
      method: request.method,
      uri: '/',
      query: mask
        ? request.query.map(([n, v]) => [n, SECRET_PARAMS.has(n) ? '***' : v] as const)
        : request.query,
      headers: mask
        ? request.rawHeaders.map(([n, v]) => [n, SECRET_HEADERS.has(n.toLowerCase()) ? '***' : v] as const)
        : request.rawHeaders,
      signedNames: auth.signedHeaders,
      hashedPayload: contentSha256.toLowerCase(),
    }).canonicalRequest;
  const { stringToSign, signature } = signCanonicalRequestV3(key.secret, canonical(false));
  if (!signatureMatches(signature, auth.signature)) {
    throw apiErrors.signatureDoesNotMatch(
      `server string to sign is:${stringToSign} canonical request (secrets masked) is:${canonical(true)}`,
    );
  }
  if (!key.active) throw apiErrors.accessKeyDisabled();
  await spendNonce(deps.replayCache, auth.accessKeyId, nonce);
  return securityToken === undefined
    ? { accessKeyId: auth.accessKeyId }
    : { accessKeyId: auth.accessKeyId, securityToken };
}
