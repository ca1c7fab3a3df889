/**
 * POP RPC signature v1 (reference §1.3–1.4): HMAC-SHA1 over
 * `METHOD&%2F&percentEncode(canonicalized query)`, keyed with `AccessKeySecret + "&"`.
 * The same functions sign (CLI, tests) and verify (RPC layer), so both sides cannot drift.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { canonicalize, percentEncode, stringToSign } from '@securevod/crypto';

export { canonicalize, percentEncode, stringToSign };

export function sign(accessKeySecret: string, toSign: string): string {
  return createHmac('sha1', `${accessKeySecret}&`).update(toSign, 'utf8').digest('base64');
}

/** Constant-time comparison of a received signature with the expected one. */
export function signatureMatches(expected: string, received: string): boolean {
  const a = Buffer.from(expected, 'utf8');
  const b = Buffer.from(received, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Builds a complete signed parameter set, as pop-core does; used by our CLI and tests. */
export function signParams(
  method: 'GET' | 'POST',
  params: Readonly<Record<string, string>>,
  accessKeySecret: string,
): Record<string, string> {
  const signature = sign(accessKeySecret, stringToSign(method, params));
  return { ...params, Signature: signature };
}
