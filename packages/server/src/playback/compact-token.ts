/**
 * The signed-token format shared by PlayAuth, media tokens and `MtsHlsUriToken`s
 * (docs/formats.md, "PlayAuth and media URL tokens"): a compact JWS (RFC 7515 §7.1) with HS256,
 *
 *   token = base64url(header) "." base64url(payload) "." base64url(HMAC-SHA256(Kp, signing input))
 *   header = {"alg":"HS256","typ":"JWT"}          (exactly these bytes; anything else is refused)
 *   Kp     = HMAC-SHA256(secret, UTF-8("securevod/token/v1/" || purpose))
 *
 * One 32-byte server secret signs every kind of token, but each purpose ("play-auth", "media",
 * "hls-key") signs under its own derived key Kp, so a token of one kind never verifies as another
 * even if its claims happened to fit. The header is compared byte for byte, so `alg` cannot be
 * negotiated ("none", RS256 confusion). Tokens are signed, not encrypted: claims are readable,
 * and none of them is key material.
 *
 * Rotation: verification takes a list of secrets, current first then previous; signing uses the
 * first. Signatures are compared in constant time.
 *
 * All times are Unix seconds. `now` is passed in by the caller (no clock read here), which keeps
 * these functions pure and testable.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export type TokenPurpose = 'play-auth' | 'media' | 'hls-key';
/** One secret or the rotation list `[current, ...previous]`; each exactly 32 bytes. */
export type TokenSecrets = Uint8Array | readonly Uint8Array[];

export const TOKEN_SECRET_LENGTH = 32;
export const TOKEN_KEY_LABEL = 'securevod/token/v1/';
/** Longer strings are refused before any work: our tokens are a few hundred characters. */
export const MAX_TOKEN_LENGTH = 2048;
const HEADER = Buffer.from('{"alg":"HS256","typ":"JWT"}').toString('base64url');
const SIGNATURE_LENGTH = 32;

/** Signs `payload` (a JSON object) with the first secret. */
export function signCompactToken(secrets: TokenSecrets, purpose: TokenPurpose, payload: object): string {
  const secret = secretList(secrets)[0]!;
  const body = `${HEADER}.${Buffer.from(JSON.stringify(payload), 'utf8').toString('base64url')}`;
  return `${body}.${mac(secret, purpose, body).toString('base64url')}`;
}

/**
 * The payload of a well-formed token whose signature matches one of the secrets, or `null`. It
 * says nothing about the claims: callers check version, expiry and binding themselves.
 */
export function verifyCompactToken(
  secrets: TokenSecrets,
  purpose: TokenPurpose,
  token: string,
): Readonly<Record<string, unknown>> | null {
  if (typeof token !== 'string' || token.length > MAX_TOKEN_LENGTH) return null;
  // A player presents the same token for every segment and key: remember tokens whose signature
  // already verified under this very secrets object (callers still check expiry and binding on
  // the claims every time). Failed verifications are never cached. A hit returns the same frozen
  // object each time, so callers may key their own derived checks on it (WeakMap).
  const cache = verifiedCache(secrets, purpose);
  const hit = cache.get(token);
  if (hit) return hit;
  const list = secretList(secrets);
  const parts = token.split('.');
  if (parts.length !== 3) return null;
  const [header, payload, signature] = parts as [string, string, string];
  if (header !== HEADER) return null;
  const given = strictBase64Url(signature);
  const payloadBytes = strictBase64Url(payload);
  if (given === null || given.length !== SIGNATURE_LENGTH || payloadBytes === null) return null;
  const body = `${header}.${payload}`;
  let matched = false;
  for (const secret of list) {
    // No early exit: every secret is tried, so timing does not tell which one (if any) matched.
    if (timingSafeEqual(mac(secret, purpose, body), given)) matched = true;
  }
  if (!matched) return null;
  try {
    const claims: unknown = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(payloadBytes));
    if (typeof claims !== 'object' || claims === null || Array.isArray(claims)) return null;
    const frozen = Object.freeze(claims as Record<string, unknown>);
    cache.set(token, frozen);
    if (cache.size > MAX_VERIFIED_CACHED) cache.delete(cache.keys().next().value!);
    return frozen;
  } catch {
    return null;
  }
}

