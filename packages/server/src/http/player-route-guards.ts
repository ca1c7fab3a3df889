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
 * Small on purpose (the key service's hot path): one hash and at most two counters per request.
 * Call before the player routes are registered (the `preHandler` is attached as they are).
 *
 * Refusals use the player wire format (`playback/player-http.ts`); a rate-limit refusal carries
 * `Retry-After`.
 */
import { normalizeIP } from '@fastify/rate-limit';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { IncomingMessage } from 'node:http';
import type { RateLimits } from '../config/limits-config.js';
import { apiErrors } from '../errors/api-error.js';
import { sendError, stringField } from '../playback/player-http.js';
import { duplicateParams } from './query-params.js';
import { createLimiter, digest, type Limiter } from './rate-limits.js';

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

/**
 * The `/keys/` rate limits for a request answered outside fastify (keys/key-fast-path.ts):
 * resolves true while neither the per-client nor the per-token limit is exceeded. A request it
 * refuses goes to fastify, whose `onRequest` hook above refuses it with `Retry-After`.
 */
export type KeyRequestLimitCheck = (
  raw: IncomingMessage,
  clientIp: string,
  token: string | undefined,
) => Promise<boolean>;

export function installPlayerRouteGuards(app: FastifyInstance, limits: RateLimits): KeyRequestLimitCheck {
  const perClient: Partial<Record<Family, Limiter>> = {};
  const add = (family: Family, max: number) => {
    const limiter = createLimiter(app, `${family}-client`, max, limits.windowMs);
    if (limiter) perClient[family] = limiter;
  };
  add('play', limits.playPerClient);
  add('keys', limits.keysPerClient);
  add('download', limits.downloadPerClient);
  const perToken = createLimiter(app, 'keys-token', limits.keysPerToken, limits.windowMs);

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
    if (limiter && (await refuseIfOver(req, reply, limiter, normalizeIP(req.ip, 64)))) return reply;
    if (family !== 'keys' || !perToken) return;
    const token = queryToken(req);
    if (token) return refuseIfOver(req, reply, perToken, digest(token));
  });

  // The limiters read only `ip`, `routeOptions` and the key they are given from a request.
  // A refused request is not marked: fastify's hook counts it again and answers the refusal.
  const keyRequestAllowed: KeyRequestLimitCheck = async (raw, clientIp, token) => {
    const req = { ip: clientIp, routeOptions: {} } as unknown as FastifyRequest;
    const limiter = perClient.keys;
    if (limiter && (await limiter(req, normalizeIP(clientIp, 64))).exceeded) return false;
    if (perToken && token && (await perToken(req, digest(token))).exceeded) return false;
    countedByFastPath.add(raw);
    return true;
  };

  if (!perToken) return keyRequestAllowed;
  const bodyTokenCheck = async (req: FastifyRequest, reply: FastifyReply) => {
    const token = queryToken(req) ? undefined : stringField(req.body, 'Token');
    if (token) return refuseIfOver(req, reply, perToken, digest(token));
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
  return keyRequestAllowed;
}
