/**
 * The RPC client our CLI commands use to call a securevod server (reference §1): every request
 * is a form POST to `/`, signed with signature v1 through `rpc/signature.ts` — the same code the
 * server verifies with — and answered with JSON. Pop-core would do too, but it pulls in a
 * dependency tree the CLI does not need and reports failures less precisely.
 *
 * Failures are typed so the command can say exactly what went wrong in one line:
 *   - `VodApiError`: the server answered with an error envelope (`Code`, HTTP status, RequestId);
 *   - `VodTransportError`: no usable answer (connection refused, timeout, not JSON).
 * Neither message ever carries the AccessKey secret.
 */
import { randomUUID } from 'node:crypto';
import { signParams } from '../rpc/signature.js';

export const VOD_API_VERSION = '2017-03-21';

export interface VodApiClientOptions {
  /** Base URL of the server, e.g. `http://127.0.0.1:8080`. */
  readonly endpoint: string;
  readonly accessKeyId: string;
  readonly accessKeySecret: string;
  /** Per request, including reading the body. */
  readonly timeoutMs?: number;
  readonly fetch?: typeof fetch;
  readonly now?: () => Date;
}

/** The server answered with an error envelope `{RequestId, HostId, Code, Message, Recommend}`. */
export class VodApiError extends Error {
  override readonly name = 'VodApiError';
  constructor(
    readonly code: string,
    readonly httpStatus: number,
    readonly requestId: string,
    message: string,
    readonly action: string,
  ) {
    super(message);
  }
}

export type VodTransportErrorCode = 'Unreachable' | 'Timeout' | 'InvalidResponse';

/** No envelope came back: the endpoint is down, too slow, or not a securevod server. */
export class VodTransportError extends Error {
  override readonly name = 'VodTransportError';
  constructor(
    readonly code: VodTransportErrorCode,
    readonly endpoint: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** AccessKey errors: the request reached the server, which refused the key or its signature. */
export const ACCESS_KEY_ERROR_CODES: ReadonlySet<string> = new Set([
  'InvalidAccessKeyId.NotFound',
  'InvalidAccessKeyId.Inactive',
  'SignatureDoesNotMatch',
]);

const DEFAULT_TIMEOUT_MS = 30_000;

export class VodApiClient {
  private readonly url: URL;

  constructor(private readonly options: VodApiClientOptions) {
    this.url = new URL(options.endpoint);
    if (!this.url.pathname.endsWith('/')) this.url.pathname += '/';
  }

  get endpoint(): string {
    return this.options.endpoint;
  }

  /** Calls `action`; resolves with the JSON body (including `RequestId`) of a 2xx answer. */
  async request<T extends object = Record<string, unknown>>(
    action: string,
    params: Readonly<Record<string, string | undefined>> = {},
  ): Promise<T & { RequestId: string }> {
    const timestamp = (this.options.now?.() ?? new Date()).toISOString().replace(/\.\d{3}Z$/, 'Z');
    const unsigned: Record<string, string> = {
      Format: 'JSON',
      Version: VOD_API_VERSION,
      AccessKeyId: this.options.accessKeyId,
      SignatureMethod: 'HMAC-SHA1',
      SignatureVersion: '1.0',
      SignatureNonce: randomUUID(),
      Timestamp: timestamp,
      Action: action,
    };
    for (const [name, value] of Object.entries(params)) if (value !== undefined) unsigned[name] = value;
    const body = new URLSearchParams(signParams('POST', unsigned, this.options.accessKeySecret));

    const endpoint = this.options.endpoint;
    const timeoutMs = this.options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    let status: number;
    let text: string;
    try {
      const response = await (this.options.fetch ?? fetch)(this.url, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body,
        signal: AbortSignal.timeout(timeoutMs),
      });
      status = response.status;
      text = await response.text();
    } catch (error) {
      if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) {
        throw new VodTransportError(
          'Timeout',
          endpoint,
          `no answer from the securevod server at ${endpoint} within ${timeoutMs} ms`,
          {
            cause: error,
          },
        );
      }
      throw new VodTransportError(
        'Unreachable',
        endpoint,
        `cannot reach the securevod server at ${endpoint} (${reasonOf(error)})`,
        {
          cause: error,
        },
      );
    }

    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new VodTransportError(
        'InvalidResponse',
        endpoint,
        `${endpoint} answered HTTP ${status} without JSON: is it a securevod server?`,
      );
    }
    if (typeof json !== 'object' || json === null) {
      throw new VodTransportError(
        'InvalidResponse',
        endpoint,
        `${endpoint} answered HTTP ${status} with non-object JSON`,
      );
    }
    const record = json as Record<string, unknown>;
    if (status >= 200 && status < 300 && typeof record.Code !== 'string') {
      return record as T & { RequestId: string };
    }
    if (typeof record.Code === 'string') {
      throw new VodApiError(
        record.Code,
        status,
        typeof record.RequestId === 'string' ? record.RequestId : '',
        typeof record.Message === 'string' ? record.Message : record.Code,
        action,
      );
    }
    throw new VodTransportError(
      'InvalidResponse',
      endpoint,
      `${endpoint} answered HTTP ${status} without an error code`,
    );
  }
}

/** The most specific reason Node's fetch gives (`ECONNREFUSED`, `ENOTFOUND`, …). */
function reasonOf(error: unknown): string {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current instanceof Error; depth++) {
    const code = (current as Error & { code?: unknown }).code;
    if (typeof code === 'string') return code;
    current = current.cause;
  }
  return error instanceof Error ? error.message : String(error);
}
