/**
 * SearchMedia's `ScrollToken` (reference-more §5.1): where the previous page ended, so the next
 * request continues from there by keyset (no offset, no 5000-hit limit). The token is opaque to
 * clients: base64url JSON of the page number it was issued for, the last row's sort values and
 * id, and a hash of the search (type, Match, SortBy) it belongs to.
 *
 * It is not signed: a forged position only moves where a search starts, and the search itself
 * (with the caller's own Match and permissions) is applied again on every page. It does not
 * expire — keyset positions do not go stale (the cloud's lifetime is UNCONFIRMED).
 */
import { createHash } from 'node:crypto';
import { apiErrors } from '../errors/api-error.js';

export interface ScrollState {
  /** PageNo of the page that ended here. */
  readonly pageNo: number;
  readonly values: readonly (string | number)[];
  readonly id: string;
  readonly search: string;
}

export function searchFingerprint(searchType: string, match: string, sortBy: string): string {
  return createHash('sha256').update(`${searchType}\n${match}\n${sortBy}`).digest('hex').slice(0, 16);
}

export function encodeScrollToken(state: ScrollState): string {
  return Buffer.from(
    JSON.stringify({ p: state.pageNo, k: state.values, i: state.id, s: state.search }),
  ).toString('base64url');
}

export function decodeScrollToken(token: string, search: string): ScrollState {
  const bad = (why: string) => apiErrors.invalidParameter('ScrollToken', why);
  let raw: unknown;
  try {
    if (token.length > 2048 || !/^[A-Za-z0-9_-]+$/.test(token)) throw new Error('format');
    raw = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    throw bad('It is not a ScrollToken returned by SearchMedia.');
  }
  const t = raw as { p?: unknown; k?: unknown; i?: unknown; s?: unknown };
  if (
    !Number.isSafeInteger(t.p) ||
    (t.p as number) < 1 ||
    !Array.isArray(t.k) ||
    !t.k.every((v) => typeof v === 'string' || typeof v === 'number') ||
    typeof t.i !== 'string' ||
    typeof t.s !== 'string'
  ) {
    throw bad('It is not a ScrollToken returned by SearchMedia.');
  }
  if (t.s !== search) {
    throw bad(
      'It belongs to a search with another SearchType, Match or SortBy; send the same ones as for the page that returned it.',
    );
  }
  return { pageNo: t.p as number, values: t.k as (string | number)[], id: t.i, search: t.s };
}
