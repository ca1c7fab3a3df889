/**
 * The SDK's hls.js loader (DESIGN §5; /work reference A12: keys, playlists and fragments all go
 * through `config.loader`, key requests have `context.type === 'key'`; there is no keyLoader
 * option). `createPlayer` passes the class this file makes as `loader` (and unsets `fLoader` and
 * `pLoader`, so everything comes here). It wraps an ordinary hls.js loader (XhrLoader by default)
 * and, per request:
 *
 *   every request to the securevod server  `token` query parameter := current session token;
 *                                          `403 MediaTokenExpired` → refresh the session once, retry
 *   playlists                              private ones are transformed (`private-playlist.ts`):
 *                                          hls.js gets a clear fMP4 playlist, the loader keeps the
 *                                          segment → key/context map
 *   private segments                       fetch SVS1 bytes and the period key (in parallel; one
 *                                          exchange per key URI), decrypt, hand hls.js clear fMP4
 *   AES-128 keys (`type: 'key'`)           one in-flight request per key URI; hls.js decrypts
 *
 * hls.js never sees ciphertext or a key of a private stream: segments it receives are already
 * clear, and a fragment that still looks like SVS1 is refused here rather than passed on.
 *
 * Failures the loader understands better than hls.js's generic `fragLoadError` (key exchange,
 * decryption, a server `Code`) are handed to `report(context, error)` before hls.js hears of
 * them; `errors.ts#fromHlsError` then prefers that account.
 */
import {
  LoadStats,
  type HlsConfig,
  type Loader,
  type LoaderCallbacks,
  type LoaderConfiguration,
  type LoaderContext,
  type LoaderStats,
  type NullableNetworkDetails,
} from 'hls.js';
import { decryptPrivateSegment, isPrivateSegment } from '@securevod/crypto';
import { PlayerError, fromServerError, toPlayerError, isTokenExpired } from './errors.js';
import type { KeyCache } from './key-cache.js';
import {
  InnerLoadError,
  errorCodeOf,
  loadOnce,
  type BridgedResponse,
  type LoaderClass,
} from './loader-bridge.js';
import { PrivatePlaylistError, isPrivatePlaylist, transformPrivatePlaylist } from './private-playlist.js';
import type { PrivateKeyProvider } from './private-key-provider.js';
import type { PrivateSegmentMap } from './private-segment-map.js';
import type { TokenSource } from './session.js';
import { resourceId, withToken } from './url-token.js';

export interface SecureVodLoaderDeps {
  /** The loader doing the HTTP work: the application's `hlsConfig.loader`, else hls.js's default. */
  readonly inner: LoaderClass;
  /** The current session; requests happen only after play info, so it exists by then. */
  readonly session: () => TokenSource;
  /** True for URLs on the securevod server (they get the session token). */
  readonly isServerUrl: (url: string) => boolean;
  readonly privateSegments: PrivateSegmentMap;
  readonly privateKeys: Pick<PrivateKeyProvider, 'get'>;
  /** In-flight sharing for AES-128 key requests (`retain: false`). */
  readonly standardKeys: KeyCache<ArrayBuffer>;
  readonly report: (context: LoaderContext, error: PlayerError) => void;
  readonly onSegmentDecrypted?: () => void;
}

const PLAYLIST_TYPES = new Set<string>(['manifest', 'level', 'audioTrack', 'subtitleTrack']);
/** Shared AES-128 key loads outlive the hls.js loader that started them (see loadStandardKey). */
const NEVER_ABORTED = new AbortController().signal;
const AES_128_KEY_LENGTH = 16;

