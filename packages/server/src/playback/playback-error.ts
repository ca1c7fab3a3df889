/**
 * The errors of the player-facing endpoints (play info, key service, media delivery): one code
 * per reason a request is refused. Status and fixed message come from the one catalogue
 * (`errors/error-catalogue.ts`); the routes map a `PlaybackError` to the wire in
 * `player-http.ts`. Messages never contain a token, a signature, a key or a client address.
 */
import { ERROR_CATALOGUE } from '../errors/error-catalogue.js';

/** The catalogue codes only the player-facing credential and media checks raise. */
export const PLAYBACK_ERROR_CODES = [
  'PlayAuthMissing',
  'PlayAuthInvalid',
  'PlayAuthExpired',
  'PlayAuthWrongVideo',
  'PlayAuthWrongClient',
  'MediaTokenMissing',
  'MediaTokenInvalid',
  'MediaTokenExpired',
  'MediaTokenWrongVideo',
  'MediaTokenWrongClient',
  'AuthKeyMissing',
  'AuthKeyInvalid',
  'AuthKeyExpired',
  'HlsKeyTokenMissing',
  'HlsKeyTokenInvalid',
  'HlsKeyTokenExpired',
  'HlsKeyTokenWrongVideo',
  'HlsKeyTokenWrongRendition',
  'HlsKeyTokenWrongPeriod',
  'HlsKeyTokenWrongClient',
  'InvalidPublicKey',
  'VideoNotPlayable',
  'MediaNotFound',
  'KeyNotFound',
  'Forbidden.ConcurrentStreams',
] as const satisfies ReadonlyArray<keyof typeof ERROR_CATALOGUE>;

export type PlaybackErrorCode = (typeof PLAYBACK_ERROR_CODES)[number];

export class PlaybackError extends Error {
  override readonly name = 'PlaybackError';
  readonly httpStatus: number;
  constructor(
    readonly code: PlaybackErrorCode,
    options?: { cause?: unknown },
  ) {
    if (!(PLAYBACK_ERROR_CODES as readonly string[]).includes(code)) {
      throw new TypeError(`Unknown playback error code ${JSON.stringify(code)}.`);
    }
    const entry = ERROR_CATALOGUE[code];
    super(entry.message, options);
    this.httpStatus = entry.status;
  }
}

/** True for a `PlaybackError` (optionally with `code`); for route error handlers. */
export function isPlaybackError(error: unknown, code?: PlaybackErrorCode): error is PlaybackError {
  return error instanceof PlaybackError && (code === undefined || error.code === code);
}
