/**
 * The player's error catalogue and the one place that classifies errors and decides recovery
 * (STYLE §4; modelled on hls.js's `ErrorTypes`/`ErrorDetails` with a `fatal` flag, and its
 * error-controller). Pure: unit-tested in test/errors.test.ts.
 *
 * Every error a player emits is a `PlayerError` `{ type, details, fatal, code?, cause? }`:
 *   - `type`    — what failed: network | auth | key | decrypt | media | other;
 *   - `details` — a stable camelCase name (`playAuthExpired`, `keyExchangeFailed`,
 *                 `segmentDecryptFailed`, …; the table in docs/sdk.md);
 *   - `fatal`   — playback has stopped and the SDK will not recover by itself;
 *   - `code`    — the server's `Code` when the server said why (`PlayAuthExpired`, `MediaTokenExpired`).
 *
 * Errors come from three sources and all pass through here: the server's JSON error bodies
 * (`fromServerError`), hls.js's `Hls.Events.ERROR` (`fromHlsError`, which prefers the SDK's own
 * account of a failure its loader reported), and anything thrown (`toPlayerError`).
 * `decideRecovery` then turns (error, hls.js fatal flag, attempts so far) into one action; the
 * player (`create-player.ts`) only carries it out. Messages never contain tokens or key bytes.
 */
import type { ErrorData } from 'hls.js';

export type PlayerErrorType = 'network' | 'auth' | 'key' | 'decrypt' | 'media' | 'other';

export interface PlayerErrorInit {
  readonly type: PlayerErrorType;
  readonly details: string;
  readonly message: string;
  readonly fatal?: boolean;
  /** The server's `Code`. */
  readonly code?: string;
  /** HTTP status when a response was received (0: none, e.g. a network failure or CORS). */
  readonly status?: number;
  readonly cause?: unknown;
}

export class PlayerError extends Error {
  override readonly name = 'PlayerError';
  readonly type: PlayerErrorType;
  readonly details: string;
  readonly fatal: boolean;
  readonly code?: string;
  readonly status?: number;

  constructor(init: PlayerErrorInit) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause });
    this.type = init.type;
    this.details = init.details;
    this.fatal = init.fatal ?? false;
    if (init.code !== undefined) this.code = init.code;
    if (init.status !== undefined) this.status = init.status;
  }

  /** The same error with another `fatal` flag (the decision is made after classification). */
  withFatal(fatal: boolean): PlayerError {
    if (fatal === this.fatal) return this;
    return new PlayerError({ ...this.init(), fatal });
  }

  /** Plain data for logs and `postMessage`: type, details, fatal, code, status, message. */
  toJSON(): Omit<PlayerErrorInit, 'cause'> {
    const { cause: _cause, ...rest } = this.init();
    return rest;
  }

  private init(): PlayerErrorInit {
    return {
      type: this.type,
      details: this.details,
      message: this.message,
      fatal: this.fatal,
      ...(this.code !== undefined && { code: this.code }),
      ...(this.status !== undefined && { status: this.status }),
      ...(this.cause !== undefined && { cause: this.cause }),
    };
  }
}

/**
 * Whether a server `Code` says the session's credential in a URL expired: refresh the session
 * once and retry the request with the new token.
 */
export function isTokenExpired(code: string | undefined): boolean {
  return code === 'MediaTokenExpired' || code === 'HlsKeyTokenExpired' || code === 'AuthKeyExpired';
}

type Classification = { readonly type: PlayerErrorType; readonly details: string };

/**
 * Server `Code` → classification: every code the player-facing endpoints (`/play`, `/media`,
 * `/keys`) send, and no other. The server's catalogue is
 * packages/server/src/errors/error-catalogue.ts; a server test checks that this table (with the
 * download codes of `offline/offline-errors.ts`) names exactly its `player` codes.
 */
