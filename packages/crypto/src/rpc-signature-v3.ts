/**
 * POP signature V3 (`ACS3-HMAC-SHA256`, reference vod-api-more §1.4–1.5), the pure string part,
 * shared by the server (which verifies) and anything that signs: the canonical query, the
 * canonical headers, the canonical request and the Authorization header. Hashing and HMAC are
 * left to the caller (node:crypto on the server, WebCrypto in a browser).
 *
 *   CanonicalRequest = METHOD \n URI \n CanonicalQuery \n CanonicalHeaders \n SignedHeaders \n HexSHA256(body)
 *   StringToSign     = "ACS3-HMAC-SHA256" \n HexSHA256(CanonicalRequest)
 *   Signature        = HexHMAC-SHA256(key = AccessKeySecret, StringToSign)
 */
import { percentEncode } from './rpc-signature.js';

export const ACS3_HMAC_SHA256 = 'ACS3-HMAC-SHA256';

/** SHA-256 of the empty body, the `x-acs-content-sha256` of every body-less request. */
export const EMPTY_BODY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

type Pair = readonly [string, string];

const byCodeUnit = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * The decoded query parameters, sorted by name (then value), names and values percent-encoded
 * (RFC 3986: space → %20, `*` → %2A, `~` kept) and joined as `name=value&…`. An empty value
 * gives `name=`. Form-body parameters are not part of it: the body is covered by its hash.
 */
export function canonicalQueryV3(pairs: Iterable<Pair>): string {
  return [...pairs]
    .sort(([an, av], [bn, bv]) => byCodeUnit(an, bn) || byCodeUnit(av, bv))
    .map(([name, value]) => `${percentEncode(name)}=${percentEncode(value)}`)
    .join('&');
}

/** Whether a header takes part in the signature when the signer chooses (`host`, `content-type`, `x-acs-*`). */
export function isSignableHeaderV3(lowerName: string): boolean {
  return lowerName === 'host' || lowerName === 'content-type' || lowerName.startsWith('x-acs-');
}

/**
 * The canonical headers and the SignedHeaders list. `headers` are the request's raw name/value
 * pairs (a name may repeat). Names are lower-cased; the values of one name are trimmed, sorted
 * and joined with `,`. `signedNames` picks the headers (as a verifier does, from the
 * Authorization header); without it every signable header is taken (as a signer does).
 * A name in `signedNames` that the request lacks is listed in `missing`.
 */
export function canonicalHeadersV3(
  headers: Iterable<Pair>,
  signedNames?: readonly string[],
): { canonical: string; signedHeaders: string; missing: string[] } {
  const values = new Map<string, string[]>();
  for (const [rawName, value] of headers) {
    const name = rawName.toLowerCase();
    const list = values.get(name);
    if (list) list.push(value.trim());
    else values.set(name, [value.trim()]);
  }
  const names = signedNames
    ? [...new Set(signedNames.map((n) => n.toLowerCase()))]
    : [...values.keys()].filter(isSignableHeaderV3);
  names.sort(byCodeUnit);
  const missing = names.filter((name) => !values.has(name));
  const canonical = names
    .map((name) => `${name}:${[...(values.get(name) ?? [])].sort(byCodeUnit).join(',')}\n`)
    .join('');
  return { canonical, signedHeaders: names.join(';'), missing };
}

export interface CanonicalRequestV3Input {
  /** As sent, upper case (`POST`); not normalised, so DARA's raw-call vector (`undefined`) reproduces. */
  readonly method: string;
  /** `/` for every RPC-style API. */
  readonly uri: string;
  readonly query: Iterable<Pair>;
  readonly headers: Iterable<Pair>;
  readonly signedNames?: readonly string[];
  /** Lower-case hex SHA-256 of the body bytes. */
  readonly hashedPayload: string;
}

export function canonicalRequestV3(input: CanonicalRequestV3Input): {
  canonicalRequest: string;
  signedHeaders: string;
  missing: string[];
} {
  const headers = canonicalHeadersV3(input.headers, input.signedNames);
  const canonicalRequest = [
    input.method,
    input.uri,
    canonicalQueryV3(input.query),
    headers.canonical,
    headers.signedHeaders,
    input.hashedPayload,
  ].join('\n');
  return { canonicalRequest, signedHeaders: headers.signedHeaders, missing: headers.missing };
}

export function stringToSignV3(hashedCanonicalRequest: string): string {
  return `${ACS3_HMAC_SHA256}\n${hashedCanonicalRequest}`;
}

export interface AuthorizationV3 {
  readonly algorithm: string;
  readonly accessKeyId: string;
  /** Lower-cased names, in the order given. */
  readonly signedHeaders: readonly string[];
  readonly signature: string;
}

const AUTHORIZATION_V3 =
  /^(ACS3-[A-Z0-9-]+) Credential=([^,\s]+),SignedHeaders=([^,\s]*),Signature=([0-9a-fA-F]+)$/;

/** Parses `ACS3-HMAC-SHA256 Credential=<id>,SignedHeaders=<a;b>,Signature=<hex>`; undefined if malformed. */
export function parseAuthorizationV3(header: string): AuthorizationV3 | undefined {
  const match = AUTHORIZATION_V3.exec(header.trim());
  if (!match) return undefined;
  const [, algorithm = '', accessKeyId = '', signed = '', signature = ''] = match;
  const signedHeaders = signed === '' ? [] : signed.split(';').map((n) => n.toLowerCase());
  if (signedHeaders.some((n) => n === '')) return undefined;
  return { algorithm, accessKeyId, signedHeaders, signature: signature.toLowerCase() };
}

export function formatAuthorizationV3(accessKeyId: string, signedHeaders: string, signature: string): string {
  return `${ACS3_HMAC_SHA256} Credential=${accessKeyId},SignedHeaders=${signedHeaders},Signature=${signature}`;
}
