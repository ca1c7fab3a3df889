/**
 * What the nodes of one installation share, chosen once by the composition root (issue 10):
 *
 * | part | embedded default (no `SECUREVOD_REDIS_URL`) | cluster mode (`SECUREVOD_REDIS_URL`) |
 * | --- | --- | --- |
 * | job queue | `db-job-queue.ts`, in the metadata store | `bullmq-job-queue.ts`, BullMQ on Redis |
 * | nonce replay | `InMemoryReplayCache` | `RedisReplayCache` |
 * | cache invalidation | `InProcessInvalidationBus` | `RedisInvalidationBus` (pub/sub) |
 * | counters | `InProcessCounters` | `RedisCounters` |
 * | session leases (stream limits) | `InProcessSessionLeases` | `RedisSessionLeases` |
 *
 * The Redis side lives in `redis/redis-shared-services.ts`, the only place that opens Redis.
 */
import { createDbJobQueue } from '../jobs/db-job-queue.js';
import type { JobQueue, RetryPolicy } from '../jobs/job-queue.js';
import type { JobType } from '../jobs/job-types.js';
import { InMemoryReplayCache, type ReplayCache } from '../rpc/replay-cache.js';
import type { Db } from '../store/database.js';
import { InProcessInvalidationBus, type InvalidationBus } from './invalidation-bus.js';
import { InProcessCounters, type SharedCounters } from './shared-counters.js';
import { InProcessSessionLeases, type SessionLeases } from './session-leases.js';

export interface SharedServices {
  /** `database` (the embedded default) or `redis`. */
  readonly mode: 'database' | 'redis';
  readonly queue: JobQueue;
  readonly replayCache: ReplayCache;
  readonly invalidation: InvalidationBus;
  readonly counters: SharedCounters;
  readonly leases: SessionLeases;
  /** `/readyz`'s check of Redis; undefined when nothing uses Redis. */
  readonly pingRedis: ((timeoutMs: number) => Promise<void>) | undefined;
  close(): Promise<void>;
}

export function openInProcessSharedServices(options: {
  db: Db;
  retryPolicies: Readonly<Record<JobType, RetryPolicy>>;
  onListenerError: (error: unknown) => void;
}): SharedServices {
  const queue = createDbJobQueue(options.db, { retryPolicies: options.retryPolicies });
  const replayCache = new InMemoryReplayCache();
  const invalidation = new InProcessInvalidationBus(new Set(), options.onListenerError);
  const counters = new InProcessCounters();
  const leases = new InProcessSessionLeases();
  return {
    mode: 'database',
    queue,
    replayCache,
    invalidation,
    counters,
    leases,
    pingRedis: undefined,
    async close() {
      await queue.close();
      await replayCache.close();
      await invalidation.close();
      await counters.close();
      await leases.close();
    },
  };
}
