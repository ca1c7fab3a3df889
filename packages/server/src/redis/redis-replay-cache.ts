/**
 * Nonce replay protection shared by every API node (issue 10; reference §1.6): `SET key NX PX`,
 * which is atomic, so of two nodes that see the same signed request only one accepts it. The
 * same contract serves signature v1 and V3 (their callers choose the key).
 *
 * The key holds a SHA-256 of what the caller remembers (AccessKeyId and nonce): the length of a
 * client-chosen nonce does not reach Redis, and nothing else is stored. Redis removes it when the
 * window has passed.
 */
import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { ReplayCache } from '../rpc/replay-cache.js';

export class RedisReplayCache implements ReplayCache {
  constructor(
    private readonly redis: Redis,
    /** Ends in `:`; keys are `<prefix>nonce:<sha256 hex>`. */
    private readonly keyPrefix: string,
  ) {}

  async remember(key: string, ttlMs: number): Promise<boolean> {
    const digest = createHash('sha256').update(key).digest('hex');
    const result = await this.redis.set(`${this.keyPrefix}nonce:${digest}`, '1', 'PX', ttlMs, 'NX');
    return result === 'OK';
  }

  // The connection belongs to the caller.
  async close(): Promise<void> {}
}
