/**
 * The player-facing play API's wire types (`POST /play/info`, `POST /play/refresh`; docs/sdk.md)
 * with the checks that turn an untrusted JSON body into them, and the choice of what to play for
 * a requested definition. Pure.
 */
import { PlayerError } from './errors.js';

export interface VideoMeta {
  readonly VideoId: string;
  readonly Title?: string;
  readonly Duration?: number;
  readonly CoverURL?: string;
  readonly Status?: string;
  /** WebVTT thumbnail tracks (a sprite's `WebVttSnapshot`), when the video has one. */
  readonly ThumbnailList?: { readonly Thumbnail?: readonly { readonly URL: string }[] };
}

/** One rendition (stream) as `/play/info` lists it. */
export interface PlayInfo {
  readonly Definition: string;
  readonly Format: string;
  /** Absolute URL; already carries `?token=…` (the SDK replaces it with the current token). */
  readonly PlayURL: string;
  readonly Encrypt?: number;
  /** `HLSEncryption` (standard AES-128), `AliyunVoDEncryption` (private) or absent (clear). */
  readonly EncryptType?: string;
  readonly Width?: number;
  readonly Height?: number;
  readonly Bitrate?: number | string;
  readonly Duration?: number | string;
  readonly Size?: number;
  readonly StreamId?: string;
}

/** The play session: its token goes on every request; refreshed before `ExpiresAt`. */
export interface SessionInfo {
  readonly Token: string;
  /** ISO 8601. */
  readonly ExpiresAt: string;
  /**
   * Refresh at most this long after receiving the session (a session under a concurrent-stream
   * limit: its lease's heartbeat interval, so the grace covers a late timer in a hidden tab).
   */
  readonly RefreshAfterSeconds?: number;
}

export interface PlayInfoResponse {
  readonly RequestId?: string;
  readonly VideoMeta: VideoMeta;
  readonly Session: SessionInfo;
  readonly PlayInfoList: { readonly PlayInfo: readonly PlayInfo[] };
  /** A master playlist over all renditions of one encryption type, when there is one. */
  readonly MasterPlayURL?: string;
}

/** The definition that means "the master playlist, hls.js picks the rendition". */
export const AUTO_DEFINITION = 'AUTO';

function invalid(what: string): PlayerError {
  return new PlayerError({
    type: 'other',
    details: 'invalidServerResponse',
    message: `The server's ${what} response is not in the expected form.`,
  });
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isHttpUrl(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  try {
    const { protocol } = new URL(value);
    return protocol === 'http:' || protocol === 'https:';
  } catch {
    return false;
  }
}

export function parseSession(value: unknown, what: string): SessionInfo {
  if (
    !isObject(value) ||
    typeof value.Token !== 'string' ||
    value.Token === '' ||
    typeof value.ExpiresAt !== 'string' ||
    Number.isNaN(Date.parse(value.ExpiresAt))
  ) {
    throw invalid(what);
  }
  const refreshAfter = value.RefreshAfterSeconds;
  return {
    Token: value.Token,
    ExpiresAt: value.ExpiresAt,
    ...(typeof refreshAfter === 'number' && refreshAfter > 0 && { RefreshAfterSeconds: refreshAfter }),
  };
}

export function parsePlayInfoResponse(body: unknown): PlayInfoResponse {
  const what = '/play/info';
  if (!isObject(body) || !isObject(body.VideoMeta) || !isObject(body.PlayInfoList)) throw invalid(what);
  const list = body.PlayInfoList.PlayInfo;
  if (!Array.isArray(list)) throw invalid(what);
  for (const item of list) {
    if (!isObject(item) || typeof item.Definition !== 'string' || !isHttpUrl(item.PlayURL))
      throw invalid(what);
  }
  if (body.MasterPlayURL !== undefined && body.MasterPlayURL !== '' && !isHttpUrl(body.MasterPlayURL)) {
    throw invalid(what);
  }
  return {
    ...(body as unknown as PlayInfoResponse),
    Session: parseSession(body.Session, what),
    ...(body.MasterPlayURL === '' && { MasterPlayURL: undefined }),
  };
}

export interface SelectedSource {
  /** `AUTO` or the Definition of the chosen PlayInfo. */
  readonly definition: string;
  readonly url: string;
  /** Absent for AUTO with a master playlist. */
  readonly playInfo?: PlayInfo;
}

/**
 * What to load for `definition` (case-insensitive): `AUTO` is the master playlist when there is
 * one, else the rendition with the largest height (then bitrate); any other name must match a
 * PlayInfo's Definition. Only HLS (`Format: m3u8`) renditions are candidates.
 */
export function selectSource(info: PlayInfoResponse, definition: string = AUTO_DEFINITION): SelectedSource {
  const hls = info.PlayInfoList.PlayInfo.filter((p) => (p.Format ?? 'm3u8').toLowerCase() === 'm3u8');
  const wanted = definition.toUpperCase();
  if (wanted === AUTO_DEFINITION) {
    if (info.MasterPlayURL) return { definition: AUTO_DEFINITION, url: info.MasterPlayURL };
    const best = [...hls].sort(
      (a, b) => (b.Height ?? 0) - (a.Height ?? 0) || Number(b.Bitrate ?? 0) - Number(a.Bitrate ?? 0),
    )[0];
    if (best) return { definition: best.Definition, url: best.PlayURL, playInfo: best };
  } else {
    const match = hls.find((p) => p.Definition.toUpperCase() === wanted);
    if (match) return { definition: match.Definition, url: match.PlayURL, playInfo: match };
  }
  const available = hls.map((p) => p.Definition).join(', ') || 'none';
  throw new PlayerError({
    type: 'other',
    details: hls.length === 0 ? 'noPlayableStream' : 'definitionNotFound',
    message: `No HLS stream for definition ${JSON.stringify(definition)}; available: ${available}.`,
  });
}

/** The definitions a picker can offer: AUTO (when there is a master) and each HLS Definition. */
export function availableDefinitions(info: PlayInfoResponse): string[] {
  const names = info.PlayInfoList.PlayInfo.filter((p) => (p.Format ?? 'm3u8').toLowerCase() === 'm3u8').map(
    (p) => p.Definition,
  );
  return [...(info.MasterPlayURL ? [AUTO_DEFINITION] : []), ...new Set(names)];
}
