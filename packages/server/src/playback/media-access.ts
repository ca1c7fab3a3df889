/**
 * Media delivery authorisation (DESIGN §5; docs/formats.md, "PlayAuth and media URL tokens"):
 * the pure decisions of the media role, which serves `/media/<VideoId>/<object>`.
 *
 * Every media URL carries, in its query only (so the path stays the cache key):
 *   - `token`    — a media token for the video (`media-token.ts`): authorises ANY object under
 *                  `/media/<VideoId>/`, with expiry and optional client binding. Always required.
 *   - `auth_key` — type-A signature of this exact path (`url-signing.ts`), same expiry. Required
 *                  when URL signing is configured, so a CDN that verifies type A can sit in front.
 *   - `MtsHlsUriToken` — only on playlist URLs, and only when the application passed its own
 *                  token for its own key service (reference §5.1); carried down to child playlists
 *                  and appended to foreign key URIs.
 * When the media role serves a playlist it rewrites every URI inside (`playlist-rewriter.ts`)
 * with a fresh `auth_key` for that URI's path and the same `token`, so a playlist authorises its
 * children without a per-viewer copy of anything but the playlist text.
 *
 * Leak tracing (docs/tracing.md): the segments of a traced rendition exist twice, `…/a/seg_N` and
 * `…/b/seg_N`, and a session's playlist names the variant its trace ID selects. Each such URI
 * always carries an `auth_key` for its exact path — with the URL-signing key when one is
 * configured, else with an internal key derived from the playback secrets
 * (`policy.tracedSegmentKeys`) — so changing `/a/` to `/b/` in a URI is refused (`AuthKeyInvalid`,
 * 403). The token must still be valid too; the internal signature only binds the path, so it
 * lasts `TRACED_SEGMENT_SIGNATURE_GRACE_SECONDS` beyond the token (a session token is refreshed
 * without re-reading the playlist).
 *
 * Caching: segments and init segments are the same bytes for every viewer — a cache keys them by
 * path and ignores `CACHE_IGNORED_QUERY_PARAMS`. Playlists are rewritten per request and carry
 * per-viewer tokens: they are never cached (`mediaCacheControl`).
 */
import type { TokenSecrets } from './compact-token.js';
import { HLS_KEY_TOKEN_PARAM } from './hls-key-token.js';
import { verifyMediaToken, type MediaTokenClaims } from './media-token.js';
import { PlaybackError } from './playback-error.js';
import {
  PlaylistRewriteError,
  rewritePlaylist,
  type PlaylistUriInfo,
  type UriSigner,
} from './playlist-rewriter.js';
import { AUTH_KEY_PARAM, signPath, verifyAuthKey } from './url-signing.js';
import { isTracedSegmentObject } from '../trace/traced-playlist.js';

/** How long the internal signature of a traced segment URI outlives the token it came with. */
export const TRACED_SEGMENT_SIGNATURE_GRACE_SECONDS = 86_400;

export const MEDIA_PATH_PREFIX = '/media/';
export const MEDIA_TOKEN_PARAM = 'token';
/** Query parameters a CDN or caching proxy must leave out of the cache key of media objects. */
export const CACHE_IGNORED_QUERY_PARAMS = [AUTH_KEY_PARAM, MEDIA_TOKEN_PARAM, HLS_KEY_TOKEN_PARAM] as const;

/** `/media/<vid>/<object>`; no segment starts with "." (so no "..", no hidden files). */
const MEDIA_PATH =
  /^\/media\/([A-Za-z0-9_-]{1,128})\/((?:[A-Za-z0-9_-][A-Za-z0-9._-]*\/)*[A-Za-z0-9_-][A-Za-z0-9._-]*)$/;

export interface MediaPath {
  readonly videoId: string;
  /** The object under the video, e.g. "hd/index.m3u8". */
  readonly object: string;
}

/** URL signing as configured: keys `[primary, secondary?]` and the validity V (default 0). */
export interface UrlSigningConfig {
  readonly privateKeys: readonly string[];
  readonly validitySeconds?: number;
}

