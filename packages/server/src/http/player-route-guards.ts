/**
 * Checks every player-facing request passes before its route runs (issue 11 items 5–6), as two
 * root hooks so the routes themselves (playback/, keys/, download/) stay as they are:
 *
 * - `onRequest`, on `/play/`, `/media/`, `/keys/`, `/download/`: a query parameter given twice is
 *   refused (`InvalidParameter` naming it) — otherwise the last `token` or `MtsHlsUriToken`
 *   would win over the one a check looked at; then the per-client rate limit of the family.
 * - `preHandler`, on `/keys/` only: the per-token rate limit (the token may sit in the JSON
 *   body of `POST /keys/private/…`, parsed by then). Small on purpose: one hash, one counter.
 *
 * Refusals use the player wire format (`playback/player-http.ts`); a rate-limit refusal carries
 * `Retry-After`.
 */
import { normalizeIP } from '@fastify/rate-limit';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
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

/** The token a key request authorises itself with (session token, MtsHlsUriToken, or body Token). */
function keyRequestToken(req: FastifyRequest): string | undefined {
  const query = req.query as Record<string, string | undefined>;
  return query.token || query.MtsHlsUriToken || stringField(req.body, 'Token');
}

export function installPlayerRouteGuards(app: FastifyInstance, limits: RateLimits): void {
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

  app.addHook('onRequest', async (req, reply) => {
    const family = familyOf(req.url);
    if (!family) return;
    const repeated = duplicateParams(req.query);
    if (repeated.length > 0) {
      return sendError(reply, req, apiErrors.invalidParameter(repeated[0]!, 'It is given more than once.'));
    }
    const limiter = perClient[family];
    // An IPv6 client is counted by its /64, as @fastify/rate-limit does by default.
    if (limiter) return refuseIfOver(req, reply, limiter, normalizeIP(req.ip, 64));
  });

  if (perToken) {
    app.addHook('preHandler', async (req, reply) => {
      if (!req.url.startsWith('/keys/')) return;
      const token = keyRequestToken(req);
      if (token) return refuseIfOver(req, reply, perToken, digest(token));
    });
  }
}