export const SERVER_ERROR_CODES: Readonly<Record<string, Classification>> = {
  PlayAuthMissing: { type: 'auth', details: 'playAuthInvalid' },
  PlayAuthInvalid: { type: 'auth', details: 'playAuthInvalid' },
  PlayAuthExpired: { type: 'auth', details: 'playAuthExpired' },
  PlayAuthWrongVideo: { type: 'auth', details: 'playAuthInvalid' },
  PlayAuthWrongClient: { type: 'auth', details: 'playAuthInvalid' },
  MediaTokenMissing: { type: 'auth', details: 'tokenInvalid' },
  MediaTokenInvalid: { type: 'auth', details: 'tokenInvalid' },
  MediaTokenExpired: { type: 'auth', details: 'tokenExpired' },
  MediaTokenWrongVideo: { type: 'auth', details: 'accessDenied' },
  MediaTokenWrongClient: { type: 'auth', details: 'accessDenied' },
  AuthKeyMissing: { type: 'auth', details: 'accessDenied' },
  AuthKeyInvalid: { type: 'auth', details: 'accessDenied' },
  AuthKeyExpired: { type: 'auth', details: 'tokenExpired' },
  HlsKeyTokenMissing: { type: 'auth', details: 'tokenInvalid' },
  HlsKeyTokenInvalid: { type: 'auth', details: 'tokenInvalid' },
  HlsKeyTokenExpired: { type: 'auth', details: 'tokenExpired' },
  HlsKeyTokenWrongVideo: { type: 'auth', details: 'accessDenied' },
  HlsKeyTokenWrongRendition: { type: 'auth', details: 'accessDenied' },
  HlsKeyTokenWrongPeriod: { type: 'auth', details: 'accessDenied' },
  HlsKeyTokenWrongClient: { type: 'auth', details: 'accessDenied' },
  InvalidPublicKey: { type: 'key', details: 'keyExchangeFailed' },
  KeyNotFound: { type: 'key', details: 'keyNotFound' },
  MediaNotFound: { type: 'other', details: 'notFound' },
  VideoNotPlayable: { type: 'other', details: 'videoNotPlayable' },
  'Forbidden.IllegalStatus': { type: 'other', details: 'videoNotPlayable' },
  'InvalidVideo.NotFound': { type: 'other', details: 'videoNotFound' },
  'InvalidVideo.NoneStream': { type: 'other', details: 'noPlayableStream' },
  MissingParameter: { type: 'other', details: 'requestRejected' },
  InvalidParameter: { type: 'other', details: 'requestRejected' },
  InternalError: { type: 'network', details: 'serverUnavailable' },
  TooManyRequests: { type: 'network', details: 'serverUnavailable' },
  // Concurrent-stream limits: a new session over the viewer's limit, or one a newer session
  // ended. Fatal: retrying or renewing would only take a screen from another session.
  'Forbidden.ConcurrentStreams': { type: 'auth', details: 'concurrentStreams' },
};

/**
 * Messages a player can show its viewer as they are, for refusals a viewer can act on (the SDK's
 * own words, so they do not depend on the server's).
 */
export const VIEWER_MESSAGES: Readonly<Record<string, string>> = {
  concurrentStreams:
    'This account is already watching on the most screens allowed at once. Stop playback on another screen, then try again.',
};

/** A refusal no retry, refresh or new PlayAuth can cure: the player gives up at once. */
export function isFinalRefusal(error: PlayerError): boolean {
  return error.details === 'concurrentStreams';
}

const SERVER_CODES = SERVER_ERROR_CODES;

/** Classification of an HTTP failure the server gave no known `Code` for. */
function byStatus(status: number): Classification {
  if (status === 401 || status === 403) return { type: 'auth', details: 'accessDenied' };
  if (status === 404) return { type: 'other', details: 'notFound' };
  if (status >= 400 && status < 500 && status !== 408 && status !== 429) {
    return { type: 'other', details: 'requestRejected' };
  }
  return { type: 'network', details: 'serverUnavailable' };
}

