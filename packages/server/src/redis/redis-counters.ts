/**
 * Shared counters on Redis (see `shared/shared-counters.ts` for the contract): a window counter
 * is a string key `<prefix>count:<key>` with INCRBY and a PEXPIRE set by the increment that
 * created it, in one Lua script, so it is atomic across nodes and the window runs on Redis's
 * clock.
 */
import type { Redis } from 'ioredis';
import {
  checkCounterArgs,
  checkCounterKey,
  type SharedCounters,
  type WindowCount,
} from '../shared/shared-counters.js';

const INCREMENT = `
local count = redis.call('INCRBY', KEYS[1], ARGV[2])
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return { count, ttl }`;

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

  // The connection belongs to the caller.
  async close(): Promise<void> {}

  private countKey(key: string): string {
    return `${this.keyPrefix}count:${key}`;
  }
}
