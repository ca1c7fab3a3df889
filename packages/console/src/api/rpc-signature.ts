/**
 * POP RPC signature v1 in the browser (reference §1.3–1.4), on WebCrypto: HMAC-SHA1 over
 * `METHOD&%2F&percentEncode(canonicalized query)`, keyed with `AccessKeySecret + "&"`.
 * The encoding and string to sign are @securevod/crypto's, shared with the server; the console's
 * tests sign the same inputs here and with the server's node:crypto HMAC and compare.
 */

import { canonicalize, percentEncode, signRpcString, stringToSign } from '@securevod/crypto';

export { canonicalize, percentEncode, stringToSign };

/** Base64 HMAC-SHA1 of `toSign` keyed with `accessKeySecret + "&"`. */
export const sign = signRpcString;

/** A complete signed parameter set (the input plus `Signature`). */
export async function signParams(
  method: 'GET' | 'POST',
  params: Readonly<Record<string, string>>,
  accessKeySecret: string,
): Promise<Record<string, string>> {
  return { ...params, Signature: await sign(accessKeySecret, stringToSign(method, params)) };
}

/** The API's Timestamp format: ISO 8601 UTC with seconds precision, as pop-core sends it. */
export function rpcTimestamp(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
