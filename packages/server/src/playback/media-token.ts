/**
 * Media token: what authorises media delivery for one video (DESIGN §5, "Segments stay
 * cacheable"; docs/formats.md, "PlayAuth and media URL tokens"). A compact JWS
 * (`compact-token.ts`, purpose "media") with
 *
 *   { "v": 1, "scope": "media", "vid": VideoId, "exp": expiry, "ip"?: canonical client address,
 *     "sl"?: stream-limit claim, "tr"?: trace ID }
 *
 * `tr` (leak tracing, docs/tracing.md): the session's trace ID. The media role serves a traced
 * rendition's playlist with this session's A/B sequence; it is signed into the token, so a viewer
 * cannot choose another sequence.
 *
 * It authorises every object under `/media/<vid>/` — master and media playlists, init segments,
 * segments — so one token issued with the play info reaches everything the playlists name: the
 * media role copies it onto every URI as it rewrites each playlist (`media-access.ts`). It names
 * no path, so it is the same on every URI of a playback; caches leave it out of their key.
 *
 * `sl` marks a session under a concurrent-stream limit (`stream-limits.ts`): the media and key
 * roles renew its lease on every media and key request.
 *
 * Callers: GetPlayInfo / play info issue; the media role verifies on every request.
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
import { isValidTraceId } from '../trace/trace-code.js';

/** A trace ID for a token claim: letters and digits, 1–1024 (the vendor's `Trace` rule). */
export function checkedTraceId(traceId: string): string {
  if (typeof traceId !== 'string' || !isValidTraceId(traceId)) {
    throw new RangeError('traceId must be 1 to 1024 letters and digits.');
  }
  return traceId;
}

export interface MediaTokenClaims {
  readonly v: 1;
  readonly scope: 'media';
  readonly vid: string;
  readonly exp: number;
  readonly ip?: string;
  readonly sl?: StreamLimitClaim;
  readonly tr?: string;
}

export interface IssueMediaTokenOptions {
  readonly videoId: string;
  /** Unix seconds; the same expiry goes into the `auth_key` of every URL signed with the token. */
  readonly expiresAt: number;
  readonly clientIp?: string;
  /** The session is under a concurrent-stream limit. */
  readonly streamLimit?: StreamLimitClaim;
  /** The session's trace ID (letters and digits, ≤ 1024). */
  readonly traceId?: string;
}

export interface VerifyMediaTokenOptions {
  /** Unix seconds. */
  readonly now: number;
  /** The video of the requested path. */
  readonly videoId: string;
  readonly clientIp?: string;
}

export function issueMediaToken(secrets: TokenSecrets, opts: IssueMediaTokenOptions): string {
  assertId(opts.videoId, 'videoId');
  assertUnixSeconds(opts.expiresAt, 'expiresAt');
  const claims: MediaTokenClaims = {
    v: 1,
    scope: 'media',
    vid: opts.videoId,
    exp: opts.expiresAt,
    ...(opts.clientIp !== undefined ? { ip: bindableClientIp(opts.clientIp) } : {}),
    ...(opts.streamLimit !== undefined ? { sl: streamLimitClaim(opts.streamLimit) } : {}),
    ...(opts.traceId !== undefined ? { tr: checkedTraceId(opts.traceId) } : {}),
  };
  return signCompactToken(secrets, 'media', claims);
}

/**
 * The claims of a valid token, or a `PlaybackError`: `MediaTokenMissing`, `MediaTokenInvalid`
 * (format, signature, claims), `MediaTokenExpired`, `MediaTokenWrongVideo`,
 * `MediaTokenWrongClient`, in that order.
 */
export function verifyMediaToken(
  secrets: TokenSecrets,
  token: string | undefined,
  opts: VerifyMediaTokenOptions,
): MediaTokenClaims {
  assertUnixSeconds(opts.now, 'now');
  if (token === undefined || token === '') throw new PlaybackError('MediaTokenMissing');
  const p = verifyCompactToken(secrets, 'media', token);
  if (p === null) throw new PlaybackError('MediaTokenInvalid');
  const claims = mediaClaims(p);
  if (opts.now >= claims.exp) throw new PlaybackError('MediaTokenExpired');
  if (claims.vid !== opts.videoId) throw new PlaybackError('MediaTokenWrongVideo');
  if (!clientMatches(claims.ip, opts.clientIp)) throw new PlaybackError('MediaTokenWrongClient');
  return claims;
}

/** The claims of a verified media token, checked once per token (`checkedOnce`). */
const mediaClaims = checkedOnce((p): MediaTokenClaims => {
  if (
    p.v !== 1 ||
    p.scope !== 'media' ||
    !isId(p.vid) ||
    !isTime(p.exp) ||
    (p.ip !== undefined && typeof p.ip !== 'string') ||
    (p.sl !== undefined && !isStreamLimitClaim(p.sl)) ||
    (p.tr !== undefined && (typeof p.tr !== 'string' || !isValidTraceId(p.tr)))
  ) {
    throw new PlaybackError('MediaTokenInvalid');
  }
  return Object.freeze({
    v: 1,
    scope: 'media',
    vid: p.vid,
    exp: p.exp,
    ...(p.ip !== undefined ? { ip: p.ip as string } : {}),
    ...(p.sl !== undefined ? { sl: streamLimitClaim(p.sl as StreamLimitClaim) } : {}),
    ...(p.tr !== undefined ? { tr: p.tr as string } : {}),
  });
});
