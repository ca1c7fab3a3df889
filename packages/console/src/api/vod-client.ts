/**
 * The console's RPC client: the same signed API every other client uses (DESIGN §7), sent as a
 * form POST to `${endpoint}/` so that parameters (AppDecryptKey among them) never sit in a URL.
 * One instance per signed-in session; the secret lives only in this object's closure.
 */
import { rpcTimestamp, signParams } from './rpc-signature.js';

export const API_VERSION = '2017-03-21';

export type ParamValue = string | number | boolean | undefined | null;
export type ActionParams = Readonly<Record<string, ParamValue>>;

/** Anything `fetch`-shaped (tests inject one; the default is the page's). */
export type FetchLike = (input: string, init: RequestInit) => Promise<Response>;

export interface VodClientOptions {
  /** Base URL of the securevod API (`https://vod.example.com`); '' means the page's own origin. */
  readonly endpoint: string;
  readonly accessKeyId: string;
  readonly accessKeySecret: string;
  /** STS credentials: the SecurityToken sent (and signed) with every request. */
  readonly securityToken?: string;
  readonly fetch?: FetchLike;
  readonly now?: () => Date;
  /** Per request; the default suits every console action (uploads do not go through here). */
  readonly timeoutMs?: number;
  /** Told about every error envelope the API sends (the session signs out on AccessKey errors). */
  readonly onApiError?: (error: ApiRequestError) => void;
}

/** Codes the console produces itself, next to the API's own (`InvalidParameter`, …). */
export const CLIENT_ERROR_CODES = {
  network: 'NetworkError',
  timeout: 'RequestTimeout',
  badResponse: 'BadResponse',
  aborted: 'Aborted',
} as const;

/** An API error envelope, or a failure to get one. `code` is the API's or a CLIENT_ERROR_CODES value. */
export class ApiRequestError extends Error {
  override readonly name = 'ApiRequestError';
  constructor(
    readonly code: string,
    message: string,
    readonly details: { action: string; httpStatus?: number; requestId?: string; cause?: unknown },
  ) {
    super(message, { cause: details.cause });
  }

  get action(): string {
    return this.details.action;
  }

  /** The server does not implement the action (older server, or an optional feature). */
  get actionUnavailable(): boolean {
    return this.code === 'InvalidApi.NotFound';
  }
}

export function isActionUnavailable(error: unknown): boolean {
  return error instanceof ApiRequestError && error.actionUnavailable;
}

/** Normalises an endpoint typed by a person: trims, drops trailing slashes; '' stays ''. */
export function normalizeEndpoint(raw: string): string {
  const text = raw.trim().replace(/\/+$/, '');
  if (text === '') return '';
  const url = new URL(text);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new TypeError('The API endpoint must be an http:// or https:// URL.');
  }
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}

/** Parameters the client sets itself; an action parameter with one of these names is a bug. */
export const COMMON_PARAMETERS: ReadonlySet<string> = new Set([
  'Format',
  'Version',
  'AccessKeyId',
  'SignatureMethod',
  'Timestamp',
  'SignatureVersion',
  'SignatureNonce',
  'Signature',
  'Action',
  'SecurityToken',
]);

/** The API versions one endpoint serves (docs/api.md): VOD, RAM and STS. */
export const RAM_VERSION = '2015-05-01';
export const STS_VERSION = '2015-04-01';

export class VodClient {
  readonly endpoint: string;
  readonly accessKeyId: string;
  readonly #secret: string;
  readonly #securityToken: string | undefined;
  readonly #fetch: FetchLike;
  readonly #now: () => Date;
  readonly #timeoutMs: number;
  readonly #onApiError: ((error: ApiRequestError) => void) | undefined;

  constructor(options: VodClientOptions) {
    this.endpoint = normalizeEndpoint(options.endpoint);
    this.accessKeyId = options.accessKeyId;
    this.#secret = options.accessKeySecret;
    this.#securityToken = options.securityToken;
    this.#fetch = options.fetch ?? ((input, init) => fetch(input, init));
    this.#now = options.now ?? (() => new Date());
    this.#timeoutMs = options.timeoutMs ?? 30_000;
    this.#onApiError = options.onApiError;
  }

  /** The URL the RPC API answers at. */
  get apiUrl(): string {
    return `${this.endpoint}/`;
  }

  /** Whether this client signs with STS credentials. */
  get temporary(): boolean {
    return this.#securityToken !== undefined;
  }

  /**
   * Calls `action` of the VOD API (or of `options.version`: RAM, STS); resolves with the JSON
   * answer, rejects with `ApiRequestError`.
   */
  async request<T = Record<string, unknown>>(
    action: string,
    params: ActionParams = {},
    options: { signal?: AbortSignal; version?: string } = {},
  ): Promise<T & { RequestId: string }> {
    const base: Record<string, string> = {
      Format: 'JSON',
      Version: options.version ?? API_VERSION,
      AccessKeyId: this.accessKeyId,
      SignatureMethod: 'HMAC-SHA1',
      Timestamp: rpcTimestamp(this.#now()),
      SignatureVersion: '1.0',
      SignatureNonce: crypto.randomUUID(),
      Action: action,
      ...(this.#securityToken !== undefined ? { SecurityToken: this.#securityToken } : {}),
    };
    for (const [name, value] of Object.entries(params)) {
      if (COMMON_PARAMETERS.has(name))
        throw new TypeError(`${action}: "${name}" is a common parameter the client sets.`);
      if (value !== undefined && value !== null) base[name] = String(value);
    }
    const signed = await signParams('POST', base, this.#secret);
    const timeout = AbortSignal.timeout(this.#timeoutMs);
    const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;

    let response: Response;
    try {
      response = await this.#fetch(this.apiUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams(signed).toString(),
        signal,
        credentials: 'omit',
      });
    } catch (cause) {
      if (options.signal?.aborted) {
        throw new ApiRequestError(CLIENT_ERROR_CODES.aborted, 'The request was cancelled.', {
          action,
          cause,
        });
      }
      if (timeout.aborted) {
        throw new ApiRequestError(
          CLIENT_ERROR_CODES.timeout,
          `The server did not answer ${action} within ${Math.round(this.#timeoutMs / 1000)} s.`,
          { action, cause },
        );
      }
      throw new ApiRequestError(
        CLIENT_ERROR_CODES.network,
        `Could not reach the securevod API at ${this.apiUrl}.`,
        { action, cause },
      );
    }

    let body: unknown;
    try {
      body = await response.json();
    } catch (cause) {
      throw new ApiRequestError(
        CLIENT_ERROR_CODES.badResponse,
        `The server answered ${action} with HTTP ${response.status} but no JSON; is ${this.apiUrl} a securevod API?`,
        { action, httpStatus: response.status, cause },
      );
    }
    const record = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
    if (!response.ok) {
      const error = new ApiRequestError(
        typeof record.Code === 'string' ? record.Code : `HTTP${response.status}`,
        typeof record.Message === 'string' ? record.Message : `HTTP ${response.status}`,
        {
          action,
          httpStatus: response.status,
          requestId: typeof record.RequestId === 'string' ? record.RequestId : undefined,
        },
      );
      this.#onApiError?.(error);
      throw error;
    }
    return record as T & { RequestId: string };
  }
}
