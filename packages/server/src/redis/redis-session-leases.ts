/**
 * Session leases on Redis (see `shared/session-leases.ts` for the contract). `lease` is one Lua
 * script, so two nodes can never both admit a session into the last slot, and it reads the time
 * from Redis (`TIME`), so nodes with skewed clocks agree. Per key, three Redis keys:
 *   - `<prefix>sl:<key>:live`  sorted set, member = holder, score = lease expiry (ms);
 *   - `<prefix>sl:<key>:info`  hash, holder → "<first-acquired ms>:<sequence>:<endedUntil ms>";
 *   - `<prefix>sl:<key>:ended` sorted set of ended holders, score = until when they stay refused;
 *   - `<prefix>sl:<key>:seq`   a counter that orders holders that started in the same millisecond.
 * Each expires with the last thing it holds, so an idle viewer leaves nothing behind.
 */
import type { Redis } from 'ioredis';
import {
  checkLeaseKey,
  checkLeaseRequest,
  type SessionLeaseRequest,
  type SessionLeaseResult,
  type SessionLeases,
} from '../shared/session-leases.js';

// KEYS: live, info, ended, seq (ties between equal start times). ARGV: holder, ttlMs, limit, evictOldest (0|1), endedUntil.
// Returns { acquired, ended, live, evicted... }.
const LEASE = `
local t = redis.call('TIME')
local now = t[1] * 1000 + math.floor(t[2] / 1000)
local holder, ttl, limit, evict, untilMs = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), ARGV[4] == '1', tonumber(ARGV[5])
local lapsed = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now)
for _, h in ipairs(lapsed) do
  redis.call('ZREM', KEYS[1], h)
  redis.call('HDEL', KEYS[2], h)
end
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', now)
if redis.call('ZSCORE', KEYS[3], holder) then
  return { 0, 1, redis.call('ZCARD', KEYS[1]) }
end
local result = { 1, 0, 0 }
local info = redis.call('HGET', KEYS[2], holder)
local start, seq, prevUntil
if redis.call('ZSCORE', KEYS[1], holder) and info then
  local a, b, c = string.match(info, '^(%d+):(%d+):(%d+)$')
  start, seq, prevUntil = a, b, tonumber(c)
else
  local live = redis.call('ZCARD', KEYS[1])
  if live >= limit then
    if not evict then return { 0, 0, live } end
    local all = redis.call('HGETALL', KEYS[2])
    local aged = {}
    for i = 1, #all, 2 do
      local a, b, c = string.match(all[i + 1], '^(%d+):(%d+):(%d+)$')
      table.insert(aged, { h = all[i], s = tonumber(a), q = tonumber(b), u = tonumber(c) })
    end
    table.sort(aged, function(x, y) if x.s ~= y.s then return x.s < y.s end return x.q < y.q end)
    local i = 1
    while live >= limit and aged[i] do
      local v = aged[i]
      redis.call('ZREM', KEYS[1], v.h)
      redis.call('HDEL', KEYS[2], v.h)
      if v.u > now then redis.call('ZADD', KEYS[3], v.u, v.h) end
      table.insert(result, v.h)
      live = live - 1
      i = i + 1
    end
  end
  start, seq, prevUntil = string.format('%d', now), tostring(redis.call('INCR', KEYS[4])), 0
  redis.call('PEXPIRE', KEYS[4], 86400000)
end
if untilMs > prevUntil then prevUntil = untilMs end
redis.call('ZADD', KEYS[1], now + ttl, holder)
redis.call('HSET', KEYS[2], holder, start .. ':' .. seq .. ':' .. string.format('%d', prevUntil))
local last = tonumber(redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')[2])
redis.call('PEXPIREAT', KEYS[1], last)
redis.call('PEXPIREAT', KEYS[2], last)
local endedLast = redis.call('ZRANGE', KEYS[3], -1, -1, 'WITHSCORES')[2]
if endedLast then redis.call('PEXPIREAT', KEYS[3], tonumber(endedLast)) end
result[3] = redis.call('ZCARD', KEYS[1])
return result`;

const RELEASE = `
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('HDEL', KEYS[2], ARGV[1])
return 1`;

/** The connection with the lease script defined (sent once, then run by its SHA: EVALSHA). */
type LeaseRedis = Redis & {
  securevodLease(...args: (string | number)[]): Promise<[number, number, number, ...string[]]>;
};

export class RedisSessionLeases implements SessionLeases {
  private readonly redis: LeaseRedis;

  constructor(
    redis: Redis,
    /** Ends in `:`. */
    private readonly keyPrefix: string,
  ) {
    // Key requests of limited sessions run this script: EVALSHA keeps the 2 KB body off the wire.
    if (!('securevodLease' in redis)) redis.defineCommand('securevodLease', { numberOfKeys: 4, lua: LEASE });
    this.redis = redis as LeaseRedis;
  }

  async lease(r: SessionLeaseRequest): Promise<SessionLeaseResult> {
    checkLeaseRequest(r);
    const [acquired, ended, live, ...evicted] = await this.redis.securevodLease(
      ...this.keys(r.key),
      r.holder,
      r.ttlMs,
      r.limit,
      r.evictOldest ? 1 : 0,
      r.endedUntil,
    );
    return { acquired: acquired === 1, ended: ended === 1, live, evicted };
  }

  async release(key: string, holder: string): Promise<void> {
    checkLeaseKey(key, holder);
    await this.redis.eval(RELEASE, 2, ...this.keys(key).slice(0, 2), holder);
  }

  // The connection belongs to the caller.
  async close(): Promise<void> {}

  private keys(key: string): [string, string, string, string] {
    const base = `${this.keyPrefix}sl:${key}`;
    return [`${base}:live`, `${base}:info`, `${base}:ended`, `${base}:seq`];
  }
}
