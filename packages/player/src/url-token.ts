/**
 * Query-token handling for every request the SDK makes to the securevod server (DESIGN §5).
 *
 * The server puts authorisation in the query of every URL it hands out (PlayURL and every URI
 * inside the playlists it serves). Those URLs carry the token that was current when the playlist
 * was served; a long playback outlives it. So the SDK sets `token` to the *current* session token
 * on each request, replacing whatever the URL carried, and keeps every other parameter (e.g.
 * `auth_key`, `MtsHlsUriToken`) byte for byte.
 *
 * Pure; unit-tested in test/url-token.test.ts.
 */

/** The query parameter the server reads the session/media token from. */
export const TOKEN_PARAM = 'token';

/**
 * `url` with `token=<token>` replacing every existing `token` parameter (or appended). The other
 * parameters keep their order and their exact encoding: only `token` is touched, because a
 * signature such as `auth_key` may be checked against the rest of the URL as written.
 */
export function withToken(url: string, token: string): string {
  const hashAt = url.indexOf('#');
  const fragment = hashAt === -1 ? '' : url.slice(hashAt);
  const beforeHash = hashAt === -1 ? url : url.slice(0, hashAt);
  const queryAt = beforeHash.indexOf('?');
  const base = queryAt === -1 ? beforeHash : beforeHash.slice(0, queryAt);
  const query = queryAt === -1 ? '' : beforeHash.slice(queryAt + 1);
  const kept = query === '' ? [] : query.split('&').filter((part) => !isTokenPair(part));
  kept.push(`${TOKEN_PARAM}=${encodeURIComponent(token)}`);
  return `${base}?${kept.join('&')}${fragment}`;
}

function isTokenPair(part: string): boolean {
  if (part === '') return true; // drop empty pairs from "a=1&&b=2" or a trailing "&"
  const eq = part.indexOf('=');
  const name = eq === -1 ? part : part.slice(0, eq);
  try {
    return decodeURIComponent(name.replace(/\+/g, ' ')) === TOKEN_PARAM;
  } catch {
    return false;
  }
}

/**
 * The identity of a resource for caches and maps: origin + path, without query or fragment.
 * Segment, init and key URLs differ between playlist loads only in their query (tokens,
 * signatures), so this is what "the same key URI" or "the same segment" means to the SDK.
 */
export function resourceId(url: string, base?: string): string {
  const u = new URL(url, base);
  return `${u.origin}${u.pathname}`;
}

/** Origin of an absolute http(s) URL, or undefined for anything else. */
export function httpOrigin(url: string): string | undefined {
  try {
    const u = new URL(url);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.origin : undefined;
  } catch {
    return undefined;
  }
}