export interface MediaAccessPolicy {
  readonly secrets: TokenSecrets;
  /** When set, every media request needs a valid `auth_key` as well as the token. */
  readonly urlSigning?: UrlSigningConfig;
  /**
   * Without `urlSigning`: the internal keys (newest first) that sign traced segment paths; a
   * request for one needs a valid `auth_key` under one of them.
   */
  readonly tracedSegmentKeys?: readonly string[];
}

/** The query as a framework hands it over (fastify: repeated names become arrays). */
export type QueryParams = URLSearchParams | Readonly<Record<string, string | readonly string[] | undefined>>;

export interface MediaRequest {
  /** The request path, percent-encoded as received, without the query. */
  readonly path: string;
  readonly query: QueryParams;
  readonly clientIp?: string;
  /** Unix seconds. */
  readonly now: number;
}

/** What a request was authorised for; also what the signer needs to sign the children. */
export interface MediaGrant {
  readonly videoId: string;
  readonly object: string;
  /** The verified media token, copied onto every rewritten URI. */
  readonly token: string;
  readonly claims: MediaTokenClaims;
  /** The application's own `MtsHlsUriToken` from the query, if any (opaque, passed through). */
  readonly hlsKeyToken?: string;
}

export function parseMediaPath(path: string): MediaPath | null {
  const match = typeof path === 'string' ? MEDIA_PATH.exec(path) : null;
  return match ? { videoId: match[1]!, object: match[2]! } : null;
}

/**
 * Decides one media request. Throws `PlaybackError`: `MediaNotFound` for a path that is not a
 * media path; with URL signing, `AuthKeyMissing`/`AuthKeyInvalid`/`AuthKeyExpired`; then
 * `MediaTokenMissing`/`Invalid`/`Expired`/`WrongVideo`/`WrongClient`. A parameter given twice is
 * refused as invalid (a cache and the origin might otherwise read different copies).
 */
export function authorizeMediaRequest(req: MediaRequest, policy: MediaAccessPolicy): MediaGrant {
  const media = parseMediaPath(req.path);
  if (media === null) throw new PlaybackError('MediaNotFound');

  if (policy.urlSigning) {
    const authKey = queryParam(req.query, AUTH_KEY_PARAM);
    if (authKey === DUPLICATE) throw new PlaybackError('AuthKeyInvalid');
    const check = verifyAuthKey(req.path, authKey, {
      privateKeys: policy.urlSigning.privateKeys,
      now: req.now,
      defaultValiditySeconds: policy.urlSigning.validitySeconds ?? 0,
    });
    if (!check.ok) throw new PlaybackError(`AuthKey${check.reason}`);
  } else if (policy.tracedSegmentKeys && isTracedSegmentObject(media.object)) {
    const authKey = queryParam(req.query, AUTH_KEY_PARAM);
    if (authKey === DUPLICATE) throw new PlaybackError('AuthKeyInvalid');
    const check = verifyAuthKey(req.path, authKey, {
      privateKeys: [...policy.tracedSegmentKeys],
      now: req.now,
      defaultValiditySeconds: 0,
    });
    if (!check.ok) throw new PlaybackError(`AuthKey${check.reason}`);
  }

  const token = queryParam(req.query, MEDIA_TOKEN_PARAM);
  if (token === DUPLICATE) throw new PlaybackError('MediaTokenInvalid');
  const claims = verifyMediaToken(policy.secrets, token, {
    now: req.now,
    videoId: media.videoId,
    ...(req.clientIp !== undefined ? { clientIp: req.clientIp } : {}),
  });
  const hlsKeyToken = queryParam(req.query, HLS_KEY_TOKEN_PARAM);
  return {
    videoId: media.videoId,
    object: media.object,
    token: token!,
    claims,
    ...(typeof hlsKeyToken === 'string' && hlsKeyToken !== '' ? { hlsKeyToken } : {}),
  };
}

export interface MediaUriSignerOptions {
  /** The primary URL-signing key and validity; absent when URL signing is off. */
  readonly urlSigning?: { readonly privateKey: string; readonly validitySeconds?: number };
  /**
   * Query for key URIs (EXT-X-KEY and other key tags), e.g. `MtsHlsUriToken=<issueHlsKeyToken(…)>`
   * for the key service. Without it, key URIs must lie under the video's media path.
   */
  readonly signKeyUri?: (absolutePath: string, info: PlaylistUriInfo) => string;
  /** Without `urlSigning`: the internal key that signs traced segment paths (see the file comment). */
  readonly tracedSegmentKey?: string;
}

