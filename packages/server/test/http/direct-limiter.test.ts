/**
 * The key fast path's rate-limit count (issue 11 item 5; http/rate-limits.ts): a limiter counted
 * straight on the shared counters (`createDirectLimiter`) and the same limiter counted through
 * `@fastify/rate-limit` (`createLimiter`, fastify's hooks) share one window, so a request counted
 * by either is seen by both — in process (synchronously there) and in Redis. Keys: a client is
 * counted as the library counts it; a token never reaches Redis.
 */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { normalizeIP } from '@fastify/rate-limit';
import Fastify, { type FastifyRequest } from 'fastify';
import { Redis } from 'ioredis';
import {
  clientCounterKey,
  createDirectLimiter,
  createLimiter,
  registerRateLimiting,
  tokenCounterKey,
  type LimitCheck,
} from '../../src/http/rate-limits.js';
import { RedisCounters } from '../../src/redis/redis-counters.js';
import { InProcessCounters, type SharedCounters } from '../../src/shared/shared-counters.js';
import { deleteKeys, REDIS_URL, uniquePrefix, withRedis } from '../support/redis.js';

const MAX = 3;
const WINDOW_MS = 60_000;

/** Alternates the two ways of counting one limiter; returns each answer in order. */
async function countAlternately(counters: SharedCounters, key: string): Promise<LimitCheck[]> {
  const app = Fastify();
  try {
    await registerRateLimiting(app, counters);
    const viaLibrary = createLimiter(app, 'test', MAX, WINDOW_MS)!;
    const direct = createDirectLimiter(counters, 'test', MAX, WINDOW_MS)!;
    // The library's limiter reads only `ip` and `routeOptions` from a request.
    const req = { ip: '127.0.0.1', routeOptions: {} } as unknown as FastifyRequest;
    const checks: LimitCheck[] = [];
    for (let i = 0; i < MAX + 2; i++) checks.push(await (i % 2 === 0 ? direct(key) : viaLibrary(req, key)));
    return checks;
  } finally {
    await app.close();
  }
}

function assertOneWindow(checks: LimitCheck[]): void {
  assert.deepEqual(
    checks.map((c) => c.exceeded),
    [false, false, false, true, true],
    'both count one window: the fourth request, whichever way it is counted, is over the limit',
  );
  for (const c of checks.slice(MAX)) {
    assert.ok(
      c.retryAfterSeconds >= 1 && c.retryAfterSeconds <= WINDOW_MS / 1000,
      String(c.retryAfterSeconds),
    );
  }
}

describe('direct limiter, in process', () => {
  test('shares its window with the library limiter, and answers synchronously', async () => {
    const counters = new InProcessCounters();
    assertOneWindow(await countAlternately(counters, 'client-a'));
    const direct = createDirectLimiter(counters, 'test', MAX, WINDOW_MS)!;
    const answer = direct('client-b');
    assert.ok(!(answer instanceof Promise), 'no promise on the in-process counters');
    assert.equal((answer as LimitCheck).exceeded, false, 'another key has its own window');
    assert.equal(createDirectLimiter(counters, 'test', 0, WINDOW_MS), undefined, '0 = off');
  });

  test('a key longer than 256 characters is counted under one bounded key by both', async () => {
    assertOneWindow(await countAlternately(new InProcessCounters(), 'k'.repeat(10_000)));
  });

  test('a client is counted as the library counts it; IPv6 by its /64', () => {
    for (const ip of ['127.0.0.1', '::1', '::ffff:127.0.0.1', '2001:db8:1:2::5', '2001:DB8:1:2:aa::9']) {
      assert.equal(clientCounterKey(ip), normalizeIP(ip, 64), ip);
      assert.equal(clientCounterKey(ip), normalizeIP(ip, 64), `${ip}, remembered`);
    }
    assert.equal(clientCounterKey('2001:db8:1:2::5'), clientCounterKey('2001:db8:1:2:ffff::1'));
    assert.notEqual(clientCounterKey('2001:db8:1:2::5'), clientCounterKey('2001:db8:1:3::5'));
  });
});

await withRedis('direct limiter in Redis', () => {
  describe('direct limiter in Redis', () => {
    const prefix = uniquePrefix('direct-limiter');
    const redis = new Redis(REDIS_URL);
    const counters = new RedisCounters(redis, prefix);

    after(async () => {
      redis.disconnect();
      await deleteKeys(REDIS_URL, prefix);
    });

    test('shares its window with the library limiter; a token is counted under its hash', async () => {
      const token = 'secret-token-value-that-must-not-reach-redis';
      const key = tokenCounterKey(counters)(token);
      assert.notEqual(key, token);
      assertOneWindow(await countAlternately(counters, key));
      const keys = await redis.keys(`${prefix}*`);
      assert.ok(keys.length > 0, 'counted in Redis');
      assert.ok(!keys.some((k) => k.includes(token)), keys.join(', '));
    });
  });
});

test('in process, a token is counted under itself (memory only: no hash per request)', () => {
  assert.equal(tokenCounterKey(new InProcessCounters())('abc'), 'abc');
});
