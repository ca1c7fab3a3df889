/**
 * Rate limits (issue 11 item 5; DESIGN §8), counted by `@fastify/rate-limit` in the shared
 * counters (`shared/shared-counters.ts`): in process by default, in Redis when
 * `SECUREVOD_REDIS_URL` is set, so every node of a cluster counts the same windows. Fixed
 * windows of `windowMs`; limits from `config/limits-config.ts` (0 = off):
 *
 *   RPC API                 per AccessKeyId, after authentication  → `Throttling.User` (400)
 *   /play/*                 per client address                     → `TooManyRequests` (429)
 *   /keys/*                 per client address, and per token      → `TooManyRequests` (429)
 *   /download/*             per client address                     → `TooManyRequests` (429)
 *
 * Counter keys never hold a secret: tokens are counted under their SHA-256.
 * The player-route hooks are `installPlayerRouteGuards` (player-route-guards.ts).
 */
import { hash } from 'node:crypto';
import fastifyRateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { RateLimits } from '../config/limits-config.js';
import { apiErrors } from '../errors/api-error.js';
import type { Caller } from '../rpc/rpc-types.js';
import type { SharedCounters } from '../shared/shared-counters.js';

export interface LimitCheck {
  readonly exceeded: boolean;
  /** Seconds until the window ends (for `Retry-After`). */
  readonly retryAfterSeconds: number;
}

/** Counts one request under `key`; undefined key = not counted. */
export type Limiter = (req: FastifyRequest, key: string | undefined) => Promise<LimitCheck>;

/** `@fastify/rate-limit`'s store contract over `SharedCounters`. */
function sharedCountersStore(counters: SharedCounters) {
  return class SharedCountersStore {
    incr(
      key: string,
      callback: (error: Error | null, result?: { current: number; ttl: number }) => void,
      timeWindow: number,
    ): void {
      counters.increment(`rate:${key}`, timeWindow).then(
        (r) => callback(null, { current: r.count, ttl: r.resetInMs }),
        (error: Error) => callback(error),
      );
    }
    child(): SharedCountersStore {
      return this;
    }
  };
}

/** Registers the plugin (no global hook: every limit below is applied where it belongs). */
export async function registerRateLimiting(app: FastifyInstance, counters: SharedCounters): Promise<void> {
  await app.register(fastifyRateLimit, { global: false, store: sharedCountersStore(counters) });
}

const currentKey = new WeakMap<FastifyRequest, string>();

/** A limiter of `max` requests per `windowMs` per key, named `name`; undefined when `max` is 0. */
export function createLimiter(
  app: FastifyInstance,
  name: string,
  max: number,
  windowMs: number,
): Limiter | undefined {
  if (max === 0) return undefined;
  const check = app.createRateLimit({
    max,
    timeWindow: windowMs,
    keyGenerator: (req) => `${name}:${currentKey.get(req) ?? ''}`,
  });
  return async (req, key) => {
    if (key === undefined) return { exceeded: false, retryAfterSeconds: 0 };
    currentKey.set(req, key.length > 128 ? digest(key) : key);
    const result = await check(req);
    return {
      exceeded: !result.isAllowed && result.isExceeded,
      retryAfterSeconds: result.isAllowed ? 0 : result.ttlInSeconds,
    };
  };
}

/** A counter key for a secret (a token): its SHA-256, never the secret. */
export function digest(secret: string): string {
  return hash('sha256', secret, 'base64url');
}

/** The RPC plugin's `throttle`: per AccessKeyId; `Throttling.User` (with `Retry-After`) once over the limit. */
export function rpcThrottle(
  app: FastifyInstance,
  limits: RateLimits,
): ((req: FastifyRequest, reply: FastifyReply, caller: Caller) => Promise<void>) | undefined {
  const limiter = createLimiter(app, 'rpc', limits.rpcPerAccessKey, limits.windowMs);
  if (!limiter) return undefined;
  return async (req, reply, caller) => {
    const check = await limiter(req, caller.accessKeyId);
    if (!check.exceeded) return;
    reply.header('retry-after', String(check.retryAfterSeconds));
    throw apiErrors.throttlingUser();
  };
}
