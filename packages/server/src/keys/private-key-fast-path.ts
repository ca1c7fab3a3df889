/**
 * A lean `node:http` front for the private key exchange, `POST /keys/private/<vid>/<stream>/
 * <period>` with a JSON body `{Token, PublicKey}` (issue 12 item 4), as key-fast-path.ts is for
 * `GET /keys/hls/…`: fastify's per-request machinery (routing, hooks, body parsing, reply,
 * logging) cost as much as the exchange's own non-ECDH work. The server's request listener
 * (server.ts) offers each POST to `tryServe` first.
 *
 * It serves only the clean success: the same `KeyService.privateKey` call the fastify route makes
 * (key-routes.ts), answered with the same bytes — the player CORS headers cors-policy.ts gives
 * every /keys/ answer, `cache-control: no-store`, fastify's JSON content type, and the body's
 * fields in the route's order (`RequestId, ServerPublicKey, Iv, WrappedKey`).
 *
 * Everything else goes to fastify's one routing table and one error format, in one of two ways:
 *   - **Before the body is read**, untouched: another method or path, a path that is not exactly
 *     three segments or has escapes, a query naming a parameter twice, a closing server, and any
 *     body this path would not parse exactly as fastify's JSON parser does — no JSON content type,
 *     no `content-length` (chunked), an empty body, or one over `MAX_BODY_BYTES` (fastify applies
 *     its `bodyLimit` and answers 413 itself).
 *   - **After the body is read**, replayed: a body that is not a JSON object, or holds
 *     `__proto__` / `constructor` (fastify's secure-json-parse refuses those), the guard saying
 *     no, or any error `privateKey` throws. The body read is kept for the request and the route's
 *     `preParsing` hook (`replayBodyHook`, attached by `attachBodyReplay`) gives fastify that
 *     buffer as the request payload — fastify's documented way to replace a payload stream — so
 *     fastify then parses, guards, runs the route and answers exactly as if it had read the
 *     socket itself. The key work runs again there; errors are rare and cheap on that path
 *     (the token check fails first), and an exchange is audited only on success, so never twice.
 * Answering errors here with a copy of fastify's error handling was the other choice; replaying
 * keeps a single implementation of every refusal (bad JSON's 400, the rate limit's 429 with
 * `Retry-After`, the API errors).
 *
 * The `/keys/` rate limits (http/player-route-guards.ts) hold here through the **guard**, as on
 * the GET fast path: `allow` counts the request per client and per token (the query's token, else
 * the body's `Token`, as fastify's hooks pick it) once the body is parsed; a refused request is
 * replayed to fastify, whose hooks count it again and refuse it; one counted and let through whose
 * key work then fails is marked (`handedOff`) so fastify does not count it twice.
 *
 * The body deadline of http/request-limits.ts holds too: a body not complete within
 * `bodyTimeoutMs` ends the connection with a 408. Request metrics are recorded as fastify's
 * onResponse hook would (route family `keys`, one aes-256-gcm key delivered).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { cut } from '../http/request-limits.js';
import { duplicateParams, parseParams } from '../http/query-params.js';
import type { ServerMetrics } from '../ops/metrics.js';
import { HLS_KEY_TOKEN_PARAM } from '../playback/hls-key-token.js';
import { MEDIA_TOKEN_PARAM } from '../playback/media-access.js';
import { stringField } from '../playback/player-http.js';
import { newRequestId } from '../rpc/rpc-plugin.js';
import type { KeyService } from './key-service.js';
import { PRIVATE_KEY_ROUTE } from './key-routes.js';

const PREFIX = '/keys/private/';
/** `{Token, PublicKey}` is ~300 bytes with a long token; anything larger goes to fastify. */
export const MAX_BODY_BYTES = 4096;

export interface PrivateKeyFastPathGuard {
  /** May this request take the fast path? `token` is the one the `/keys/` per-token limit counts. */
  allow(req: IncomingMessage, token: string | undefined): boolean | Promise<boolean>;
  /** A request `allow` let through goes to fastify after all (the key work failed). */
  handedOff(req: IncomingMessage): void;
}

export interface PrivateKeyFastPathOptions {
  keys: KeyService;
  metrics: ServerMetrics;
  /** Headers cors-policy.ts puts on every /keys/ answer. */
  corsHeaders: Readonly<Record<string, string>>;
  /** The body deadline of http/request-limits.ts (`SECUREVOD_BODY_TIMEOUT_MS`). */
  bodyTimeoutMs: number;
}

interface Exchange {
  req: IncomingMessage;
  res: ServerResponse;
  fallback: () => void;
  parts: string[];
  query: Record<string, string | undefined>;
  started: bigint;
}

export class PrivateKeyFastPath {
  private guard: PrivateKeyFastPathGuard | undefined;
  /** fastify's answer headers for the route, in its order, before `content-length`. */
  private readonly headers: string[];
  /** Bodies read here, for fastify to read again (`replayBodyHook`). */
  private readonly replays = new WeakMap<IncomingMessage, Buffer>();
  private closing = false;

  constructor(private readonly options: PrivateKeyFastPathOptions) {
    // @fastify/cors sets `vary` before its other headers; fastify sends them in the order set.
    const { vary, ...cors } = options.corsHeaders;
    const headers: Record<string, string> = {
      ...(vary === undefined ? {} : { vary }),
      ...cors,
      'cache-control': 'no-store',
      'content-type': 'application/json; charset=utf-8',
    };
    this.headers = Object.entries(headers).flat();
  }

  setGuard(guard: PrivateKeyFastPathGuard): void {
    this.guard = guard;
  }

