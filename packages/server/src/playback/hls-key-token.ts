/**
 * `MtsHlsUriToken` for standard HLS encryption (DESIGN §5; reference §5.1): the token a key
 * request carries, so the key service answers the 16 key bytes only to a player that was given
 * play info for that video. A compact JWS (`compact-token.ts`, purpose "hls-key") with
 *
 *   { "v": 1, "scope": "hls-key", "vid": VideoId, "rendition": name, "period"?: key period,
 *     "exp": expiry, "ip"?: canonical client address, "sl"?: stream-limit claim }
 *
 * Without `period` the token opens every key period of that one rendition — what the media role
 * issues when it rewrites a media playlist (one token per playlist, so players fetch each period's
 * key with a URI that does not change within the period). With `period` it opens that period only.
 *
 * The vendor lets customers bring their own token for their own key service; that token is
 * opaque to us and passed through to foreign key URIs (`playlist-rewriter.ts`), never verified
 * here.
 */
import { bindableClientIp, clientMatches } from './client-ip.js';
import {
  assertId,
  assertUnixSeconds,
  isId,
  isTime,
  signCompactToken,
  verifyCompactToken,
  type TokenSecrets,
  checkedOnce,
} from './compact-token.js';
import { PlaybackError } from './playback-error.js';
import { isStreamLimitClaim, streamLimitClaim, type StreamLimitClaim } from './stream-limits.js';

/** The query parameter name (reference §5.1; the vendor's default pass-through name). */
export const HLS_KEY_TOKEN_PARAM = 'MtsHlsUriToken';
const MAX_PERIOD = 0xffffffff;

export interface HlsKeyTokenClaims {
  readonly v: 1;
  readonly scope: 'hls-key';
  readonly vid: string;
  readonly rendition: string;
  /** Absent: any period of the rendition. */
  readonly period?: number;
  readonly exp: number;
  readonly ip?: string;
  /** The media token's stream-limit claim: key requests renew the session's lease. */
  readonly sl?: StreamLimitClaim;
}

export interface IssueHlsKeyTokenOptions {
  readonly videoId: string;
  readonly rendition: string;
  readonly period?: number;
  /** Unix seconds. */
  readonly expiresAt: number;
  readonly clientIp?: string;
  readonly streamLimit?: StreamLimitClaim;
}

export interface VerifyHlsKeyTokenOptions {
  /** Unix seconds. */
  readonly now: number;
  /** What the key request asks for. */
  readonly videoId: string;
  readonly rendition: string;
  readonly period: number;
  readonly clientIp?: string;
}

export function issueHlsKeyToken(secrets: TokenSecrets, opts: IssueHlsKeyTokenOptions): string {
  assertId(opts.videoId, 'videoId');
  assertId(opts.rendition, 'rendition');
  assertUnixSeconds(opts.expiresAt, 'expiresAt');
  if (opts.period !== undefined && !isPeriod(opts.period)) {
    throw new RangeError(`period must be an integer from 0 to ${MAX_PERIOD}; got ${opts.period}.`);
  }
  const claims: HlsKeyTokenClaims = {
    v: 1,
    scope: 'hls-key',
    vid: opts.videoId,
    rendition: opts.rendition,
    ...(opts.period !== undefined ? { period: opts.period } : {}),
    exp: opts.expiresAt,
    ...(opts.clientIp !== undefined ? { ip: bindableClientIp(opts.clientIp) } : {}),
    ...(opts.streamLimit !== undefined ? { sl: streamLimitClaim(opts.streamLimit) } : {}),
  };
  return signCompactToken(secrets, 'hls-key', claims);
}

/**
 * The claims of a valid token, or a `PlaybackError`: `HlsKeyTokenMissing`, `HlsKeyTokenInvalid`,
 * `HlsKeyTokenExpired`, `HlsKeyTokenWrongVideo`, `HlsKeyTokenWrongRendition`,
 * `HlsKeyTokenWrongPeriod`, `HlsKeyTokenWrongClient`, in that order.
 */
export function verifyHlsKeyToken(
  secrets: TokenSecrets,
  token: string | undefined,
  opts: VerifyHlsKeyTokenOptions,
): HlsKeyTokenClaims {
  assertUnixSeconds(opts.now, 'now');
  if (!isPeriod(opts.period)) {
    throw new RangeError(
      `The requested period must be an integer from 0 to ${MAX_PERIOD}; got ${opts.period}.`,
    );
  }
  if (token === undefined || token === '') throw new PlaybackError('HlsKeyTokenMissing');
  const p = verifyCompactToken(secrets, 'hls-key', token);
  if (p === null) throw new PlaybackError('HlsKeyTokenInvalid');
  const claims = hlsKeyClaims(p);
  if (opts.now >= claims.exp) throw new PlaybackError('HlsKeyTokenExpired');
  if (claims.vid !== opts.videoId) throw new PlaybackError('HlsKeyTokenWrongVideo');
  if (claims.rendition !== opts.rendition) throw new PlaybackError('HlsKeyTokenWrongRendition');
  if (claims.period !== undefined && claims.period !== opts.period) {
    throw new PlaybackError('HlsKeyTokenWrongPeriod');
  }
  if (!clientMatches(claims.ip, opts.clientIp)) throw new PlaybackError('HlsKeyTokenWrongClient');
  return claims;
}

/** The claims of a verified hls-key token, checked once per token (`checkedOnce`). */
const hlsKeyClaims = checkedOnce((p): HlsKeyTokenClaims => {
  if (
    p.v !== 1 ||
    p.scope !== 'hls-key' ||
    !isId(p.vid) ||
    !isId(p.rendition) ||
    (p.period !== undefined && !isPeriod(p.period)) ||
    !isTime(p.exp) ||
    (p.ip !== undefined && typeof p.ip !== 'string') ||
    (p.sl !== undefined && !isStreamLimitClaim(p.sl))
  ) {
    throw new PlaybackError('HlsKeyTokenInvalid');
  }
  return Object.freeze({
    v: 1,
    scope: 'hls-key',
    vid: p.vid,
    rendition: p.rendition,
    ...(p.period !== undefined ? { period: p.period as number } : {}),
    exp: p.exp,
    ...(p.ip !== undefined ? { ip: p.ip as string } : {}),
    ...(p.sl !== undefined ? { sl: streamLimitClaim(p.sl as StreamLimitClaim) } : {}),
  });
});

function isPeriod(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= MAX_PERIOD;
}
