/**
 * The one HTTP client for requests securevod makes on its own: callback deliveries and URL pull
 * uploads. It enforces `OutboundPolicy` where it cannot be dodged — at connection time, through
 * `request-filtering-agent`, which checks IP literals before connecting and every address a host
 * name resolves to (so DNS rebinding to 127.0.0.1 or 169.254.169.254 is refused too). Redirects
 * are followed here, one hop at a time, so every hop passes the same scheme and address checks.
 *
 * Bodies are streams (`IncomingMessage`), never buffered: the caller consumes or destroys them.
 * Every failure is an `OutboundError` with a code the callers turn into their own wire codes.
 */
import type {
  Agent as HttpAgent,
  IncomingHttpHeaders,
  IncomingMessage,
  OutgoingHttpHeaders,
} from 'node:http';
import { request as httpRequest } from 'node:http';
import type { Agent as HttpsAgent } from 'node:https';
import { request as httpsRequest } from 'node:https';
import type { OutboundPolicy } from './outbound-policy.js';
import { refusalMessage } from './outbound-policy.js';

export type OutboundErrorCode =
  /** Not a URL at all. */
  | 'InvalidUrl'
  /** Not http:// or https:// (on the first URL or a redirect). */
  | 'UnsupportedScheme'
  /** The destination is loopback/private/link-local and the policy does not allow it. */
  | 'AddressRefused'
  | 'TooManyRedirects'
  /** No answer within the time allowed (whole request, or idle socket). */
  | 'Timeout'
  /** The body is larger than the caller allows (raised by callers that count bytes). */
  | 'TooLarge'
  /** DNS failure, refused or reset connection, TLS failure. */
  | 'NetworkError';

/** Codes for which trying again cannot help. */
const PERMANENT: ReadonlySet<OutboundErrorCode> = new Set([
  'InvalidUrl',
  'UnsupportedScheme',
  'AddressRefused',
  'TooManyRedirects',
  'TooLarge',
]);

