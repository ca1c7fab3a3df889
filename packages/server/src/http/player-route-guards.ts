/**
 * Checks every player-facing request passes before its route runs (issue 11 items 5–6), as two
 * root hooks so the routes themselves (playback/, keys/, download/) stay as they are:
 *
 * - `onRequest`, on `/play/`, `/media/`, `/keys/`, `/download/`: a query parameter given twice is
 *   refused (`InvalidParameter` naming it) — otherwise the last `token` or `MtsHlsUriToken`
 *   would win over the one a check looked at; then the per-client rate limit of the family,
 *   and on `/keys/` the per-token limit when the token is in the query.
 * - `preHandler`, attached only to `POST /keys/…` routes: the per-token limit when the token
 *   sits in the JSON body (`POST /keys/private/…`, parsed by then).
 * Small on purpose (the key service's hot path): at most two counters per request.
 * Call before the player routes are registered (the `preHandler` is attached as they are).
 *
 * `GET /keys/hls/…` and `POST /keys/private/…` are mostly answered outside fastify
 * (keys/key-fast-path.ts, keys/private-key-fast-path.ts): the returned `KeyRequestLimits` count
 * those requests in the same windows, straight on the shared counters (synchronously in process),
 * and a request they refuse goes to fastify, whose hooks then answer it with `Retry-After`; one
 * they counted and let through is counted by neither hook when it reaches fastify after all.
 *
 * Refusals use the player wire format (`playback/player-http.ts`); a rate-limit refusal carries
 * `Retry-After`.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { IncomingMessage } from 'node:http';
import type { RateLimits } from '../config/limits-config.js';
import { apiErrors } from '../errors/api-error.js';
import { sendError, stringField } from '../playback/player-http.js';
import type { SharedCounters } from '../shared/shared-counters.js';
import { duplicateParams } from './query-params.js';
import {
  clientCounterKey,
  createDirectLimiter,
  createLimiter,
  tokenCounterKey,
  type LimitCheck,
  type Limiter,
} from './rate-limits.js';

type Family = 'play' | 'media' | 'keys' | 'download';

function familyOf(url: string): Family | undefined {
  if (url.startsWith('/keys/')) return 'keys';
  if (url.startsWith('/media/')) return 'media';
  if (url.startsWith('/play/')) return 'play';
  if (url.startsWith('/download/')) return 'download';
  return undefined;
}

/** The token in a key request's query (session `token` or `MtsHlsUriToken`). */
function queryToken(req: FastifyRequest): string | undefined {
  const query = req.query as Record<string, string | undefined>;
  return query.token || query.MtsHlsUriToken || undefined;
}

/** The `/keys/` rate limits for requests answered outside fastify (keys/key-fast-path.ts). */
export interface KeyRequestLimits {
  /**
   * Counts one key request; true while neither the per-client nor the per-token limit is
   * exceeded. Synchronous on the in-process counters. A request it refuses goes to fastify,
   * whose `onRequest` hook counts it again and refuses it with `Retry-After`.
   */
  allow(clientIp: string, token: string | undefined): boolean | Promise<boolean>;
  /** `raw`, allowed by `allow`, goes to fastify after all (the key work failed): not counted twice. */
  countedAlready(raw: IncomingMessage): void;
}

/** Returns the `/keys/` limits for the key fast path; undefined when both are off. */
export function installPlayerRouteGuards(
  app: FastifyInstance,
  limits: RateLimits,
  counters: SharedCounters,
): KeyRequestLimits | undefined {
  const perClient: Partial<Record<Family, Limiter>> = {};
  const add = (family: Family, max: number) => {
    const limiter = createLimiter(app, `${family}-client`, max, limits.windowMs);
    if (limiter) perClient[family] = limiter;
  };
  add('play', limits.playPerClient);
  add('keys', limits.keysPerClient);
  add('download', limits.downloadPerClient);
  const perToken = createLimiter(app, 'keys-token', limits.keysPerToken, limits.windowMs);
  const tokenKey = tokenCounterKey(counters);

  const refuseIfOver = async (req: FastifyRequest, reply: FastifyReply, limiter: Limiter, key: string) => {
    const check = await limiter(req, key);
    if (!check.exceeded) return undefined;
    reply.header('retry-after', String(check.retryAfterSeconds));
    return sendError(reply, req, apiErrors.tooManyRequests());
  };

  /** Requests the key fast path already counted and let through (then handed to fastify on an error). */
  const countedByFastPath = new WeakSet<IncomingMessage>();

  app.addHook('onRequest', async (req, reply) => {
    const family = familyOf(req.url);
    if (!family) return;
    const repeated = duplicateParams(req.query);
    if (repeated.length > 0) {
      return sendError(reply, req, apiErrors.invalidParameter(repeated[0]!, 'It is given more than once.'));
    }
    if (countedByFastPath.has(req.raw)) return;
    const limiter = perClient[family];
    // An IPv6 client is counted by its /64, as @fastify/rate-limit does by default.
    if (limiter && (await refuseIfOver(req, reply, limiter, clientCounterKey(req.ip)))) return reply;
    if (family !== 'keys' || !perToken) return;
    const token = queryToken(req);
    if (token) return refuseIfOver(req, reply, perToken, tokenKey(token));
  });

  const keyLimits = fastPathKeyLimits(counters, limits, tokenKey, (raw) => countedByFastPath.add(raw));
  if (!perToken) return keyLimits;
  const bodyTokenCheck = async (req: FastifyRequest, reply: FastifyReply) => {
    // The private key fast path counted the body's token already (keys/private-key-fast-path.ts).
    if (countedByFastPath.has(req.raw)) return;
    const token = queryToken(req) ? undefined : stringField(req.body, 'Token');
    if (token) return refuseIfOver(req, reply, perToken, tokenKey(token));
  };
  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    if (!route.url.startsWith('/keys/') || !methods.includes('POST')) return;
    const existing = route.preHandler;
    route.preHandler = [
      ...(existing === undefined ? [] : Array.isArray(existing) ? existing : [existing]),
      bodyTokenCheck,
    ];
  });
  return keyLimits;
}

/**
 * The fast path's count of the `/keys/` limits: the same counters and windows as the hook's
 * limiters above (`createDirectLimiter`), with no promise, request object or hash per request on
 * the in-process counters. A refused request is not marked: fastify's hook counts it again and
 * answers the refusal.
 */
function fastPathKeyLimits(
  counters: SharedCounters,
  limits: RateLimits,
  tokenKey: (token: string) => string,
  markCounted: (raw: IncomingMessage) => void,
): KeyRequestLimits | undefined {
  const perClient = createDirectLimiter(counters, 'keys-client', limits.keysPerClient, limits.windowMs);
  const perToken = createDirectLimiter(counters, 'keys-token', limits.keysPerToken, limits.windowMs);
  if (!perClient && !perToken) return undefined;
  const byToken = (token: string | undefined): boolean | Promise<boolean> => {
    if (!perToken || !token) return true;
    const check = perToken(tokenKey(token));
    return check instanceof Promise ? check.then(allowed) : allowed(check);
  };
  return {
    allow(clientIp, token) {
      if (!perClient) return byToken(token);
      const check = perClient(clientCounterKey(clientIp));
      if (check instanceof Promise) return check.then((c) => allowed(c) && byToken(token));
      return allowed(check) && byToken(token);
    },
    countedAlready: markCounted,
  };
}

const allowed = (check: LimitCheck): boolean => !check.exceeded;