/**
 * A failed response of the securevod server. `body` is the parsed JSON error envelope
 * `{ RequestId, Code, Message }` when there was one. The server's Message is kept (it names the
 * problem; it never contains secrets), prefixed with what the SDK was doing.
 */
export function fromServerError(
  doing: string,
  status: number,
  body: { Code?: unknown; Message?: unknown } | undefined,
  cause?: unknown,
): PlayerError {
  const code = typeof body?.Code === 'string' ? body.Code : undefined;
  const known = code !== undefined ? SERVER_CODES[code] : undefined;
  const { type, details } = known ?? byStatus(status);
  const said = typeof body?.Message === 'string' ? `: ${body.Message}` : '';
  return new PlayerError({
    type,
    details,
    message:
      VIEWER_MESSAGES[details] ?? `${doing} failed with HTTP ${status}${code ? ` ${code}` : ''}${said}`,
    status,
    ...(code !== undefined && { code }),
    ...(cause !== undefined && { cause }),
  });
}

/** hls.js `ErrorDetails` value → classification (the names hls.js 1.7 uses). */
const HLS_DETAILS: Readonly<Record<string, Classification>> = {
  manifestLoadError: { type: 'network', details: 'manifestLoadFailed' },
  manifestLoadTimeOut: { type: 'network', details: 'manifestLoadTimeout' },
  manifestParsingError: { type: 'other', details: 'playlistInvalid' },
  manifestIncompatibleCodecsError: { type: 'media', details: 'codecsUnsupported' },
  levelEmptyError: { type: 'other', details: 'playlistInvalid' },
  levelParsingError: { type: 'other', details: 'playlistInvalid' },
  levelLoadError: { type: 'network', details: 'playlistLoadFailed' },
  levelLoadTimeOut: { type: 'network', details: 'playlistLoadTimeout' },
  audioTrackLoadError: { type: 'network', details: 'playlistLoadFailed' },
  audioTrackLoadTimeOut: { type: 'network', details: 'playlistLoadTimeout' },
  fragLoadError: { type: 'network', details: 'segmentLoadFailed' },
  fragLoadTimeOut: { type: 'network', details: 'segmentLoadTimeout' },
  keyLoadError: { type: 'key', details: 'keyLoadFailed' },
  keyLoadTimeOut: { type: 'key', details: 'keyLoadTimeout' },
  fragDecryptError: { type: 'decrypt', details: 'segmentDecryptFailed' },
  fragParsingError: { type: 'media', details: 'segmentParsingFailed' },
  bufferAddCodecError: { type: 'media', details: 'codecsUnsupported' },
  bufferIncompatibleCodecsError: { type: 'media', details: 'codecsUnsupported' },
  bufferAppendError: { type: 'media', details: 'bufferAppendFailed' },
  bufferStalledError: { type: 'media', details: 'bufferStalled' },
  attachMediaError: { type: 'media', details: 'attachMediaFailed' },
};

const HLS_TYPES: Readonly<Record<string, PlayerErrorType>> = {
  networkError: 'network',
  mediaError: 'media',
  keySystemError: 'key',
  muxError: 'media',
  otherError: 'other',
};

/**
 * An hls.js `ERROR` event as a `PlayerError` (fatal as hls.js says; `decideRecovery` may still
 * recover). `reported` is what the SDK's loader recorded for the failed request, if it failed
 * there: it knows more (a key exchange, a decryption, the server's Code) than hls.js's generic
 * `fragLoadError` does, so it wins.
 */
