/**
 * Shared counters on Redis (see `shared/shared-counters.ts` for the contract). Each operation is
 * one Lua script, so it is atomic across nodes, and reads the time from Redis (`TIME`), so nodes
 * with skewed clocks agree.
 *
 * - window counter: a string key `<prefix>count:<key>` with INCRBY and a PEXPIRE set by the
 *   increment that created it;
 * - leases: a sorted set `<prefix>lease:<key>`, member = holder, score = expiry (ms); lapsed
 *   members are removed before each decision; the key itself expires with its last lease.
 */
import type { Redis } from 'ioredis';
import {
  checkCounterArgs,
  checkCounterKey,
  type LeaseResult,
  type SharedCounters,
  type WindowCount,
} from '../shared/shared-counters.js';

const NOW_MS = `local t = redis.call('TIME'); local now = t[1] * 1000 + math.floor(t[2] / 1000)`;

const INCREMENT = `
local count = redis.call('INCRBY', KEYS[1], ARGV[2])
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return { count, ttl }`;

const ACQUIRE = `${NOW_MS}
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
local live = redis.call('ZCARD', KEYS[1])
local held = redis.call('ZSCORE', KEYS[1], ARGV[1])
if not held and live >= tonumber(ARGV[3]) then return { 0, live } end
local expires = now + tonumber(ARGV[2])
redis.call('ZADD', KEYS[1], expires, ARGV[1])
local last = tonumber(redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')[2])
redis.call('PEXPIREAT', KEYS[1], last)
return { 1, redis.call('ZCARD', KEYS[1]) }`;

const LIVE = `${NOW_MS}
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
return redis.call('ZCARD', KEYS[1])`;

export class RedisCounters implements SharedCounters {
  constructor(
    private readonly redis: Redis,
    /** Ends in `:`. */
    private readonly keyPrefix: string,
  ) {}

  async increment(key: string, windowMs: number, by = 1): Promise<WindowCount> {
    checkCounterKey(key);
    checkCounterArgs({ windowMs, by });
    const [count, ttl] = (await this.redis.eval(INCREMENT, 1, this.countKey(key), windowMs, by)) as [
      number,
      number,
    ];
    return { count, resetInMs: ttl };
  }

  async acquire(key: string, holder: string, ttlMs: number, limit: number): Promise<LeaseResult> {
    checkCounterKey(key);
    checkCounterArgs({ ttlMs, limit });
    const [acquired, live] = (await this.redis.eval(
      ACQUIRE,
      1,
      this.leaseKey(key),
      holder,
      ttlMs,
      limit,
    )) as [number, number];
    return { acquired: acquired === 1, live };
  }

  async release(key: string, holder: string): Promise<void> {
    await this.redis.zrem(this.leaseKey(key), holder);
  }

  async live(key: string): Promise<number> {
    return (await this.redis.eval(LIVE, 1, this.leaseKey(key))) as number;
  }

  // The connection belongs to the caller.
  async close(): Promise<void> {}

  private countKey(key: string): string {
    return `${this.keyPrefix}count:${key}`;
  }

  private leaseKey(key: string): string {
    return `${this.keyPrefix}lease:${key}`;
  }
}
