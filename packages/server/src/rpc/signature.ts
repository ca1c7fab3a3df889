/**
 * POP RPC signature v1 (reference §1.3–1.4): HMAC-SHA1 over
 * `METHOD&%2F&percentEncode(canonicalized query)`, keyed with `AccessKeySecret + "&"`.
 * The same functions sign (CLI, tests) and verify (RPC layer), so both sides cannot drift.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

/** RFC 3986 encoding as the API requires: unreserved `A-Z a-z 0-9 - _ . ~` kept, space as %20. */
export function percentEncode(value: string): string {
  return encodeURIComponent(value).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

/** Sorted `name=value` pairs joined with `&`, every name and value percent-encoded. */
export function canonicalize(params: Readonly<Record<string, string>>): string {
  return Object.keys(params)
    .filter((name) => name !== 'Signature')
    .map((name) => [percentEncode(name), percentEncode(params[name] ?? '')] as const)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, value]) => `${name}=${value}`)
    .join('&');
}

export function stringToSign(method: string, params: Readonly<Record<string, string>>): string {
  return `${method.toUpperCase()}&${percentEncode('/')}&${percentEncode(canonicalize(params))}`;
}

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