/**
 * Checks a caller-supplied `now` (or expiry): Unix seconds, an integer. Values that look like
 * milliseconds are refused — the classic bug of passing `Date.now()` would otherwise mint tokens
 * that live for centuries.
 */
export function assertUnixSeconds(value: number, name: string): void {
  if (!Number.isSafeInteger(value) || value < 0 || value >= 1e11) {
    throw new RangeError(`${name} must be Unix time in whole seconds (e.g. Math.floor(Date.now() / 1000)).`);
  }
}

/** Video ids and rendition names: what media paths and key URIs can carry. */
export function isId(value: unknown): value is string {
  return typeof value === 'string' && /^[A-Za-z0-9_-]{1,128}$/.test(value);
}

export function assertId(value: string, name: string): void {
  if (!isId(value)) throw new RangeError(`${name} must be 1 to 128 characters A-Z, a-z, 0-9, "_" or "-".`);
}

/**
 * A token kind's claim check, run once per verified token: `verifyCompactToken` returns the same
 * frozen payload for a token it has seen, so the checked claims are remembered on that object and
 * a player's repeated requests only compare them. A check that throws is not remembered.
 */
export function checkedOnce<T>(check: (payload: Readonly<Record<string, unknown>>) => T) {
  const checked = new WeakMap<object, T>();
  return (payload: Readonly<Record<string, unknown>>): T => {
    let claims = checked.get(payload);
    if (claims === undefined) {
      claims = check(payload);
      checked.set(payload, claims);
    }
    return claims;
  };
}

/** A claim holding Unix seconds. */
export function isTime(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

/** Decoded bytes of unpadded base64url in its one canonical spelling, else `null`. */
export function strictBase64Url(text: string): Buffer | null {
  if (!/^[A-Za-z0-9_-]*$/.test(text) || text.length % 4 === 1) return null;
  const bytes = Buffer.from(text, 'base64url');
  return bytes.toString('base64url') === text ? bytes : null;
}

const MAX_VERIFIED_CACHED = 10_000;
type VerifiedCache = Map<string, Readonly<Record<string, unknown>>>;
const verified = new WeakMap<object, Record<TokenPurpose, VerifiedCache>>();

/** Verified tokens by secrets object, then purpose (a token of one purpose never matches another's). */
function verifiedCache(secrets: TokenSecrets, purpose: TokenPurpose): VerifiedCache {
  let byPurpose = verified.get(secrets);
  if (!byPurpose) {
    secretList(secrets); // refuses malformed secrets before they become a cache key
    byPurpose = { 'play-auth': new Map(), media: new Map(), 'hls-key': new Map() };
    verified.set(secrets, byPurpose);
  }
  return byPurpose[purpose];
}

function secretList(secrets: TokenSecrets): readonly Uint8Array[] {
  const list = secrets instanceof Uint8Array ? [secrets] : secrets;
  if (!Array.isArray(list) || list.length === 0) {
    throw new TypeError('Token secrets must be one 32-byte secret or a non-empty list of them.');
  }
  for (const secret of list) {
    if (!(secret instanceof Uint8Array) || secret.length !== TOKEN_SECRET_LENGTH) {
      throw new RangeError(`Every token secret must be ${TOKEN_SECRET_LENGTH} bytes.`);
    }
  }
  return list;
}

function mac(secret: Uint8Array, purpose: TokenPurpose, body: string): Buffer {
  const purposeKey = createHmac('sha256', secret)
    .update(TOKEN_KEY_LABEL + purpose, 'utf8')
    .digest();
  try {
    return createHmac('sha256', purposeKey).update(body, 'ascii').digest();
  } finally {
    purposeKey.fill(0);
  }
}
