/**
 * The error catalogue of the player-facing endpoints (play info, key service, media delivery):
 * one code per reason a request is refused, its HTTP status, and a fixed message. The routes map
 * a `PlaybackError` to the wire with `httpStatus` and `message`; nothing else decides a status.
 *
 * Refusals of credentials are all 403 — as a type-A CDN answers a bad `auth_key` (reference §4.1)
 * — but each has its own code, so logs and the player can tell an expired link from a forged one.
 * Messages are fixed strings: they never contain a token, a signature, a key or a client address.
 */
export const playbackErrorCatalogue = {
  PlayAuthMissing: [403, 'A PlayAuth is required.'],
  PlayAuthInvalid: [403, 'The PlayAuth is malformed or its signature does not match.'],
  PlayAuthExpired: [403, 'The PlayAuth has expired; ask the application for a new one.'],
  PlayAuthWrongVideo: [403, 'The PlayAuth was issued for another video.'],
  PlayAuthWrongClient: [403, 'The PlayAuth was issued for another client address.'],

  MediaTokenMissing: [403, 'The media URL carries no token.'],
  MediaTokenInvalid: [403, 'The media token is malformed or its signature does not match.'],
  MediaTokenExpired: [403, 'The media URL has expired; request new play info.'],
  MediaTokenWrongVideo: [403, 'The media token was issued for another video.'],
  MediaTokenWrongClient: [403, 'The media token was issued for another client address.'],

  AuthKeyMissing: [403, 'The URL carries no auth_key.'],
  AuthKeyInvalid: [403, 'The auth_key is malformed or does not match this URL.'],
  AuthKeyExpired: [403, 'The auth_key has expired.'],

  HlsKeyTokenMissing: [403, 'The key request carries no MtsHlsUriToken.'],
  HlsKeyTokenInvalid: [403, 'The MtsHlsUriToken is malformed or its signature does not match.'],
  HlsKeyTokenExpired: [403, 'The MtsHlsUriToken has expired.'],
  HlsKeyTokenWrongVideo: [403, 'The MtsHlsUriToken was issued for another video.'],
  HlsKeyTokenWrongRendition: [403, 'The MtsHlsUriToken was issued for another rendition.'],
  HlsKeyTokenWrongPeriod: [403, 'The MtsHlsUriToken was issued for another key period.'],
  HlsKeyTokenWrongClient: [403, 'The MtsHlsUriToken was issued for another client address.'],

  /** The SDK's ECDH public key is not a P-256 point (`KeyExchangeError('InvalidPublicKey')`). */
  InvalidPublicKey: [400, 'The client public key is not a valid P-256 point.'],
  /** The video exists but may not be played (status other than Normal). */
  VideoNotPlayable: [403, 'The video cannot be played in its current status.'],
  VideoNotFound: [404, 'The video does not exist.'],
  /** No such playlist, segment or rendition — also for paths that are not media paths at all. */
  MediaNotFound: [404, 'The requested media does not exist.'],
  KeyNotFound: [404, 'The requested key does not exist.'],
} as const satisfies Record<string, readonly [number, string]>;

export type PlaybackErrorCode = keyof typeof playbackErrorCatalogue;

/** Code → HTTP status, for the routes. */
export const playbackErrorStatus: Readonly<Record<PlaybackErrorCode, number>> = Object.fromEntries(
  Object.entries(playbackErrorCatalogue).map(([code, [status]]) => [code, status]),
) as Record<PlaybackErrorCode, number>;

export class PlaybackError extends Error {
  override readonly name = 'PlaybackError';
  readonly httpStatus: number;
  constructor(
    readonly code: PlaybackErrorCode,
    options?: { cause?: unknown },
  ) {
    const entry = playbackErrorCatalogue[code];
    if (entry === undefined) throw new TypeError(`Unknown playback error code ${JSON.stringify(code)}.`);
    super(entry[1], options);
    this.httpStatus = entry[0];
  }
}

/** True for a `PlaybackError` (optionally with `code`); for route error handlers. */
export function isPlaybackError(error: unknown, code?: PlaybackErrorCode): error is PlaybackError {
  return error instanceof PlaybackError && (code === undefined || error.code === code);
}