export class OutboundError extends Error {
  override readonly name = 'OutboundError';
  constructor(
    readonly code: OutboundErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  /** Steers jobs (STYLE §5): a refused or malformed destination is not retried. */
  get permanent(): boolean {
    return PERMANENT.has(this.code);
  }
}

export interface OutboundRequest {
  method?: 'GET' | 'POST';
  headers?: OutgoingHttpHeaders;
  body?: string | Buffer;
  signal?: AbortSignal;
  /** Redirects followed (each hop checked again); 0 returns a 3xx response as it is. */
  maxRedirects?: number;
  /** The whole exchange, body included, must end within this time. */
  timeoutMs: number;
  /** No bytes in either direction for this long ends the exchange (default: `timeoutMs`). */
  idleTimeoutMs?: number;
}

export interface OutboundResponse {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  /** The URL that answered, after redirects. */
  readonly url: URL;
  /** Consume it or call `body.destroy()`. */
  readonly body: IncomingMessage;
}

export interface OutboundClient {
  request(url: string, options: OutboundRequest): Promise<OutboundResponse>;
  /** Closes idle sockets (at shutdown). */
  close(): void;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
/** What request-filtering-agent says when it refuses an address. */
const REFUSAL = /^DNS lookup (.+?)\(family:.*is not allowed/;

/** Parses `raw` and requires http(s); throws `InvalidUrl` / `UnsupportedScheme`. */
export function parseHttpUrl(raw: string | URL): URL {
  let url: URL;
  try {
    url = raw instanceof URL ? raw : new URL(raw);
  } catch {
    throw new OutboundError('InvalidUrl', `"${String(raw).slice(0, 200)}" is not a URL.`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new OutboundError(
      'UnsupportedScheme',
      `${url.protocol.replace(/:$/, '')}: URLs are not supported; use http:// or https://.`,
    );
  }
  if (url.username !== '' || url.password !== '') {
    throw new OutboundError('InvalidUrl', 'URLs with a user name or password are not supported.');
  }
  return url;
}

export function createOutboundClient(policy: OutboundPolicy): OutboundClient {
  const filter = {
    allowPrivateIPAddress: policy.allowPrivate,
    allowIPAddressList: [...policy.allowList],
  };
  // request-filtering-agent (and its address parsing) is loaded by the first outbound request, not
  // at start-up: a server with no callbacks or URL uploads configured never needs it (issue 12,
  // idle RSS).
  let agents: Promise<{ http: HttpAgent; https: HttpsAgent }> | undefined;
  const loadAgents = () =>
    (agents ??= import('request-filtering-agent').then(
      ({ RequestFilteringHttpAgent, RequestFilteringHttpsAgent }) => ({
        http: new RequestFilteringHttpAgent(filter),
        https: new RequestFilteringHttpsAgent(filter),
      }),
    ));

  const once = (
    url: URL,
    options: OutboundRequest,
    signal: AbortSignal,
    agent: HttpAgent,
  ): Promise<IncomingMessage> =>
    new Promise((resolve, reject) => {
      const secure = url.protocol === 'https:';
      const req = (secure ? httpsRequest : httpRequest)(url, {
        method: options.method ?? 'GET',
        headers: options.headers,
        agent,
        signal,
      });
      req.setTimeout(options.idleTimeoutMs ?? options.timeoutMs, () =>
        req.destroy(
          new OutboundError(
            'Timeout',
            `${url.host} sent nothing for ${Math.round((options.idleTimeoutMs ?? options.timeoutMs) / 1000)} s.`,
          ),
        ),
      );
      req.once('error', (error) => reject(describeOutboundFailure(error, url, signal)));
      req.once('response', (response) => {
        // Errors after this point (body aborted, socket timeout) surface on the body stream.
        response.once('error', () => undefined);
        resolve(response);
      });
      req.end(options.body);
    });

  return {
    async request(raw, options) {
      const timeout = AbortSignal.timeout(options.timeoutMs);
      const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
      let url = parseHttpUrl(raw);
      let method = options.method ?? 'GET';
      let body = options.body;
      const { http, https } = await loadAgents();
      for (let hops = 0; ; hops++) {
        const agent = url.protocol === 'https:' ? https : http;
        const response = await once(url, { ...options, method, body }, signal, agent);
        const status = response.statusCode ?? 0;
        const location = response.headers.location;
        if (!REDIRECTS.has(status) || (options.maxRedirects ?? 0) === 0 || location === undefined) {
          return { status, headers: response.headers, url, body: response };
        }
        response.resume();
        if (hops >= (options.maxRedirects ?? 0)) {
          throw new OutboundError(
            'TooManyRedirects',
            `More than ${options.maxRedirects} redirects (the last one from ${url.href}).`,
          );
        }
        url = parseHttpUrl(new URL(location, url));
        if (status === 303 || ((status === 301 || status === 302) && method === 'POST')) {
          method = 'GET';
          body = undefined;
        }
      }
    },
    close() {
      void agents?.then(
        ({ http, https }) => {
          http.destroy();
          https.destroy();
        },
        () => undefined, // the module failed to load: no agent to close
      );
    },
  };
}

/** Turns a socket/agent error into an `OutboundError` with a message naming the destination. */
export function describeOutboundFailure(error: unknown, url: URL, signal?: AbortSignal): OutboundError {
  if (error instanceof OutboundError) return error;
  const message = error instanceof Error ? error.message : String(error);
  const refused = REFUSAL.exec(message);
  if (refused) {
    return new OutboundError(
      'AddressRefused',
      `Refused ${url.host}: ${refusalMessage(url.hostname, refused[1]!)}`,
      {
        cause: error,
      },
    );
  }
  if (signal?.aborted) {
    const reason: unknown = signal.reason;
    if (reason instanceof Error && reason.name === 'TimeoutError') {
      return new OutboundError('Timeout', `${url.host} did not finish within the time allowed.`, {
        cause: error,
      });
    }
    if (reason instanceof Error) return new OutboundError('NetworkError', reason.message, { cause: reason });
  }
  const code = (error as { code?: unknown }).code;
  return new OutboundError(
    'NetworkError',
    `Cannot reach ${url.host}: ${typeof code === 'string' ? `${code} ` : ''}${message}`.trim(),
    { cause: error },
  );
}
