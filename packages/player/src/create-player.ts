/**
 * `createPlayer`: the SDK's one entry point (DESIGN §5, "The web player SDK"; docs/sdk.md).
 *
 * Trades `{ vid, playAuth }` for play info (`POST /play/info`), starts the play session, and
 * plays the chosen definition with hls.js through the SDK loader (`securevod-loader.ts`), so
 * clear, standard (AES-128) and private (AES-256-GCM) streams play alike. This file wires the
 * parts together and carries out the recovery `errors.ts#decideRecovery` chooses; it decides
 * nothing about errors itself.
 */
import Hls, { Events, type ErrorData, type HlsConfig, type LoaderContext } from 'hls.js';
import {
  DEFAULT_RECOVERY_POLICY,
  PlayerError,
  decideRecovery,
  fromHlsError,
  isFinalRefusal,
  toPlayerError,
  type RecoveryPolicy,
} from './errors.js';
import { KeyCache } from './key-cache.js';
import type { LoaderClass } from './loader-bridge.js';
import { PlayApi, type FetchLike } from './play-api.js';
import {
  AUTO_DEFINITION,
  availableDefinitions,
  selectSource,
  type PlayInfoResponse,
  type SelectedSource,
} from './play-info.js';
import { PrivateKeyProvider } from './private-key-provider.js';
import { PrivateSegmentMap } from './private-segment-map.js';
import { parseThumbnailTrack, SeekPreview, thumbnailAt, type ThumbnailCue } from './seek-thumbnails.js';
import type { PlayApiPolicies } from './request-policy.js';
import { defaultEndpoint } from './script-origin.js';
import { createSecureVodLoader } from './securevod-loader.js';
import { PlaybackSession, type SessionPolicy, type SessionRefreshedEvent } from './session.js';
import { TypedEmitter } from './typed-emitter.js';
import { httpOrigin, withToken } from './url-token.js';

export interface PlayerOptions {
  readonly video: HTMLVideoElement;
  readonly vid: string;
  readonly playAuth: string;
  /** securevod server origin. Default: the origin the SDK script came from, else the page's. */
  readonly endpoint?: string;
  /** `AUTO` (default: the master playlist when there is one) or a Definition such as `SD`. */
  readonly definition?: string;
  /** Called for a new PlayAuth when the play session can no longer be refreshed. */
  readonly refreshPlayAuth?: () => Promise<string>;
  /** Passed to hls.js; `loader` becomes the SDK loader's inner loader, `fLoader`/`pLoader` are unset. */
  readonly hlsConfig?: Partial<HlsConfig>;
  /** Timeouts and retries of the SDK's own requests (play info, refresh, key exchange). */
  readonly requestPolicies?: Partial<PlayApiPolicies>;
  readonly recoveryPolicy?: Partial<RecoveryPolicy>;
  readonly sessionPolicy?: Partial<SessionPolicy>;
  /** `fetch` for the SDK's own requests (default: the global one). */
  readonly fetch?: FetchLike;
  /**
   * Seek-bar previews: with a sprite's thumbnail track on the video (SubmitSnapshotJob with
   * SpriteSnapshotConfig), hovering `seekBar` — the application's own seek bar, whose width
   * stands for the duration — shows the picture at that time above it. Without a track, nothing.
   */
  readonly thumbnails?: { readonly seekBar: HTMLElement };
}

export interface ReadyEvent {
  readonly playInfo: PlayInfoResponse;
  /** The definition playing: `AUTO` or a PlayInfo Definition. */
  readonly definition: string;
  readonly definitions: readonly string[];
}

export interface PlayerEvents {
  /** The manifest is loaded and playback can start (each time a definition is loaded). */
  ready: ReadyEvent;
  error: PlayerError;
  'session-refreshed': SessionRefreshedEvent;
}

export interface PlayerStats {
  /** Private segments fetched and decrypted by the SDK. */
  readonly decryptedSegments: number;
  /** Completed private key exchanges (one per key period and rendition). */
  readonly keyExchanges: number;
  /** Session refreshes and renewals. */
  readonly sessionRefreshes: number;
}

