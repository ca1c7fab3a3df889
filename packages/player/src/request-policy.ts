/**
 * Timeouts and retries of the SDK's own requests to the securevod server, as data (STYLE §9;
 * the shape of hls.js's `LoaderConfig`/`RetryConfig`). hls.js's own requests (playlists,
 * segments, AES-128 keys) keep following `hlsConfig.*LoadPolicy`.
 */

export interface RequestPolicy {
  /** One attempt is aborted after this long. */
  readonly timeoutMs: number;
  /** Further attempts after the first, for network failures, timeouts, 408, 429 and 5xx. */
  readonly maxNumRetry: number;
  /** Delay before retry n (0-based) is `retryDelayMs * 2^n`, at most `maxRetryDelayMs`. */
  readonly retryDelayMs: number;
  readonly maxRetryDelayMs: number;
}

export interface PlayApiPolicies {
  /** `POST /play/info`. */
  readonly playInfo: RequestPolicy;
  /** `POST /play/refresh`. */
  readonly refresh: RequestPolicy;
  /** `POST <private key URI>` (key exchange). */
  readonly keyExchange: RequestPolicy;
}

export const DEFAULT_PLAY_API_POLICIES: PlayApiPolicies = {
  playInfo: { timeoutMs: 10_000, maxNumRetry: 2, retryDelayMs: 500, maxRetryDelayMs: 4_000 },
  refresh: { timeoutMs: 10_000, maxNumRetry: 3, retryDelayMs: 500, maxRetryDelayMs: 4_000 },
  keyExchange: { timeoutMs: 10_000, maxNumRetry: 2, retryDelayMs: 500, maxRetryDelayMs: 4_000 },
};

export function retryDelayMs(policy: RequestPolicy, retry: number): number {
  return Math.min(policy.retryDelayMs * 2 ** retry, policy.maxRetryDelayMs);
}

/** Whether a response status is worth another attempt (0 = no response at all). */
export function isRetryableStatus(status: number): boolean {
  return status === 0 || status === 408 || status === 429 || status >= 500;
}
