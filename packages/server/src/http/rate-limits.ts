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
 * Counter keys that can leave the process never hold a secret: with Redis, tokens are counted
 * under their SHA-256. The in-process counters count a token under the token itself (memory only,
 * as the verified-token cache holds it), which spares the key service's hot path a SHA-256
 * (`tokenCounterKey`).
 * The player-route hooks are `installPlayerRouteGuards` (player-route-guards.ts).
 *
 * Two ways to count one limiter, in the same counter (`rate:<name>:<key>`), so they share one
 * window: `createLimiter` through the library (fastify's hooks, the RPC API), and
 * `createDirectLimiter` straight on the shared counters — synchronous with the in-process ones —
 * for the key fast path (keys/key-fast-path.ts), where the library's promise chain per request
 * cost more than the key work (issue 11, BENCHMARKS.md).
 */
import { hash } from 'node:crypto';
import fastifyRateLimit, { normalizeIP } from '@fastify/rate-limit';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { RateLimits } from '../config/limits-config.js';
import { apiErrors } from '../errors/api-error.js';
import type { Caller } from '../rpc/rpc-types.js';
import { InProcessCounters, type SharedCounters } from '../shared/shared-counters.js';

export interface LimitCheck {
  readonly exceeded: boolean;
  /** Seconds until the window ends (for `Retry-After`). */
  readonly retryAfterSeconds: number;
}

/** Counts one request under `key`; undefined key = not counted. */
export type Limiter = (req: FastifyRequest, key: string | undefined) => Promise<LimitCheck>;

/** Counter keys of the rate limits: `rate:<limiter name>:<key>`. */
const COUNTER_PREFIX = 'rate:';

/** Keys longer than this are counted under their SHA-256 (a counter key is at most 512 characters). */
const MAX_PLAIN_KEY = 256;

/** The key a limiter counts under for `key` (both ways of counting use it). */
function boundedKey(key: string): string {
  return key.length > MAX_PLAIN_KEY ? digest(key) : key;
}

/** `@fastify/rate-limit`'s store contract over `SharedCounters`. */
function sharedCountersStore(counters: SharedCounters) {
  return class SharedCountersStore {
    incr(
      key: string,
      callback: (error: Error | null, result?: { current: number; ttl: number }) => void,
      timeWindow: number,
    ): void {
      counters.increment(`${COUNTER_PREFIX}${key}`, timeWindow).then(
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
    currentKey.set(req, boundedKey(key));
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

/**
 * Counts one request under `key` in the same window as `createLimiter(app, name, …)` does, without
 * the library: synchronously on the in-process counters, else one `increment` on the shared ones.
 */
export type DirectLimiter = (key: string) => LimitCheck | Promise<LimitCheck>;

/** A direct limiter of `max` requests per `windowMs` per key; undefined when `max` is 0. */
export function createDirectLimiter(
  counters: SharedCounters,
  name: string,
  max: number,
  windowMs: number,
): DirectLimiter | undefined {
  if (max === 0) return undefined;
  const prefix = `${COUNTER_PREFIX}${name}:`;
  // As the library decides: over the limit once the count passes `max`; Retry-After in whole seconds.
  const check = (count: number, resetInMs: number): LimitCheck =>
    count > max ? { exceeded: true, retryAfterSeconds: Math.ceil(resetInMs / 1000) } : NOT_EXCEEDED;
  if (counters instanceof InProcessCounters) {
    return (key) => {
      const { count, resetInMs } = counters.incrementNow(prefix + boundedKey(key), windowMs);
      return check(count, resetInMs);
    };
  }
  return (key) =>
    counters.increment(prefix + boundedKey(key), windowMs).then((r) => check(r.count, r.resetInMs));
}

const NOT_EXCEEDED: LimitCheck = Object.freeze({ exceeded: false, retryAfterSeconds: 0 });

/**
 * What a token is counted under by the per-token limits: the token itself on the in-process
 * counters (it never leaves memory), its SHA-256 on shared ones (Redis must not hold it).
 */
export function tokenCounterKey(counters: SharedCounters): (token: string) => string {
  return counters instanceof InProcessCounters ? (token) => token : digest;
}

const normalizedIpv6 = new Map<string, string>();

/**
 * What a client address is counted under: IPv4 as it is, IPv6 by its /64 (as
 * `@fastify/rate-limit` does by default, with `normalizeIP`; remembered, since parsing an IPv6
 * address costs more than the rest of a key request's limit check).
 */
export function clientCounterKey(ip: string): string {
  if (!ip.includes(':')) return ip.toLowerCase();
  let key = normalizedIpv6.get(ip);
  if (key === undefined) {
    key = normalizeIP(ip, 64);
    if (normalizedIpv6.size >= 10_000) normalizedIpv6.clear();
    normalizedIpv6.set(ip, key);
  }
  return key;
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
