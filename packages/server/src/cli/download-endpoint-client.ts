/**
 * The CLI side of the server's download routes (src/download/download-routes.ts, DESIGN §6):
 *   GET /download/<vid>?PlayAuth=…&Definition=…&AppIdentification=…&Trace=…   the file (MP4 or package)
 *   GET /download/revocations?AppIdentification=…                     revoked secret versions
 * Refusals come back as the player endpoints' JSON `{RequestId, Code, Message}`; they are raised
 * as `VodApiError` (action `download`), so `describeCliError` words them like any API error.
 * No network answer is a `VodTransportError`.
 */
import { VodApiError, VodTransportError } from './vod-api-client.js';

export const PACKAGE_CONTENT_TYPE = 'application/vnd.securevod.package';

export interface DownloadRequest {
  /** Server base URL, without trailing slash. */
  readonly endpoint: string;
  readonly videoId: string;
  readonly playAuth: string;
  readonly definition?: string;
  readonly appIdentification?: string;
  /** Leak tracing: the download's trace ID (our `Trace` extension; docs/tracing.md). */
  readonly trace?: string;
  /** Until the response headers arrive. */
  readonly headersTimeoutMs?: number;
  /** Longest pause between two pieces of the body. */
  readonly idleTimeoutMs?: number;
  readonly fetch?: typeof fetch;
}

export interface DownloadResponse {
  readonly mode: 'Normal' | 'Secure';
  /** From Content-Length; undefined if the server sent none. */
  readonly contentLength: number | undefined;
  /** The name the server suggests (Content-Disposition), e.g. `<vid>-SD.mp4`. */
  readonly fileName: string | undefined;
  readonly secretVersion: number | undefined;
  /** The body; throws `VodTransportError` when the connection stalls or breaks. */
  readonly body: AsyncIterable<Uint8Array>;
}

export async function requestDownload(request: DownloadRequest): Promise<DownloadResponse> {
  const url = new URL(`${request.endpoint}/download/${encodeURIComponent(request.videoId)}`);
  url.searchParams.set('PlayAuth', request.playAuth);
  if (request.definition) url.searchParams.set('Definition', request.definition);
  if (request.appIdentification) url.searchParams.set('AppIdentification', request.appIdentification);
  if (request.trace) url.searchParams.set('Trace', request.trace);

  const controller = new AbortController();
  const headersTimeoutMs = request.headersTimeoutMs ?? 30_000;
  const idleTimeoutMs = request.idleTimeoutMs ?? 60_000;
  let timer = setTimeout(() => controller.abort(), headersTimeoutMs);
  let response: Response;
  try {
    response = await (request.fetch ?? fetch)(url, { signal: controller.signal });
  } catch (error) {
    clearTimeout(timer);
    throw transportError(request.endpoint, error, controller.signal.aborted ? headersTimeoutMs : undefined);
  }
  clearTimeout(timer);

  if (!response.ok) {
    const text = await response.text().catch(() => '');
    throw refusal(request.endpoint, response.status, text);
  }
  const length = Number(response.headers.get('content-length') ?? NaN);
  const version = Number(response.headers.get('x-securevod-secret-version') ?? NaN);
  const type = response.headers.get('content-type') ?? '';
  const stream = response.body;

  async function* body(): AsyncGenerator<Uint8Array> {
    if (!stream) return;
    const reader = stream.getReader();
    try {
      for (;;) {
        timer = setTimeout(() => controller.abort(), idleTimeoutMs);
        let step: ReadableStreamReadResult<Uint8Array>;
        try {
          step = await reader.read();
        } catch (error) {
          throw transportError(
            request.endpoint,
            error,
            controller.signal.aborted ? idleTimeoutMs : undefined,
          );
        } finally {
          clearTimeout(timer);
        }
        if (step.done) return;
        yield step.value;
      }
    } finally {
      controller.abort();
      reader.releaseLock();
    }
  }

  return {
    mode: type.startsWith(PACKAGE_CONTENT_TYPE) ? 'Secure' : 'Normal',
    contentLength: Number.isSafeInteger(length) && length >= 0 ? length : undefined,
    fileName: /filename="([^"]+)"/.exec(response.headers.get('content-disposition') ?? '')?.[1],
    secretVersion: Number.isSafeInteger(version) ? version : undefined,
    body: body(),
  };
}