export interface Player {
  /** Resolves when the first manifest is loaded; rejects with the fatal `PlayerError` otherwise. */
  readonly ready: Promise<void>;
  readonly hls: Hls;
  readonly video: HTMLVideoElement;
  /** The `/play/info` answer (undefined until it arrives). */
  readonly playInfo: PlayInfoResponse | undefined;
  readonly definition: string | undefined;
  readonly definitions: readonly string[];
  readonly stats: PlayerStats;
  /** Resolves with the thumbnail track's cues ([] when the video has none or it cannot load). */
  readonly thumbnails: Promise<readonly ThumbnailCue[]>;
  /** The thumbnail for `time` (seconds), once `thumbnails` has loaded. */
  thumbnailAt(time: number): ThumbnailCue | undefined;
  on<K extends keyof PlayerEvents>(type: K, listener: (event: PlayerEvents[K]) => void): () => void;
  off<K extends keyof PlayerEvents>(type: K, listener: (event: PlayerEvents[K]) => void): void;
  /** Switches to another definition, keeping the position (and playing if it was). */
  setDefinition(definition: string): Promise<void>;
  destroy(): void;
}

export function createPlayer(options: PlayerOptions): Player {
  if (typeof options !== 'object' || options === null)
    throw new TypeError('createPlayer needs an options object.');
  const { video, vid, playAuth } = options;
  if (!video || typeof (video as Partial<HTMLVideoElement>).play !== 'function') {
    throw new TypeError('options.video must be an HTMLVideoElement.');
  }
  if (typeof vid !== 'string' || vid === '') throw new TypeError('options.vid must be a non-empty string.');
  if (typeof playAuth !== 'string' || playAuth === '') {
    throw new TypeError('options.playAuth must be a non-empty string.');
  }
  return new SecureVodPlayer(options);
}

interface PendingLoad {
  resolve(): void;
  reject(error: PlayerError): void;
}

class SecureVodPlayer implements Player {
  readonly hls: Hls;
  readonly video: HTMLVideoElement;
  readonly ready: Promise<void>;
  playInfo: PlayInfoResponse | undefined;
  definition: string | undefined;

  private readonly emitter = new TypedEmitter<PlayerEvents>();
  private readonly controller = new AbortController();
  private readonly api: PlayApi;
  private readonly origins = new Set<string>();
  private readonly privateSegments = new PrivateSegmentMap();
  private readonly standardKeys = new KeyCache<ArrayBuffer>({ retain: false });
  private readonly privateKeys: PrivateKeyProvider;
  private readonly reported = new WeakMap<object, PlayerError>();
  /** Fatal errors already emitted by `handle` (so `start` does not emit them twice). */
  private readonly emittedFatal = new WeakSet<PlayerError>();
  private readonly recoveryPolicy: RecoveryPolicy;
  private session: PlaybackSession | undefined;
  private pending: PendingLoad | undefined;
  private recovery = { mediaRecoveries: 0, reloads: 0 };
  private counters = { decryptedSegments: 0, keyExchanges: 0 };
  private destroyed = false;
  private cues: readonly ThumbnailCue[] = [];
  private preview: SeekPreview | undefined;
  readonly thumbnails: Promise<readonly ThumbnailCue[]>;

  constructor(private readonly options: PlayerOptions) {
    this.video = options.video;
    const endpoint = (options.endpoint ?? defaultEndpoint()).replace(/\/+$/, '');
    const endpointOrigin = httpOrigin(endpoint);
    if (!endpointOrigin) throw new TypeError('options.endpoint must be an http(s) URL.');
    this.origins.add(endpointOrigin);
    this.recoveryPolicy = { ...DEFAULT_RECOVERY_POLICY, ...options.recoveryPolicy };
    this.api = new PlayApi({
      endpoint,
      ...(options.fetch && { fetch: options.fetch }),
      ...(options.requestPolicies && { policies: options.requestPolicies }),
    });
    this.privateKeys = new PrivateKeyProvider({
      api: this.api,
      session: () => this.requireSession(),
      signal: this.controller.signal,
      onExchange: () => this.counters.keyExchanges++,
    });
    const { loader: appLoader, ...hlsConfig } = options.hlsConfig ?? {};
    const Loader = createSecureVodLoader({
      inner: (appLoader ?? Hls.DefaultConfig.loader) as LoaderClass,
      session: () => this.requireSession(),
      isServerUrl: (url) => this.origins.has(httpOrigin(url) ?? ''),
      privateSegments: this.privateSegments,
      privateKeys: this.privateKeys,
      standardKeys: this.standardKeys,
      report: (context, error) => this.reported.set(reportKey(context), error),
      onSegmentDecrypted: () => this.counters.decryptedSegments++,
    });
    this.hls = new Hls({ ...hlsConfig, loader: Loader, fLoader: undefined, pLoader: undefined });
    this.hls.on(Events.ERROR, (_event, data) => this.onHlsError(data));
    this.hls.on(Events.MANIFEST_PARSED, () => this.onManifestParsed());
    this.hls.on(Events.FRAG_BUFFERED, () => {
      this.recovery = { mediaRecoveries: 0, reloads: 0 };
    });
    this.hls.attachMedia(this.video);
    this.ready = this.start();
    this.thumbnails = this.ready.then(
      () => this.loadThumbnails(),
      () => [],
    );
    // `ready` is also reported through 'error'; an application that never awaits it should not
    // get an unhandled rejection.
    this.ready.catch(() => undefined);
  }

