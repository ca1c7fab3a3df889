/**
 * Signature V3 (`ACS3-HMAC-SHA256`, reference vod-api-more §1.4–1.5) with node:crypto: the
 * canonical strings come from @securevod/crypto, shared with every signer; this file hashes and
 * MACs them. `signRequestV3` signs as openapi-client does; our tests use it to build requests
 * the vendor's client would never send (tampered, stale, replayed).
 */
import {
  canonicalRequestV3,
  EMPTY_BODY_SHA256,
  formatAuthorizationV3,
  stringToSignV3,
  type CanonicalRequestV3Input,
} from '@securevod/crypto';
import { createHash, createHmac } from 'node:crypto';

export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** The signature of a canonical request, and the string to sign it was computed over. */
export function signCanonicalRequestV3(
  accessKeySecret: string,
  canonicalRequest: string,
): { stringToSign: string; signature: string } {
  const stringToSign = stringToSignV3(sha256Hex(canonicalRequest));
  const signature = createHmac('sha256', accessKeySecret).update(stringToSign, 'utf8').digest('hex');
  return { stringToSign, signature };
}

export interface SignRequestV3Input {
  method: string;
  host: string;
  action: string;
  version: string;
  accessKeyId: string;
  accessKeySecret: string;
  securityToken?: string;
  query?: Readonly<Record<string, string>>;
  body?: string;
  contentType?: string;
  date?: string;
  nonce?: string;
}

/** Headers (Authorization included) for a V3 request, as openapi-client builds them. */
export function signRequestV3(input: SignRequestV3Input): Record<string, string> {
  const body = input.body ?? '';
  const headers: Record<string, string> = {
    host: input.host,
    'x-acs-action': input.action,
    'x-acs-version': input.version,
    'x-acs-date': input.date ?? new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
    'x-acs-signature-nonce': input.nonce ?? sha256Hex(`${Math.random()}:${process.hrtime.bigint()}`),
    'x-acs-content-sha256': body === '' ? EMPTY_BODY_SHA256 : sha256Hex(body),
    ...(input.contentType ? { 'content-type': input.contentType } : {}),
    ...(input.securityToken
      ? { 'x-acs-accesskey-id': input.accessKeyId, 'x-acs-security-token': input.securityToken }
      : {}),
  };
  const request: CanonicalRequestV3Input = {
    method: input.method,
    uri: '/',
    query: Object.entries(input.query ?? {}),
    headers: Object.entries(headers),
    hashedPayload: headers['x-acs-content-sha256'] ?? EMPTY_BODY_SHA256,
  };
  const { canonicalRequest, signedHeaders } = canonicalRequestV3(request);
  const { signature } = signCanonicalRequestV3(input.accessKeySecret, canonicalRequest);
  return { ...headers, authorization: formatAuthorizationV3(input.accessKeyId, signedHeaders, signature) };
}
