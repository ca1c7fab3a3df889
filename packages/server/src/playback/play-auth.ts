/**
 * PlayAuth (DESIGN §5; reference §2.2 GetVideoPlayAuth): a short-lived credential for one video
 * that the application's backend obtains with its AccessKey and hands to the web player, which
 * trades it for play info. Format: a compact JWS (`compact-token.ts`, purpose "play-auth") with
 *
 *   { "v": 1, "vid": VideoId, "exp": expiry, "iat": issued, "jti": random id,
 *     "uid"?: viewer id, "ip"?: canonical client address, "tr"?: trace ID }
 *
 * `tr`: GetVideoPlayAuth's `Trace` (our extension; docs/tracing.md). The play info traded for the
 * PlayAuth carries it into the session's media token, which selects the A/B sequence.
 *
 * It carries no key material. Validity is `AuthInfoTimeout` seconds: 100 by default, 100–3000
 * (the reference's range). A token is expired from second `exp` on (RFC 7519 §4.1.4). `jti` is
 * 128 random bits: it makes every PlayAuth distinct and lets a caller that wants single use
 * remember it until `exp`.
 *
 * Callers: `GetVideoPlayAuth` issues; the play-info endpoint verifies with the rotation list.
 */
import { randomBytes } from 'node:crypto';
import { bindableClientIp, clientMatches } from './client-ip.js';
import {
  assertId,
  assertUnixSeconds,
  isId,
  isTime,
  signCompactToken,
  verifyCompactToken,
  type TokenSecrets,
} from './compact-token.js';
import { checkedTraceId } from './media-token.js';
import { PlaybackError } from './playback-error.js';
import { isValidTraceId } from '../trace/trace-code.js';

export const PLAY_AUTH_DEFAULT_TTL_SECONDS = 100;
export const PLAY_AUTH_MIN_TTL_SECONDS = 100;
export const PLAY_AUTH_MAX_TTL_SECONDS = 3000;

export interface PlayAuthClaims {
  readonly v: 1;
  readonly vid: string;
  readonly exp: number;
  readonly iat: number;
  readonly jti: string;
  readonly uid?: string;
  readonly ip?: string;
  readonly tr?: string;
}

export interface IssuePlayAuthOptions {
  readonly videoId: string;
  /** `AuthInfoTimeout`; default 100, 100..3000 (the API handler reports other values as InvalidParameter). */
  readonly ttlSeconds?: number;
  /** Opaque viewer id the application wants echoed back (e.g. for its own audit). */
  readonly viewerId?: string;
  /** Bind to this client address (canonicalised). */
  readonly clientIp?: string;
  /** Unix seconds. */
  readonly now: number;
  /** Leak tracing: the trace ID the session will carry (letters and digits, ≤ 1024). */
  readonly traceId?: string;
}

export interface VerifyPlayAuthOptions {
  /** Unix seconds. */
  readonly now: number;
  /** When given, the token must name this video. */
  readonly videoId?: string;
  /** The request's address; required to use a token bound to an address. */
  readonly clientIp?: string;
}

/** Signs a PlayAuth with the first (current) secret. Arguments outside the contract throw Range/TypeError. */
export function issuePlayAuth(secrets: TokenSecrets, opts: IssuePlayAuthOptions): string {
  assertUnixSeconds(opts.now, 'now');
  const ttl = opts.ttlSeconds ?? PLAY_AUTH_DEFAULT_TTL_SECONDS;
  if (!Number.isInteger(ttl) || ttl < PLAY_AUTH_MIN_TTL_SECONDS || ttl > PLAY_AUTH_MAX_TTL_SECONDS) {
    throw new RangeError(
      `ttlSeconds must be an integer from ${PLAY_AUTH_MIN_TTL_SECONDS} to ${PLAY_AUTH_MAX_TTL_SECONDS}; got ${ttl}.`,
    );
  }
  assertId(opts.videoId, 'videoId');
  const claims: PlayAuthClaims = {
    v: 1,
    vid: opts.videoId,
    exp: opts.now + ttl,
    iat: opts.now,
    jti: randomBytes(16).toString('base64url'),
    ...(opts.viewerId !== undefined ? { uid: checkedViewerId(opts.viewerId) } : {}),
    ...(opts.clientIp !== undefined ? { ip: bindableClientIp(opts.clientIp) } : {}),
    ...(opts.traceId !== undefined ? { tr: checkedTraceId(opts.traceId) } : {}),
  };
  return signCompactToken(secrets, 'play-auth', claims);
}

/**
 * The claims of a valid PlayAuth, or a `PlaybackError`: `PlayAuthMissing` (no token),
 * `PlayAuthInvalid` (format, signature, claims), `PlayAuthExpired`, `PlayAuthWrongVideo`,
 * `PlayAuthWrongClient` — checked in that order, so a forged token is never reported as expired.
 */
export function verifyPlayAuth(
  secrets: TokenSecrets,
  token: string | undefined,
  opts: VerifyPlayAuthOptions,
): PlayAuthClaims {
  assertUnixSeconds(opts.now, 'now');
  if (token === undefined || token === '') throw new PlaybackError('PlayAuthMissing');
  const payload = verifyCompactToken(secrets, 'play-auth', token);
  const claims = payload === null ? null : readClaims(payload);
  if (claims === null) throw new PlaybackError('PlayAuthInvalid');
  if (opts.now >= claims.exp) throw new PlaybackError('PlayAuthExpired');
  if (opts.videoId !== undefined && claims.vid !== opts.videoId)
    throw new PlaybackError('PlayAuthWrongVideo');
  if (!clientMatches(claims.ip, opts.clientIp)) throw new PlaybackError('PlayAuthWrongClient');
  return claims;
}

function readClaims(p: Record<string, unknown>): PlayAuthClaims | null {
  if (p.v !== 1 || !isId(p.vid) || !isTime(p.exp) || !isTime(p.iat) || typeof p.jti !== 'string') return null;
  if (p.exp <= p.iat || p.exp - p.iat > PLAY_AUTH_MAX_TTL_SECONDS) return null;
  if (p.uid !== undefined && typeof p.uid !== 'string') return null;
  if (p.ip !== undefined && typeof p.ip !== 'string') return null;
  if (p.tr !== undefined && (typeof p.tr !== 'string' || !isValidTraceId(p.tr))) return null;
  return {
    v: 1,
    vid: p.vid,
    exp: p.exp,
    iat: p.iat,
    jti: p.jti,
    ...(p.uid !== undefined ? { uid: p.uid as string } : {}),
    ...(p.ip !== undefined ? { ip: p.ip as string } : {}),
    ...(p.tr !== undefined ? { tr: p.tr as string } : {}),
  };
}

function checkedViewerId(uid: string): string {
  if (typeof uid !== 'string' || uid === '' || uid.length > 128) {
    throw new RangeError('viewerId must be a string of 1 to 128 characters.');
  }
  return uid;
}
