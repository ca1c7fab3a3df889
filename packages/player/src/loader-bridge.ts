/**
 * One request through an hls.js loader (XhrLoader, FetchLoader or the application's own), as a
 * Promise with an AbortSignal instead of a callback bag (STYLE §8). The SDK's loader
 * (`securevod-loader.ts`) uses it for every request hls.js asks of it, so hls.js's timeouts,
 * in-loader retries and `xhrSetup`/`fetchSetup` keep applying.
 */
import type {
  HlsConfig,
  Loader,
  LoaderConfiguration,
  LoaderContext,
  LoaderResponse,
  LoaderStats,
  NullableNetworkDetails,
} from 'hls.js';

export type LoaderClass = new (config: HlsConfig) => Loader<LoaderContext>;

export interface BridgedResponse {
  readonly response: LoaderResponse;
  readonly stats: LoaderStats;
  readonly networkDetails: NullableNetworkDetails;
}

/** An HTTP error or a timeout reported by the inner loader. */
export class InnerLoadError extends Error {
  override readonly name = 'InnerLoadError';
  constructor(
    readonly kind: 'http' | 'timeout',
    /** HTTP status (0: no response). */
    readonly status: number,
    message: string,
    readonly networkDetails: NullableNetworkDetails,
    readonly stats: LoaderStats,
  ) {
    super(message);
  }
}

/**
 * Loads `context` once with a new `Loader`. Resolves with the success callback's arguments;
 * rejects with `InnerLoadError`, or with `signal.reason` when aborted (the inner loader is then
 * aborted and destroyed). `stats`, when given, becomes the inner loader's stats object, so that
 * hls.js, which holds on to the outer loader's stats, sees the timings of the real request.
 */
export function loadOnce(
  Inner: LoaderClass,
  hlsConfig: HlsConfig,
  context: LoaderContext,
  config: LoaderConfiguration,
  signal: AbortSignal,
  stats?: LoaderStats,
): Promise<BridgedResponse> {
  return new Promise<BridgedResponse>((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason as Error);
    const loader = new Inner(hlsConfig);
    if (stats) {
      stats.loading.start = stats.loading.first = stats.loading.end = 0;
      stats.aborted = false;
      loader.stats = stats;
    }
    const settle = (): void => {
      signal.removeEventListener('abort', onAbort);
      loader.destroy();
    };
    const onAbort = (): void => {
      settle();
      reject(signal.reason as Error);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    loader.load(context, config, {
      onSuccess: (response, loaderStats, _context, networkDetails) => {
        // Read the error body (if any) before destroy() drops the network details' reference.
        settle();
        resolve({ response, stats: loaderStats, networkDetails });
      },
      onError: (error, _context, networkDetails, loaderStats) => {
        settle();
        reject(
          new InnerLoadError(
            'http',
            error.code,
            `HTTP ${error.code} ${error.text}`,
            networkDetails,
            loaderStats,
          ),
        );
      },
      onTimeout: (loaderStats, _context, networkDetails) => {
        settle();
        reject(new InnerLoadError('timeout', 0, 'The request timed out.', networkDetails, loaderStats));
      },
      onAbort: () => {
        // Only ever caused by onAbort above, which has already rejected.
      },
    });
  });
}

/**
 * The server's error `Code` from a failed request's network details (an XMLHttpRequest or a
 * fetch Response), or undefined when there is no readable JSON body.
 */
export async function errorCodeOf(networkDetails: NullableNetworkDetails): Promise<string | undefined> {
  try {
    let text: string | undefined;
    if (typeof XMLHttpRequest !== 'undefined' && networkDetails instanceof XMLHttpRequest) {
      const xhr = networkDetails;
      if (xhr.responseType === '' || xhr.responseType === 'text') text = xhr.responseText;
      else if (xhr.response instanceof ArrayBuffer) text = new TextDecoder().decode(xhr.response);
    } else if (typeof Response !== 'undefined' && networkDetails instanceof Response) {
      text = await networkDetails.clone().text();
    }
    if (!text) return undefined;
    const body = JSON.parse(text) as { Code?: unknown };
    return typeof body.Code === 'string' ? body.Code : undefined;
  } catch {
    return undefined;
  }
}