  get definitions(): readonly string[] {
    return this.playInfo ? availableDefinitions(this.playInfo) : [];
  }

  get stats(): PlayerStats {
    return { ...this.counters, sessionRefreshes: this.session?.refreshes ?? 0 };
  }

  on<K extends keyof PlayerEvents>(type: K, listener: (event: PlayerEvents[K]) => void): () => void {
    return this.emitter.on(type, listener);
  }

  off<K extends keyof PlayerEvents>(type: K, listener: (event: PlayerEvents[K]) => void): void {
    this.emitter.off(type, listener);
  }

  async setDefinition(definition: string): Promise<void> {
    await this.ready;
    const source = selectSource(this.playInfo!, definition);
    const position = this.video.currentTime;
    const wasPlaying = !this.video.paused;
    const startPosition = this.hls.config.startPosition;
    // hls.js starts loading a new source at config.startPosition: continue where we are.
    this.hls.config.startPosition = position;
    try {
      await this.load(source);
    } finally {
      this.hls.config.startPosition = startPosition;
    }
    if (wasPlaying) this.video.play().catch(() => undefined);
  }

  thumbnailAt(time: number): ThumbnailCue | undefined {
    return thumbnailAt(this.cues, time);
  }

  /** Fetches the thumbnail track named by the play info and attaches the seek-bar preview. */
  private async loadThumbnails(): Promise<readonly ThumbnailCue[]> {
    const trackUrl = this.playInfo?.VideoMeta.ThumbnailList?.Thumbnail?.[0]?.URL;
    if (!trackUrl || !httpOrigin(trackUrl)) return [];
    try {
      const url = withToken(trackUrl, this.requireSession().token);
      const response = await (this.options.fetch ?? fetch)(url, { signal: this.controller.signal });
      if (!response.ok) return [];
      this.cues = parseThumbnailTrack(await response.text(), url);
    } catch {
      return [];
    }
    const seekBar = this.options.thumbnails?.seekBar;
    if (seekBar && this.cues.length > 0 && !this.destroyed) {
      this.preview = new SeekPreview({
        seekBar,
        cues: this.cues,
        duration: () =>
          Number.isFinite(this.video.duration) && this.video.duration > 0
            ? this.video.duration
            : Number(this.playInfo?.VideoMeta.Duration ?? 0),
        // Sheets are media objects: they take the current session token, as segments do.
        sheetUrl: (sheet) => (this.session ? withToken(sheet, this.session.token) : sheet),
      });
    }
    return this.cues;
  }

  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.preview?.destroy();
    this.controller.abort(new DOMException('The player was destroyed.', 'AbortError'));
    // Frees the session's concurrent-stream slot now rather than when its lease lapses.
    if (this.session) this.api.release(this.session.token);
    this.session?.stop();
    this.pending?.reject(destroyedError());
    this.pending = undefined;
    this.hls.destroy();
    this.privateKeys.clear();
    this.privateSegments.clear();
    this.standardKeys.clear();
    this.emitter.clear();
  }

  private async start(): Promise<void> {
    try {
      if (!Hls.isSupported()) {
        throw new PlayerError({
          type: 'media',
          details: 'mseUnsupported',
          message: 'This browser has no Media Source Extensions; the SDK cannot play here.',
        });
      }
      const { vid, playAuth } = this.options;
      const info = await this.api.playInfo(vid, playAuth, this.controller.signal);
      if (this.destroyed) throw destroyedError();
      this.playInfo = info;
      this.addOrigins(info);
      const refreshPlayAuth = this.options.refreshPlayAuth;
      this.session = new PlaybackSession({
        initial: info.Session,
        refresh: (token, signal) => this.api.refresh(token, signal),
        ...(refreshPlayAuth && { renew: (signal: AbortSignal) => this.renew(refreshPlayAuth, signal) }),
        ...(this.options.sessionPolicy && { policy: this.options.sessionPolicy }),
        onRefreshed: (event) => this.emitter.emit('session-refreshed', event),
        // A background refresh refused for good (a newer session ended this one) stops playback.
        onError: (error) => this.handle(error, isFinalRefusal(error)),
      });
      this.session.start();
      await this.load(selectSource(info, this.options.definition ?? AUTO_DEFINITION));
    } catch (error) {
      if (this.destroyed) throw destroyedError();
      const failure = toPlayerError(error).withFatal(true);
      if (!this.emittedFatal.has(failure)) this.emitter.emit('error', failure);
      throw failure;
    }
  }

  private async renew(refreshPlayAuth: () => Promise<string>, signal: AbortSignal) {
    let playAuth: string;
    try {
      playAuth = await refreshPlayAuth();
    } catch (cause) {
      throw new PlayerError({
        type: 'auth',
        details: 'playAuthRefreshFailed',
        message: 'refreshPlayAuth() failed.',
        cause,
      });
    }
    const info = await this.api.playInfo(this.options.vid, playAuth, signal);
    this.addOrigins(info);
    return info.Session;
  }

  /** Loads `source` and resolves at MANIFEST_PARSED (rejects if `handle` gives up first). */
  private load(source: SelectedSource): Promise<void> {
    this.pending?.reject(
      new PlayerError({ type: 'other', details: 'superseded', message: 'Another definition was loaded.' }),
    );
    return new Promise<void>((resolve, reject) => {
      this.pending = { resolve, reject };
      this.definition = source.definition;
      this.hls.loadSource(source.url);
    });
  }

  private onManifestParsed(): void {
    const pending = this.pending;
    this.pending = undefined;
    pending?.resolve();
    if (this.playInfo && this.definition) {
      this.emitter.emit('ready', {
        playInfo: this.playInfo,
        definition: this.definition,
        definitions: this.definitions,
      });
    }
  }

  private onHlsError(data: ErrorData): void {
    const key = data.frag ?? data.context;
    const reported = key ? this.reported.get(key) : undefined;
    if (key) this.reported.delete(key);
    this.handle(fromHlsError(data, reported), data.fatal);
  }

  /** Carries out `decideRecovery`'s choice and emits the error (fatal only when giving up). */
  private handle(error: PlayerError, hlsFatal: boolean): void {
    if (this.destroyed) return;
    const action = decideRecovery(error, hlsFatal, this.recovery, this.recoveryPolicy);
    if (action.kind === 'give-up') {
      const fatal = error.withFatal(true);
      this.emittedFatal.add(fatal);
      this.hls.stopLoad();
      this.emitter.emit('error', fatal);
      const pending = this.pending;
      this.pending = undefined;
      pending?.reject(fatal);
      return;
    }
    this.emitter.emit('error', error.withFatal(false));
    if (action.kind === 'recover-media') {
      this.recovery = { ...this.recovery, mediaRecoveries: this.recovery.mediaRecoveries + 1 };
      this.hls.recoverMediaError();
    } else if (action.kind === 'reload') {
      this.recovery = { ...this.recovery, reloads: this.recovery.reloads + 1 };
      setTimeout(() => void this.reload(action.refreshSession, error), action.delayMs);
    }
  }

  private async reload(refreshSession: boolean, error: PlayerError): Promise<void> {
    if (this.destroyed) return;
    if (refreshSession && this.session) {
      try {
        await this.session.refresh();
      } catch (refreshError) {
        const failure = toPlayerError(refreshError);
        this.handle(failure.type === 'auth' ? failure : error, true);
        return;
      }
    }
    if (this.destroyed) return;
    // A manifest that never loaded has to be requested again; otherwise resume loading.
    if (this.hls.levels.length === 0 && this.hls.url) this.hls.loadSource(this.hls.url);
    else this.hls.startLoad();
  }

  private requireSession(): PlaybackSession {
    if (!this.session) {
      throw new PlayerError({ type: 'other', details: 'noSession', message: 'No play session yet.' });
    }
    return this.session;
  }

  /** Media may be served from origins other than the endpoint (a CDN): they get the token too. */
  private addOrigins(info: PlayInfoResponse): void {
    for (const url of [info.MasterPlayURL, ...info.PlayInfoList.PlayInfo.map((p) => p.PlayURL)]) {
      const origin = url ? httpOrigin(url) : undefined;
      if (origin) this.origins.add(origin);
    }
  }
}

/** Where a loader failure is filed: hls.js's ERROR data names the fragment, or the playlist context. */
function reportKey(context: LoaderContext): object {
  return (context as LoaderContext & { frag?: object }).frag ?? context;
}

function destroyedError(): PlayerError {
  return new PlayerError({
    type: 'other',
    details: 'destroyed',
    message: 'The player was destroyed.',
    fatal: true,
  });
}
