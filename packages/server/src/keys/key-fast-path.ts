/**
 * A lean `node:http` front for the hottest request of the service, `GET /keys/hls/<vid>/<stream>/
 * <period>` (issue 12 item 3): fastify's per-request machinery (routing, hooks, reply, logging)
 * cost more than the key work itself, so the server's request listener (server.ts, fastify's
 * `serverFactory`) offers each request to `tryServe` first.
 *
 * It serves only the success case, with the least work: on warm caches `KeyService.hlsKeyNow`
 * answers synchronously (one token check, two cache lookups, a buffered audit record — no promise),
 * otherwise the same `KeyService.hlsKey` call the fastify route makes; then a 16-byte answer with
 * precomputed headers (`KEY_RESPONSE_HEADERS` plus the player CORS headers, which
 * cors-policy.ts gives every /keys/ answer). Everything else goes to fastify's one routing table
 * (key-routes.ts) untouched, which answers with the one error format:
 *   - other methods and paths, a path that is not exactly four segments, a closing server;
 *   - any error `hlsKey` throws — fastify then runs the request again and reports it;
 *   - a query naming a parameter twice (fastify's player-route guard refuses it);
 *   - the **guard** saying no. The guard is the hook point for per-route policy that must also
 *     hold on the fast path: `setGuard(guard)` runs it before the key work (synchronously when it
 *     answers a boolean), and a request it refuses goes to fastify, whose hooks then answer it.
 *     server.ts sets the `/keys/` rate limits this way (http/player-route-guards.ts): a request
 *     counted and let through here is not counted again if it then goes to fastify (`handedOff`);
 *     a refused one is (it is over its limit).
 * Request metrics are recorded here as fastify's onResponse hook would (route family `keys`).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ServerMetrics } from '../ops/metrics.js';
import { HLS_KEY_TOKEN_PARAM } from '../playback/hls-key-token.js';
import { MEDIA_TOKEN_PARAM } from '../playback/media-access.js';
import { duplicateParams, parseParams } from '../http/query-params.js';
import type { HlsKeyRequest, KeyService } from './key-service.js';
import { KEY_RESPONSE_HEADERS } from './key-routes.js';

const PREFIX = '/keys/hls/';

export interface KeyFastPathGuard {
  /**
   * May this request take the fast path? `false` hands it to fastify (and its hooks). Gets the
   * request and its parsed query; answer a boolean when you can (no promise per request).
   */
  allow(req: IncomingMessage, query: Readonly<Record<string, string>>): boolean | Promise<boolean>;
  /** A request `allow` let through goes to fastify after all (the key work failed). */
  handedOff(req: IncomingMessage): void;
}

export interface KeyFastPathOptions {
  keys: KeyService;
  metrics: ServerMetrics;
  /** Headers cors-policy.ts puts on every /keys/ answer. */
  corsHeaders: Readonly<Record<string, string>>;
}

export class KeyFastPath {
  private guard: KeyFastPathGuard | undefined;
  private readonly headers: string[];
  private closing = false;

  constructor(private readonly options: KeyFastPathOptions) {
    const headers: Record<string, string> = {
      ...options.corsHeaders,
      ...KEY_RESPONSE_HEADERS,
      'content-length': '16',
    };
    this.headers = Object.entries(headers).flat();
  }

  setGuard(guard: KeyFastPathGuard): void {
    this.guard = guard;
  }

  /** From now on everything goes to fastify (which answers 503 while it closes). */
  close(): void {
    this.closing = true;
  }

