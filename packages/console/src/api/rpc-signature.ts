/**
 * POP RPC signature v1 in the browser (reference §1.3–1.4), on WebCrypto: HMAC-SHA1 over
 * `METHOD&%2F&percentEncode(canonicalized query)`, keyed with `AccessKeySecret + "&"`.
 * It mirrors `packages/server/src/rpc/signature.ts` (Node's crypto) byte for byte; the console's
 * tests sign the same inputs with both and compare.
 */

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

/** Base64 HMAC-SHA1 of `toSign` keyed with `accessKeySecret + "&"`. */
export async function sign(accessKeySecret: string, toSign: string): Promise<string> {
  const encoder = new TextEncoder();
  const key = await crypto.subtle.importKey(
    'raw',
    encoder.encode(`${accessKeySecret}&`),
    { name: 'HMAC', hash: 'SHA-1' },
    false,
    ['sign'],
  );
  const mac = new Uint8Array(await crypto.subtle.sign('HMAC', key, encoder.encode(toSign)));
  let binary = '';
  for (const byte of mac) binary += String.fromCharCode(byte);
  return btoa(binary);
}

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
