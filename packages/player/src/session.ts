/**
 * The play session: the token the SDK puts on every request, and keeping it fresh (DESIGN §5;
 * docs/sdk.md, "Sessions").
 *
 * `/play/info` answers with a session `{ Token, ExpiresAt }`. A playback that outlives it must
 * not break (hls.js#1450, videojs#1432: long sessions fail when tokens expire mid-playback), so:
 *   - at `refreshAtFraction` (80 %) of the lifetime, or after `RefreshAfterSeconds` when the server
 *     asks for sooner (a concurrent-stream lease's heartbeat), `POST /play/refresh` trades the
 *     still-valid token for a new one; the loader reads `token` on every request, so the next
 *     request uses it;
 *   - a request answered `403 MediaTokenExpired` calls `refreshAfterRejection(tokenItUsed)`: if the
 *     session already moved on, the caller just retries with the new token; otherwise one refresh;
 *   - only when the session can no longer be refreshed (the server refuses the token, or it has
 *     expired) does the SDK ask the application for a new PlayAuth (`renew`, backed by the
 *     `refreshPlayAuth` option) and start a new session with `/play/info`.
 * A refusal under a concurrent-stream limit (`concurrentStreams`: a newer session ended this one)
 * is final: no renewal (a new session would end another screen's), no retry; it reaches the
 * player through `onError`, which stops playback.
 * Concurrent refreshes share one request. Timers are cleared by `stop()`.
 */
import { PlayerError, isFinalRefusal, toPlayerError } from './errors.js';
import type { SessionInfo } from './play-info.js';

export interface SessionPolicy {
  /** Refresh when this fraction of the session's lifetime has passed. */
  readonly refreshAtFraction: number;
  /** Never schedule a refresh sooner than this after the last one. */
  readonly minRefreshDelayMs: number;
  /** After a failed background refresh, try again after this long (while the session lasts). */
  readonly retryAfterFailureMs: number;
}

export const DEFAULT_SESSION_POLICY: SessionPolicy = {
  refreshAtFraction: 0.8,
  minRefreshDelayMs: 500,
  retryAfterFailureMs: 2_000,
};

export interface SessionRefreshedEvent {
  readonly expiresAt: string;
  /** `refresh`: `/play/refresh`; `playAuth`: a new session from a new PlayAuth. */
  readonly via: 'refresh' | 'playAuth';
}

export interface PlaybackSessionOptions {
  readonly initial: SessionInfo;
  /** `POST /play/refresh` with the current token. */
  readonly refresh: (token: string, signal: AbortSignal) => Promise<SessionInfo>;
  /** A new session from a new PlayAuth; absent when the application gave no `refreshPlayAuth`. */
  readonly renew?: (signal: AbortSignal) => Promise<SessionInfo>;
  readonly policy?: Partial<SessionPolicy>;
  readonly onRefreshed?: (event: SessionRefreshedEvent) => void;
  /** A background refresh failed (not fatal by itself: requests fail later if it stays so). */
  readonly onError?: (error: PlayerError) => void;
  readonly now?: () => number;
}

/** What a request needs from the session (the loader and the key exchange depend only on this). */
export interface TokenSource {
  readonly token: string;
  refreshAfterRejection(rejectedToken: string): Promise<string>;
}

export class PlaybackSession implements TokenSource {
  private current: SessionInfo;
  private receivedAt: number;
  private inFlight: Promise<string> | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private readonly controller = new AbortController();
  private readonly policy: SessionPolicy;
  private readonly now: () => number;
  private refreshCount = 0;

  constructor(private readonly options: PlaybackSessionOptions) {
    this.policy = { ...DEFAULT_SESSION_POLICY, ...options.policy };
    this.now = options.now ?? Date.now;
    this.current = options.initial;
    this.receivedAt = this.now();
  }

  get token(): string {
    return this.current.Token;
  }

  get expiresAt(): string {
    return this.current.ExpiresAt;
  }

  /** Successful refreshes and renewals so far. */
  get refreshes(): number {
    return this.refreshCount;
  }

  start(): void {
    this.schedule(this.refreshDelay());
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.controller.abort(new DOMException('The player was destroyed.', 'AbortError'));
  }

  /** A fresh token (one request for all concurrent callers). */
  refresh(): Promise<string> {
    this.inFlight ??= this.doRefresh().finally(() => {
      this.inFlight = undefined;
    });
    return this.inFlight;
  }

  /** After the server refused `rejectedToken` as expired: the token to retry with. */
  async refreshAfterRejection(rejectedToken: string): Promise<string> {
    if (this.inFlight) return this.inFlight;
    if (this.current.Token !== rejectedToken) return this.current.Token;
    return this.refresh();
  }

  private async doRefresh(): Promise<string> {
    const signal = this.controller.signal;
    let next: SessionInfo;
    let via: SessionRefreshedEvent['via'] = 'refresh';
    try {
      next = await this.options.refresh(this.current.Token, signal);
    } catch (error) {
      const failure = toPlayerError(error);
      if (signal.aborted || isFinalRefusal(failure)) throw failure;
      // A network failure while the token is still valid is worth another refresh later; a
      // refusal (or an expired session) needs a new PlayAuth.
      const canRetryLater = failure.type === 'network' && !this.expired();
      if (!this.options.renew || canRetryLater) {
        throw new PlayerError({
          type: 'auth',
          details: canRetryLater ? 'sessionRefreshFailed' : 'sessionExpired',
          message: `The play session could not be refreshed: ${failure.message}`,
          ...(failure.code !== undefined && { code: failure.code }),
          cause: failure,
        });
      }
      via = 'playAuth';
      next = await this.options.renew(signal);
    }
    this.current = next;
    this.receivedAt = this.now();
    this.refreshCount++;
    this.schedule(this.refreshDelay());
    this.options.onRefreshed?.({ expiresAt: next.ExpiresAt, via });
    return next.Token;
  }

  private refreshDelay(): number {
    const lifetime = Date.parse(this.current.ExpiresAt) - this.receivedAt;
    let delay = lifetime * this.policy.refreshAtFraction;
    // A concurrent-stream lease asks for its heartbeat sooner (see SessionInfo.RefreshAfterSeconds).
    const asked = this.current.RefreshAfterSeconds;
    if (asked !== undefined) delay = Math.min(delay, asked * 1000);
    return Math.max(this.policy.minRefreshDelayMs, delay);
  }

  private expired(): boolean {
    return this.now() >= Date.parse(this.current.ExpiresAt);
  }

  private schedule(delayMs: number): void {
    clearTimeout(this.timer);
    if (this.controller.signal.aborted) return;
    this.timer = setTimeout(() => {
      this.refresh().catch((error: unknown) => {
        if (this.controller.signal.aborted) return;
        const failure = toPlayerError(error);
        this.options.onError?.(failure);
        if (!this.expired() && !isFinalRefusal(failure)) this.schedule(this.policy.retryAfterFailureMs);
      });
    }, delayMs);
  }
}
