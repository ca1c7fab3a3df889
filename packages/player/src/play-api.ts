/**
 * HTTP client for the player-facing play API (docs/sdk.md, "Server API"): `POST /play/info`,
 * `POST /play/refresh` and the private key exchange (`POST <key URI>`). JSON in, JSON out; each
 * call follows its `RequestPolicy` (timeout per attempt, retries for network failures, 408, 429
 * and 5xx) and fails with a `PlayerError` classified by `fromServerError`.
 *
 * Requests carry no cookies (`credentials: 'omit'`): authorisation is the PlayAuth or the session
 * token, so the server's CORS policy never has to allow credentials.
 */
import { PlayerError, fromServerError } from './errors.js';
import { parsePlayInfoResponse, parseSession, type PlayInfoResponse, type SessionInfo } from './play-info.js';
import {
  DEFAULT_PLAY_API_POLICIES,
  isRetryableStatus,
  retryDelayMs,
  type PlayApiPolicies,
  type RequestPolicy,
} from './request-policy.js';

export type FetchLike = (url: string, init: RequestInit) => Promise<Response>;

export interface PlayApiOptions {
  /** Origin (and optional path prefix) of the securevod server, without a trailing slash. */
  readonly endpoint: string;
  readonly fetch?: FetchLike;
  readonly policies?: Partial<PlayApiPolicies>;
}

/** The key service's answer; every field base64url (crypto `KeyExchangeResponse`, capitalised). */
export interface KeyExchangeWire {
  readonly ServerPublicKey: string;
  readonly Iv: string;
  readonly WrappedKey: string;
}

export class PlayApi {
  readonly endpoint: string;
  private readonly fetch: FetchLike;
  private readonly policies: PlayApiPolicies;

  constructor(options: PlayApiOptions) {
    this.endpoint = options.endpoint.replace(/\/+$/, '');
    this.fetch = options.fetch ?? ((url, init) => globalThis.fetch(url, init));
    this.policies = { ...DEFAULT_PLAY_API_POLICIES, ...options.policies };
  }

  async playInfo(videoId: string, playAuth: string, signal?: AbortSignal): Promise<PlayInfoResponse> {
    const body = await this.postJson(
      `${this.endpoint}/play/info`,
      { VideoId: videoId, PlayAuth: playAuth },
      this.policies.playInfo,
      'Getting play info',
      signal,
    );
    return parsePlayInfoResponse(body);
  }

  /** A new session for a still-valid `token`. */
  async refresh(token: string, signal?: AbortSignal): Promise<SessionInfo> {
    const body = await this.postJson(
      `${this.endpoint}/play/refresh`,
      { Token: token },
      this.policies.refresh,
      'Refreshing the play session',
      signal,
    );
    return parseSession((body as { Session?: unknown } | undefined)?.Session, '/play/refresh');
  }

  /**
   * `POST /play/release`: the session is over (the player was destroyed), so its
   * concurrent-stream slot is freed now. Best effort, one attempt, never throws: a lost release
   * only means the slot frees when the lease lapses. `keepalive` lets it outlive a closing page.
   */
  release(token: string): void {
    void this.fetch(`${this.endpoint}/play/release`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ Token: token }),
      credentials: 'omit',
      cache: 'no-store',
      keepalive: true,
    }).then(
      (res) => res.body?.cancel(),
      () => undefined,
    );
  }

  /** `keyUrl` already carries the `token` query parameter. */
  async exchangeKey(
    keyUrl: string,
    token: string,
    publicKey: string,
    signal?: AbortSignal,
  ): Promise<KeyExchangeWire> {
    const body = await this.postJson(
      keyUrl,
      { Token: token, PublicKey: publicKey },
      this.policies.keyExchange,
      'The key exchange',
      signal,
    );
    const wire = body as Partial<Record<keyof KeyExchangeWire, unknown>> | undefined;
    if (
      typeof wire?.ServerPublicKey !== 'string' ||
      typeof wire.Iv !== 'string' ||
      typeof wire.WrappedKey !== 'string'
    ) {
      throw new PlayerError({
        type: 'key',
        details: 'keyExchangeFailed',
        message: "The key service's response is not in the expected form.",
      });
    }
    return { ServerPublicKey: wire.ServerPublicKey, Iv: wire.Iv, WrappedKey: wire.WrappedKey };
  }

  private async postJson(
    url: string,
    payload: unknown,
    policy: RequestPolicy,
    doing: string,
    signal: AbortSignal | undefined,
  ): Promise<unknown> {
    for (let attempt = 0; ; attempt++) {
      signal?.throwIfAborted();
      let failure: PlayerError;
      try {
        const res = await this.attempt(url, payload, policy.timeoutMs, signal);
        const body = await readJson(res);
        if (res.ok) return body;
        failure = fromServerError(doing, res.status, body as { Code?: unknown; Message?: unknown });
      } catch (error) {
        if (signal?.aborted) throw signal.reason;
        if (error instanceof PlayerError) throw error;
        const timedOut = error instanceof DOMException && error.name === 'TimeoutError';
        failure = new PlayerError({
          type: 'network',
          details: timedOut ? 'requestTimeout' : 'requestFailed',
          message: `${doing} failed: ${timedOut ? `no answer in ${policy.timeoutMs} ms` : 'no response'}.`,
          status: 0,
          cause: error,
        });
      }
      if (attempt >= policy.maxNumRetry || !isRetryableStatus(failure.status ?? 0)) throw failure;
      await sleep(retryDelayMs(policy, attempt), signal);
    }
  }

  private async attempt(
    url: string,
    payload: unknown,
    timeoutMs: number,
    signal?: AbortSignal,
  ): Promise<Response> {
    const controller = new AbortController();
    const timer = setTimeout(
      () => controller.abort(new DOMException('The request timed out.', 'TimeoutError')),
      timeoutMs,
    );
    const onAbort = (): void => controller.abort(signal?.reason);
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      return await this.fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify(payload),
        credentials: 'omit',
        cache: 'no-store',
        signal: controller.signal,
      });
    } catch (error) {
      throw controller.signal.aborted ? controller.signal.reason : error;
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    }
  }
}

/** The parsed JSON body, or undefined when there is none or it is not JSON. */
async function readJson(res: Response): Promise<unknown> {
  try {
    const text = await res.text();
    return text === '' ? undefined : (JSON.parse(text) as unknown);
  } catch {
    return undefined;
  }
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason as Error);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason as Error);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