  /** From now on every new request goes to fastify (which answers 503 while it closes). */
  close(): void {
    this.closing = true;
  }

  /**
   * The private key route's `preParsing` hook: a request this path read the body of gets that
   * body back as its payload. Attach with `attachBodyReplay` before the key routes register.
   */
  readonly replayBodyHook = async (req: FastifyRequest, _reply: unknown, payload: Readable) => {
    const body = this.replays.get(req.raw);
    if (body === undefined) return payload;
    this.replays.delete(req.raw);
    return Readable.from([body]);
  };

  /**
   * Takes the request if it is a private key exchange this path can serve; `fallback` hands it to
   * fastify (at once, or after the body was read — then with the body kept for replay).
   */
  tryServe(req: IncomingMessage, res: ServerResponse, fallback: () => void): void {
    const url = req.url;
    if (this.closing || req.method !== 'POST' || url === undefined || !url.startsWith(PREFIX)) {
      return fallback();
    }
    const queryAt = url.indexOf('?');
    const path = queryAt === -1 ? url.slice(PREFIX.length) : url.slice(PREFIX.length, queryAt);
    const parts = path.split('/');
    if (parts.length !== 3 || path.includes('%')) return fallback();
    const headers = req.headers;
    const length = Number(headers['content-length']);
    if (
      !isJsonContentType(headers['content-type']) ||
      headers['transfer-encoding'] !== undefined ||
      headers['content-encoding'] !== undefined ||
      !(length > 0 && length <= MAX_BODY_BYTES)
    ) {
      return fallback();
    }
    const started = process.hrtime.bigint();
    // As fastify's querystring parser (server.ts) reads it; a name given twice is refused there.
    const query = parseParams(queryAt === -1 ? '' : url.slice(queryAt + 1));
    if (duplicateParams(query).length > 0) return fallback();
    this.readBody({ req, res, fallback, parts, query, started });
  }

  private readBody(exchange: Exchange): void {
    const { req, res } = exchange;
    const chunks: Buffer[] = [];
    const deadline = setTimeout(() => {
      if (!req.complete) cut(req.socket, !res.headersSent);
    }, this.options.bodyTimeoutMs);
    deadline.unref();
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    // A client gone mid-body: nothing to answer, nothing counted.
    req.on('error', () => clearTimeout(deadline));
    req.on('end', () => {
      clearTimeout(deadline);
      this.parsed(exchange, chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks));
    });
  }

  private parsed(exchange: Exchange, body: Buffer): void {
    const replay = () => {
      this.replays.set(exchange.req, body);
      exchange.fallback();
    };
    const text = body.toString('utf8');
    let json: unknown;
    try {
      // fastify's parser (secure-json-parse) refuses these keys; let it answer such bodies.
      if (text.includes('__proto__') || text.includes('constructor')) return replay();
      json = JSON.parse(text);
    } catch {
      return replay();
    }
    if (typeof json !== 'object' || json === null) return replay();
    const { req, query } = exchange;
    const guard = this.guard;
    if (guard === undefined) return this.serve(exchange, json, replay, false);
    let allowed: boolean | Promise<boolean>;
    try {
      // The token fastify's `/keys/` limits count: the query's, else the body's (player-route-guards.ts).
      const token = query[MEDIA_TOKEN_PARAM] || query[HLS_KEY_TOKEN_PARAM] || stringField(json, 'Token');
      allowed = guard.allow(req, token);
    } catch {
      return replay(); // as a rejected check: fastify's hooks decide
    }
    if (allowed === true) return this.serve(exchange, json, replay, true);
    if (allowed === false) return replay();
    void allowed.then(
      (ok) => (ok ? this.serve(exchange, json, replay, true) : replay()),
      () => replay(),
    );
  }

  private serve(exchange: Exchange, body: object, replay: () => void, guarded: boolean): void {
    const { req, res, parts, query, started } = exchange;
    this.options.keys
      .privateKey({
        videoId: parts[0]!,
        streamId: parts[1]!,
        period: parts[2]!,
        token: stringField(body, 'Token') ?? query[MEDIA_TOKEN_PARAM],
        publicKey: stringField(body, 'PublicKey'),
        clientIp: req.socket.remoteAddress ?? '',
        userAgent: req.headers['user-agent'],
      })
      .then(
        (wrapped) => {
          const answer = JSON.stringify({
            RequestId: newRequestId(),
            ServerPublicKey: wrapped.serverPublicKey,
            Iv: wrapped.iv,
            WrappedKey: wrapped.wrappedKey,
          });
          res.writeHead(200, [...this.headers, 'content-length', String(Buffer.byteLength(answer))]);
          res.end(answer);
          const metrics = this.options.metrics;
          metrics.request('keys', 'POST', 200, Number(process.hrtime.bigint() - started) / 1e9);
          metrics.keyDelivered('aes-256-gcm');
        },
        () => {
          if (guarded) this.guard?.handedOff(req);
          replay();
        },
      );
  }
}

/** Gives the private key route the fast path's replay hook; call before the key routes register. */
export function attachBodyReplay(app: FastifyInstance, fastPath: PrivateKeyFastPath): void {
  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    if (route.url !== PRIVATE_KEY_ROUTE || !methods.includes('POST')) return;
    const existing = route.preParsing;
    route.preParsing = [
      fastPath.replayBodyHook,
      ...(existing === undefined ? [] : Array.isArray(existing) ? existing : [existing]),
    ];
  });
}

/** What fastify's JSON parser takes: `application/json`, with parameters or not. */
function isJsonContentType(value: string | undefined): boolean {
  if (value === undefined) return false;
  const type = value.split(';', 1)[0]!.trim().toLowerCase();
  return type === 'application/json';
}
