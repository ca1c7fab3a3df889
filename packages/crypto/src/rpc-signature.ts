/**
 * POP RPC signature v1 (reference §1.3–1.4), shared by the server (which verifies), the CLI and
 * the console (which sign): RFC 3986 percent-encoding, the canonicalized query, the string to
 * sign `METHOD&%2F&percentEncode(canonicalized)`, and an isomorphic WebCrypto HMAC-SHA1 keyed with
 * `AccessKeySecret + "&"`. The server keeps a synchronous node:crypto HMAC for its hot path.
 */

/** RFC 3986 encoding as the API requires: unreserved `A-Z a-z 0-9 - _ . ~` kept, space as %20. */
export function percentEncode(value: string): string {
  return encodeURIComponent(value).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

/** Sorted `name=value` pairs joined with `&`, every name and value percent-encoded; no Signature. */
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

/** Base64 HMAC-SHA1 of `toSign` keyed with `accessKeySecret + "&"` (WebCrypto). */
export async function signRpcString(accessKeySecret: string, toSign: string): Promise<string> {
  const encoder = new TextEncoder();
  const key = await globalThis.crypto.subtle.importKey(
    'raw',
    encoder.encode(`${accessKeySecret}&`),
    { name: 'HMAC', hash: 'SHA-1' },
    false,
    ['sign'],
  );
  const mac = new Uint8Array(await globalThis.crypto.subtle.sign('HMAC', key, encoder.encode(toSign)));
  let binary = '';
  for (const byte of mac) binary += String.fromCharCode(byte);
  return btoa(binary);
}