export interface Revocations {
  readonly appIdentification: string;
  readonly revokedVersions: readonly number[];
  readonly activeVersions: readonly number[];
}

/**
 * The revocation list of one app. `url` is the server's base URL or the full
 * `…/download/revocations` URL. Throws `VodApiError` / `VodTransportError` like the API client.
 */
export async function fetchRevocations(input: {
  url: string;
  appIdentification: string;
  timeoutMs?: number;
  fetch?: typeof fetch;
}): Promise<Revocations> {
  const url = revocationsUrl(input.url);
  url.searchParams.set('AppIdentification', input.appIdentification);
  const timeoutMs = input.timeoutMs ?? 5_000;
  let status: number;
  let text: string;
  try {
    const response = await (input.fetch ?? fetch)(url, { signal: AbortSignal.timeout(timeoutMs) });
    status = response.status;
    text = await response.text();
  } catch (error) {
    const timedOut = error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError');
    throw transportError(url.origin, error, timedOut ? timeoutMs : undefined);
  }
  if (status < 200 || status >= 300) throw refusal(url.origin, status, text, 'download/revocations');
  const json = parseObject(text);
  const versions = (value: unknown) =>
    Array.isArray(value) ? value.filter((v): v is number => Number.isSafeInteger(v)) : undefined;
  const revoked = versions(json?.RevokedVersions);
  const active = versions(json?.ActiveVersions);
  if (!json || !revoked || !active) {
    throw new VodTransportError(
      'InvalidResponse',
      url.origin,
      `${url.href} did not answer with a revocation list: is it a securevod server?`,
    );
  }
  return {
    appIdentification:
      typeof json.AppIdentification === 'string' ? json.AppIdentification : input.appIdentification,
    revokedVersions: revoked,
    activeVersions: active,
  };
}

/** `http://host:port` or `http://host:port/base` → `…/download/revocations`; a full URL stays. */
export function revocationsUrl(raw: string): URL {
  const url = new URL(raw);
  url.search = '';
  url.hash = '';
  if (!/\/download\/revocations\/?$/.test(url.pathname)) {
    url.pathname = `${url.pathname.replace(/\/+$/, '')}/download/revocations`;
  }
  return url;
}

function refusal(endpoint: string, status: number, text: string, action = 'download'): Error {
  const json = parseObject(text);
  if (json && typeof json.Code === 'string') {
    return new VodApiError(
      json.Code,
      status,
      typeof json.RequestId === 'string' ? json.RequestId : '',
      typeof json.Message === 'string' ? json.Message : json.Code,
      action,
    );
  }
  return new VodTransportError(
    'InvalidResponse',
    endpoint,
    `${endpoint} answered HTTP ${status} without an error code: is it a securevod server?`,
  );
}

function transportError(endpoint: string, error: unknown, timeoutMs: number | undefined): VodTransportError {
  if (timeoutMs !== undefined) {
    return new VodTransportError('Timeout', endpoint, `no answer from ${endpoint} within ${timeoutMs} ms`, {
      cause: error,
    });
  }
  return new VodTransportError('Unreachable', endpoint, `cannot reach ${endpoint} (${reasonOf(error)})`, {
    cause: error,
  });
}

function parseObject(text: string): Record<string, unknown> | undefined {
  try {
    const json: unknown = JSON.parse(text);
    return typeof json === 'object' && json !== null ? (json as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function reasonOf(error: unknown): string {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current instanceof Error; depth++) {
    const code = (current as Error & { code?: unknown }).code;
    if (typeof code === 'string') return code;
    current = current.cause;
  }
  return error instanceof Error ? error.message : String(error);
}