  /**
   * Takes the request if it is a key request this path can serve; `fallback` hands it to fastify
   * (called at once for requests not taken, or later if the key work fails).
   */
  tryServe(req: IncomingMessage, res: ServerResponse, fallback: () => void): void {
    const url = req.url;
    if (this.closing || req.method !== 'GET' || url === undefined || !url.startsWith(PREFIX)) {
      return fallback();
    }
    const queryAt = url.indexOf('?');
    const path = queryAt === -1 ? url.slice(PREFIX.length) : url.slice(PREFIX.length, queryAt);
    const parts = path.split('/');
    if (parts.length !== 3 || path.includes('%')) return fallback();
    const started = process.hrtime.bigint();
    const query = keyQuery(queryAt === -1 ? '' : url.slice(queryAt + 1));
    if (query === undefined) return fallback();
    const guard = this.guard;
    if (guard === undefined) return this.serve(req, res, fallback, parts, query, started, false);
    let allowed: boolean | Promise<boolean>;
    try {
      allowed = guard.allow(req, query);
    } catch {
      return fallback(); // as a rejected check: fastify's hooks decide
    }
    if (allowed === true) return this.serve(req, res, fallback, parts, query, started, true);
    if (allowed === false) return fallback();
    void allowed.then(
      (ok) => (ok ? this.serve(req, res, fallback, parts, query, started, true) : fallback()),
      () => fallback(),
    );
  }

  private serve(
    req: IncomingMessage,
    res: ServerResponse,
    fallback: () => void,
    parts: string[],
    query: Readonly<Record<string, string | undefined>>,
    started: bigint,
    /** The guard let it through: tell it if the request goes to fastify after all. */
    guarded: boolean,
  ): void {
    const request: HlsKeyRequest = {
      videoId: parts[0]!,
      streamId: parts[1]!,
      period: parts[2]!,
      mediaToken: query[MEDIA_TOKEN_PARAM],
      hlsKeyToken: query[HLS_KEY_TOKEN_PARAM],
      clientIp: req.socket.remoteAddress ?? '',
      userAgent: userAgentOf(req),
    };
    const handOff = () => {
      if (guarded) this.guard?.handedOff(req);
      fallback();
    };
    let key: Uint8Array | undefined;
    try {
      key = this.options.keys.hlsKeyNow(request);
    } catch {
      return handOff();
    }
    if (key !== undefined) return this.answer(res, key, started);
    this.options.keys.hlsKey(request).then((loaded) => this.answer(res, loaded, started), handOff);
  }

  private answer(res: ServerResponse, key: Uint8Array, started: bigint): void {
    res.writeHead(200, this.headers);
    res.end(key);
    const metrics = this.options.metrics;
    metrics.request('keys', 'GET', 200, Number(process.hrtime.bigint() - started) / 1e9);
    metrics.keyDelivered('aes-128');
  }
}

/**
 * The User-Agent header as `req.headers` gives it (the first one wins), read from the raw pairs:
 * `req.headers` builds an object of every header on first use, which nothing else here needs.
 */
function userAgentOf(req: IncomingMessage): string | undefined {
  const raw = req.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    if (name.length === 10 && name.toLowerCase() === 'user-agent') return raw[i + 1];
  }
  return undefined;
}

/**
 * The query as fastify's querystring parser (server.ts, `parseParams`) reads it, or `undefined`
 * when a name is given twice (refused there). A key URI's query is plain `name=value` pairs
 * (base64url tokens), which are split here without URLSearchParams; anything percent- or
 * plus-encoded takes the general parser.
 */
function keyQuery(text: string): Record<string, string> | undefined {
  if (text.includes('%') || text.includes('+')) {
    const parsed = parseParams(text);
    return duplicateParams(parsed).length > 0 ? undefined : parsed;
  }
  // No prototype: a parameter named `__proto__` is a plain entry.
  const out = Object.create(null) as Record<string, string>;
  let at = 0;
  while (at <= text.length) {
    let end = text.indexOf('&', at);
    if (end === -1) end = text.length;
    if (end > at) {
      let eq = text.indexOf('=', at);
      if (eq === -1 || eq > end) eq = end;
      const name = text.slice(at, eq);
      if (name in out) return undefined;
      out[name] = eq === end ? '' : text.slice(eq + 1, end);
    }
    at = end + 1;
  }
  return out;
}
