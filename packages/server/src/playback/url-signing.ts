/**
 * Type-A URL signing, the vendor's only CDN scheme for VOD (reference §4.1):
 *
 *   URL      = path "?auth_key=" timestamp "-" rand "-" uid "-" md5hash
 *   md5hash  = lowercase hex md5(path "-" timestamp "-" rand "-" uid "-" PrivateKey)
 *
 * `path` is the URI path as it appears in the request line (percent-encoded form), without the
 * query. Signatures with the primary or the secondary key both validate (key rotation).
 *
 * What the timestamp means is a configuration, `validitySeconds` (the CDN's "Default Validity
 * Period"): the URL is valid while `now <= timestamp + validitySeconds`, exactly the CDN's rule.
 *   - Our default is 0: the timestamp IS the expiry. URLs then expire exactly when their media
 *     token does, and the link states its own lifetime.
 *   - With a CDN in front that adds its own validity V to the timestamp, configure the same V
 *     here: signing writes `timestamp = expiresAt - V`, so the CDN and the origin agree.
 *
 * MD5 with a shared key is the vendor's design, kept for compatibility with CDNs that verify type
 * A; the media token (`media-token.ts`, HMAC-SHA256) is what the origin relies on as well.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { assertUnixSeconds } from './compact-token.js';

export const AUTH_KEY_PARAM = 'auth_key';
const FIELD = /^[0-9A-Za-z]{1,64}$/;
const AUTH_KEY = /^(\d{1,10})-([0-9A-Za-z]{1,64})-([0-9A-Za-z]{1,64})-([0-9a-f]{32})$/;

export interface SignPathOptions {
  /** The primary key (the first of the configured keys). */
  readonly privateKey: string;
  /** Unix seconds after which the URL stops working. */
  readonly expiresAt: number;
  /** Default "0"; a random value (e.g. a UUID without hyphens) makes each URL distinct. */
  readonly rand?: string;
  /** Default "0". */
  readonly uid?: string;
  /** The configured validity V (default 0); the timestamp written is `expiresAt - V`. */
  readonly validitySeconds?: number;
}

export interface VerifyAuthKeyOptions {
  /** Primary and secondary key; any one may have signed. */
  readonly privateKeys: readonly string[];
  /** Unix seconds. */
  readonly now: number;
  /** The configured validity V added to the timestamp; default 0 (timestamp = expiry). */
  readonly defaultValiditySeconds?: number;
}

export type AuthKeyCheck =
  | {
      readonly ok: true;
      readonly timestamp: number;
      readonly rand: string;
      readonly uid: string;
      /** `timestamp + validity`: the last second the URL is valid. */
      readonly expiresAt: number;
    }
  | { readonly ok: false; readonly reason: 'Missing' | 'Invalid' | 'Expired' };

/** The `auth_key` value for `path`: "timestamp-rand-uid-md5hash". */
export function signPath(path: string, opts: SignPathOptions): string {
  assertPath(path);
  assertPrivateKey(opts.privateKey);
  assertUnixSeconds(opts.expiresAt, 'expiresAt');
  const validity = checkedValidity(opts.validitySeconds);
  const timestamp = opts.expiresAt - validity;
  if (timestamp < 0) throw new RangeError('expiresAt is earlier than the configured validity allows.');
  const rand = opts.rand ?? '0';
  const uid = opts.uid ?? '0';
  if (!FIELD.test(rand) || !FIELD.test(uid)) {
    throw new RangeError('rand and uid must be 1 to 64 characters A-Z, a-z or 0-9.');
  }
  return `${timestamp}-${rand}-${uid}-${authKeyHash(path, timestamp, rand, uid, opts.privateKey)}`;
}

/**
 * Checks an `auth_key` for `path`. The signature is checked before the expiry, so a forged key is
 * `Invalid`, never `Expired`. Never throws for request input; throws Range/TypeError for a broken
 * configuration.
 */
export function verifyAuthKey(
  path: string,
  authKey: string | undefined | null,
  opts: VerifyAuthKeyOptions,
): AuthKeyCheck {
  assertUnixSeconds(opts.now, 'now');
  const validity = checkedValidity(opts.defaultValiditySeconds);
  if (!Array.isArray(opts.privateKeys) || opts.privateKeys.length === 0) {
    throw new TypeError('privateKeys must list at least one key.');
  }
  opts.privateKeys.forEach(assertPrivateKey);
  if (authKey === undefined || authKey === null || authKey === '') return { ok: false, reason: 'Missing' };
  const match = typeof authKey === 'string' ? AUTH_KEY.exec(authKey) : null;
  if (match === null || !isPath(path)) return { ok: false, reason: 'Invalid' };
  const [, ts, rand, uid, hash] = match as unknown as [string, string, string, string, string];
  const timestamp = Number(ts);
  const given = Buffer.from(hash, 'hex');
  let matched = false;
  for (const key of opts.privateKeys) {
    const expected = Buffer.from(authKeyHash(path, timestamp, rand, uid, key), 'hex');
    if (timingSafeEqual(expected, given)) matched = true;
  }
  if (!matched) return { ok: false, reason: 'Invalid' };
  const expiresAt = timestamp + validity;
  if (opts.now > expiresAt) return { ok: false, reason: 'Expired' };
  return { ok: true, timestamp, rand, uid, expiresAt };
}

/** md5hash of the scheme (exported for tests and for tools that print signed URLs). */
export function authKeyHash(
  path: string,
  timestamp: number,
  rand: string,
  uid: string,
  privateKey: string,
): string {
  return createHash('md5').update(`${path}-${timestamp}-${rand}-${uid}-${privateKey}`, 'utf8').digest('hex');
}

/**
 * A path as signed: starts with "/", printable ASCII (request paths are percent-encoded), no
 * query or fragment.
 */
function isPath(path: unknown): path is string {
  return typeof path === 'string' && /^\/[!-~]*$/.test(path) && !/[?#]/.test(path);
}

function assertPath(path: string): void {
  if (!isPath(path)) {
    throw new TypeError('The path to sign must start with "/" and hold no query, fragment or whitespace.');
  }
}

function assertPrivateKey(key: string): void {
  if (typeof key !== 'string' || !/^[\x21-\x7e]{6,128}$/.test(key)) {
    throw new TypeError('A URL-signing key must be 6 to 128 printable ASCII characters without spaces.');
  }
}

function checkedValidity(value: number | undefined): number {
  const validity = value ?? 0;
  if (!Number.isSafeInteger(validity) || validity < 0) {
    throw new RangeError(`The URL validity must be a whole number of seconds ≥ 0; got ${value}.`);
  }
  return validity;
}