export function createSecureVodLoader(deps: SecureVodLoaderDeps): LoaderClass {
  return class SecureVodLoader implements Loader<LoaderContext> {
    context: LoaderContext | null = null;
    stats: LoaderStats = new LoadStats();
    private callbacks: LoaderCallbacks<LoaderContext> | null = null;
    private readonly controller = new AbortController();
    private networkDetails: NullableNetworkDetails = null;

    constructor(private readonly hlsConfig: HlsConfig) {}

    load(
      context: LoaderContext,
      config: LoaderConfiguration,
      callbacks: LoaderCallbacks<LoaderContext>,
    ): void {
      this.context = context;
      this.callbacks = callbacks;
      void this.run(context, config);
    }

    abort(): void {
      if (this.controller.signal.aborted) return;
      this.controller.abort(new DOMException('hls.js aborted the request.', 'AbortError'));
      this.stats.aborted = true;
      const { callbacks, context } = this;
      if (callbacks?.onAbort && context) callbacks.onAbort(this.stats, context, this.networkDetails);
    }

    destroy(): void {
      this.callbacks = null;
      this.controller.abort(new DOMException('hls.js destroyed the loader.', 'AbortError'));
    }

    getCacheAge(): number | null {
      const age = this.getResponseHeader('age');
      return age === null ? null : Number.parseFloat(age);
    }

    getResponseHeader(name: string): string | null {
      const details = this.networkDetails;
      if (typeof XMLHttpRequest !== 'undefined' && details instanceof XMLHttpRequest) {
        return details.getResponseHeader(name);
      }
      if (typeof Response !== 'undefined' && details instanceof Response) return details.headers.get(name);
      return null;
    }

    private async run(context: LoaderContext, config: LoaderConfiguration): Promise<void> {
      const signal = this.controller.signal;
      try {
        const result = await this.dispatch(context, config, signal);
        const callbacks = this.callbacks;
        if (signal.aborted || !callbacks) return;
        this.networkDetails = result.networkDetails;
        const { data } = result.response;
        // Like XhrLoader: progress once with the whole (here: clear) body, then success.
        if (callbacks.onProgress && (typeof data === 'string' || data instanceof ArrayBuffer)) {
          callbacks.onProgress(this.stats, context, data, result.networkDetails);
        }
        callbacks.onSuccess(result.response, this.stats, context, result.networkDetails);
      } catch (error) {
        const callbacks = this.callbacks;
        if (signal.aborted || !callbacks) return;
        const details = networkDetailsOf(error);
        this.networkDetails = details;
        if (error instanceof InnerLoadError) {
          if (error.kind === 'timeout') callbacks.onTimeout(this.stats, context, details);
          else callbacks.onError({ code: error.status, text: error.message }, context, details, this.stats);
          return;
        }
        const failure = toPlayerError(error);
        deps.report(context, failure);
        callbacks.onError({ code: failure.status ?? 0, text: failure.message }, context, details, this.stats);
      }
    }

    private dispatch(
      context: LoaderContext,
      config: LoaderConfiguration,
      signal: AbortSignal,
    ): Promise<BridgedResponse> {
      if (context.type === 'key') return this.loadStandardKey(context, config);
      if (context.type === 'media-fragment') return this.loadFragment(context, config, signal);
      if (PLAYLIST_TYPES.has(context.type)) return this.loadPlaylist(context, config, signal);
      return this.request(context, config, signal, this.stats);
    }

    private async loadPlaylist(
      context: LoaderContext,
      config: LoaderConfiguration,
      signal: AbortSignal,
    ): Promise<BridgedResponse> {
      const result = await this.request(context, config, signal, this.stats);
      const text = result.response.data;
      const url = result.response.url || context.url;
      if (typeof text !== 'string' || !isPrivatePlaylist(text))
        return { ...result, response: { ...result.response, url } };
      try {
        const transformed = transformPrivatePlaylist(text, url);
        deps.privateSegments.register(transformed.segments);
        return { ...result, response: { ...result.response, url, data: transformed.playlist } };
      } catch (error) {
        if (!(error instanceof PrivatePlaylistError)) throw error;
        throw new PlayerError({
          type: 'other',
          details: 'privatePlaylistInvalid',
          message: error.message,
          cause: error,
        });
      }
    }

    private async loadFragment(
      context: LoaderContext,
      config: LoaderConfiguration,
      signal: AbortSignal,
    ): Promise<BridgedResponse> {
      const segment = deps.privateSegments.lookup(context.url);
      if (!segment) {
        const result = await this.request(context, config, signal, this.stats);
        const data = result.response.data;
        if (
          data instanceof ArrayBuffer &&
          isPrivateSegment(new Uint8Array(data, 0, Math.min(4, data.byteLength)))
        ) {
          throw new PlayerError({
            type: 'decrypt',
            details: 'unexpectedPrivateSegment',
            message:
              'A private (SVS1) segment was listed in a playlist without the private markers; it was not passed on.',
          });
        }
        return result;
      }
      // Start the key exchange while the segment downloads; the rejection is observed below.
      const key = deps.privateKeys.get(segment.key);
      key.catch(() => undefined);
      const inner = { ...context, responseType: 'arraybuffer', progressData: false };
      const result = await this.request(inner, config, signal, this.stats);
      const ciphertext = result.response.data;
      if (!(ciphertext instanceof ArrayBuffer))
        throw new TypeError('The inner loader returned no ArrayBuffer.');
      const periodKey = await key;
      let clear: Uint8Array<ArrayBuffer>;
      try {
        clear = await decryptPrivateSegment(periodKey, new Uint8Array(ciphertext), {
          videoId: segment.videoId,
          rendition: segment.rendition,
          segmentIndex: segment.segmentIndex,
        });
      } catch (cause) {
        throw new PlayerError({
          type: 'decrypt',
          details: 'segmentDecryptFailed',
          message: `Segment ${segment.segmentIndex} of ${segment.rendition} could not be decrypted.`,
          cause,
        });
      }
      deps.onSegmentDecrypted?.();
      const data =
        clear.byteOffset === 0 && clear.byteLength === clear.buffer.byteLength
          ? clear.buffer
          : clear.slice().buffer;
      return { ...result, response: { ...result.response, data } };
    }

    /**
     * AES-128 keys: concurrent requests for one key URI share one HTTP request. The shared load is
     * not tied to the loader that started it (another may be waiting on it; keys are 16 bytes),
     * and each caller gets its own copy, since hls.js keeps the buffer it is given.
     */
    private async loadStandardKey(
      context: LoaderContext,
      config: LoaderConfiguration,
    ): Promise<BridgedResponse> {
      let started = false;
      const bytes = await deps.standardKeys.get(resourceId(context.url), async () => {
        started = true;
        const result = await this.request(context, config, NEVER_ABORTED, this.stats);
        const data = result.response.data;
        if (!(data instanceof ArrayBuffer) || data.byteLength !== AES_128_KEY_LENGTH) {
          throw new PlayerError({
            type: 'key',
            details: 'keyInvalid',
            message: `The key service answered ${data instanceof ArrayBuffer ? data.byteLength : 0} bytes; an AES-128 key is 16.`,
          });
        }
        return data;
      });
      if (!started) {
        const now = performance.now();
        this.stats.loading = { start: now, first: now, end: now };
        this.stats.loaded = this.stats.total = bytes.byteLength;
      }
      return {
        response: { url: context.url, data: bytes.slice(0), code: 200 },
        stats: this.stats,
        networkDetails: null,
      };
    }

    /**
     * One request through the inner loader; on the securevod server with `token` set to the
     * current session token, and once more after a `MediaTokenExpired` refusal.
     */
    private async request(
      context: LoaderContext,
      config: LoaderConfiguration,
      signal: AbortSignal,
      stats: LoaderStats,
    ): Promise<BridgedResponse> {
      if (!deps.isServerUrl(context.url))
        return loadOnce(deps.inner, this.hlsConfig, context, config, signal, stats);
      const session = deps.session();
      let token = session.token;
      for (let attempt = 0; ; attempt++) {
        try {
          const withCurrentToken = { ...context, url: withToken(context.url, token) };
          return await loadOnce(deps.inner, this.hlsConfig, withCurrentToken, config, signal, stats);
        } catch (error) {
          if (!(error instanceof InnerLoadError) || error.kind !== 'http') throw error;
          const code = await errorCodeOf(error.networkDetails);
          if (isTokenExpired(code) && attempt === 0) {
            token = await session.refreshAfterRejection(token);
            continue;
          }
          if (code === undefined) throw error;
          throw fromServerError(describe(context), error.status, { Code: code }, error);
        }
      }
    }
  };
}

function describe(context: LoaderContext): string {
  if (context.type === 'media-fragment') return 'Loading a segment';
  if (context.type === 'key') return 'Loading a key';
  return 'Loading a playlist';
}

function networkDetailsOf(error: unknown): NullableNetworkDetails {
  for (let e: unknown = error; e instanceof Error; e = e.cause) {
    if (e instanceof InnerLoadError) return e.networkDetails;
  }
  return null;
}