/**
 * The `sign` function for `rewritePlaylist` when serving under `grant`: URIs under
 * `/media/<VideoId>/` get `auth_key` (if configured) for their own path, expiring with the token,
 * and the token itself; child playlists also get the pass-through `MtsHlsUriToken`. A URI outside
 * the video's media path (other than a key URI handled by `signKeyUri`) is refused with
 * `PlaylistRewriteError`: our playlists never name another video's objects.
 */
export function createMediaUriSigner(grant: MediaGrant, opts: MediaUriSignerOptions = {}): UriSigner {
  return (path, info) => {
    if (info.kind === 'key' && opts.signKeyUri) return opts.signKeyUri(path, info);
    const media = parseMediaPath(path);
    if (media === null || media.videoId !== grant.videoId) {
      throw new PlaylistRewriteError(
        'InvalidArgument',
        "The playlist names a URI outside this video's media path.",
      );
    }
    const params: string[] = [];
    if (opts.urlSigning) {
      const authKey = signPath(path, {
        privateKey: opts.urlSigning.privateKey,
        expiresAt: grant.claims.exp,
        validitySeconds: opts.urlSigning.validitySeconds ?? 0,
      });
      params.push(`${AUTH_KEY_PARAM}=${authKey}`);
    } else if (opts.tracedSegmentKey && isTracedSegmentObject(media.object)) {
      const authKey = signPath(path, {
        privateKey: opts.tracedSegmentKey,
        expiresAt: grant.claims.exp + TRACED_SEGMENT_SIGNATURE_GRACE_SECONDS,
        validitySeconds: 0,
      });
      params.push(`${AUTH_KEY_PARAM}=${authKey}`);
    }
    params.push(`${MEDIA_TOKEN_PARAM}=${grant.token}`);
    if (info.kind === 'playlist' && grant.hlsKeyToken !== undefined) {
      params.push(`${HLS_KEY_TOKEN_PARAM}=${encodeURIComponent(grant.hlsKeyToken)}`);
    }
    return params.join('&');
  };
}

/**
 * Rewrites a playlist served under `grant` (the media role's one call): our URIs signed by
 * `createMediaUriSigner`, foreign key URIs given the application's `MtsHlsUriToken`.
 */
export function rewriteMediaPlaylist(
  text: string,
  grant: MediaGrant,
  opts: MediaUriSignerOptions & { readonly ownOrigins?: readonly string[] } = {},
): string {
  return rewritePlaylist(text, {
    playlistPath: `${MEDIA_PATH_PREFIX}${grant.videoId}/${grant.object}`,
    sign: createMediaUriSigner(grant, opts),
    ...(opts.ownOrigins ? { ownOrigins: opts.ownOrigins } : {}),
    ...(grant.hlsKeyToken !== undefined ? { foreignKeyToken: { value: grant.hlsKeyToken } } : {}),
  });
}

/**
 * `Cache-Control` for a media object: playlists are per-viewer (`no-store`); everything else is
 * shared and cacheable by path for `maxAgeSeconds` (default one day — not `immutable`, because
 * re-transcoding a video may write new bytes under the same names).
 */
export function mediaCacheControl(object: string, maxAgeSeconds = 86_400): string {
  return object.endsWith('.m3u8') ? 'private, no-store' : `public, max-age=${maxAgeSeconds}`;
}

const DUPLICATE = Symbol('duplicate');

function queryParam(query: QueryParams, name: string): string | undefined | typeof DUPLICATE {
  if (query instanceof URLSearchParams) {
    const all = query.getAll(name);
    return all.length > 1 ? DUPLICATE : all[0];
  }
  const value = query[name];
  if (value === undefined || typeof value === 'string') return value;
  if (Array.isArray(value)) return value.length > 1 ? DUPLICATE : (value[0] as string | undefined);
  return undefined;
}