export function fromHlsError(data: ErrorData, reported?: PlayerError): PlayerError {
  if (reported) return reported.withFatal(data.fatal);
  const hlsDetails = String(data.details);
  const known = HLS_DETAILS[hlsDetails];
  let type = known?.type ?? HLS_TYPES[String(data.type)] ?? 'other';
  let details = known?.details ?? hlsDetails;
  const status = typeof data.response?.code === 'number' ? data.response.code : undefined;
  if ((type === 'network' || type === 'key') && (status === 401 || status === 403)) {
    type = 'auth';
    details = 'accessDenied';
  }
  return new PlayerError({
    type,
    details,
    message: `hls.js ${String(data.type)}/${hlsDetails}${data.error?.message ? `: ${data.error.message}` : ''}`,
    fatal: data.fatal,
    ...(status !== undefined && { status }),
    cause: data.error,
  });
}

/** Anything thrown inside the SDK, as a `PlayerError` (PlayerErrors pass through unchanged). */
export function toPlayerError(
  error: unknown,
  fallback: Classification = { type: 'other', details: 'internalError' },
): PlayerError {
  if (error instanceof PlayerError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new PlayerError({ ...fallback, message, cause: error });
}

// ---------------------------------------------------------------------------------------------
// Recovery

/** How hard the player tries before it gives up (data, not code: STYLE §9). */
export interface RecoveryPolicy {
  /** `hls.recoverMediaError()` attempts for fatal media errors. */
  readonly maxMediaRecoveries: number;
  /** Reloads (`hls.startLoad()`) after fatal network, key or auth errors. */
  readonly maxReloads: number;
  /** Delay before a reload; doubled per attempt, capped by `maxReloadDelayMs`. */
  readonly reloadDelayMs: number;
  readonly maxReloadDelayMs: number;
}

export const DEFAULT_RECOVERY_POLICY: RecoveryPolicy = {
  maxMediaRecoveries: 2,
  maxReloads: 2,
  reloadDelayMs: 1000,
  maxReloadDelayMs: 8000,
};

/** Attempts made since playback last made progress (a fragment was buffered). */
export interface RecoveryState {
  readonly mediaRecoveries: number;
  readonly reloads: number;
}

export type RecoveryAction =
  /** Nothing to do: hls.js is handling it (not fatal), or it is informational. */
  | { readonly kind: 'none' }
  | { readonly kind: 'recover-media' }
  /** Restart loading after `delayMs`; get a fresh session first when `refreshSession`. */
  | { readonly kind: 'reload'; readonly delayMs: number; readonly refreshSession: boolean }
  /** Emit the error as fatal and stop. */
  | { readonly kind: 'give-up' };

const SESSION_DETAILS = new Set(['tokenExpired', 'tokenInvalid', 'accessDenied', 'sessionExpired']);

export function decideRecovery(
  error: PlayerError,
  hlsFatal: boolean,
  state: RecoveryState,
  policy: RecoveryPolicy = DEFAULT_RECOVERY_POLICY,
): RecoveryAction {
  if (!hlsFatal) return { kind: 'none' };
  const reload = (refreshSession: boolean): RecoveryAction =>
    state.reloads < policy.maxReloads
      ? {
          kind: 'reload',
          delayMs: Math.min(policy.reloadDelayMs * 2 ** state.reloads, policy.maxReloadDelayMs),
          refreshSession,
        }
      : { kind: 'give-up' };
  switch (error.type) {
    case 'media':
      return state.mediaRecoveries < policy.maxMediaRecoveries
        ? { kind: 'recover-media' }
        : { kind: 'give-up' };
    case 'network':
      return reload(false);
    case 'auth':
      // PlayAuth problems happen before playback and need a new PlayAuth from the application;
      // a concurrent-stream refusal (`concurrentStreams`) is final: not a session detail.
      return SESSION_DETAILS.has(error.details) ? reload(true) : { kind: 'give-up' };
    case 'key':
      // An unwrap failure means the response was not for us: asking again gets the same answer.
      return error.details === 'keyUnwrapFailed' ? { kind: 'give-up' } : reload(false);
    case 'decrypt':
      // Authenticated decryption failed: the bytes or the key are wrong, and retrying fetches
      // the same bytes and the same key.
      return { kind: 'give-up' };
    default:
      return { kind: 'give-up' };
  }
}
