/**
 * Cluster mode's shared services on one Redis (see `shared/shared-services.ts`). Opens three
 * connections per process:
 * - `command`: nonce checks, counters, publishing — requests fail after a few reconnect tries
 *   rather than hang through an outage;
 * - `blocking`: BullMQ, which waits out an outage so no queue operation is lost (BullMQ also
 *   duplicates it for each type's worker);
 * - `subscriber`: the invalidation channel.
 */
import { createBullmqJobQueue } from '../jobs/bullmq-job-queue.js';
import type { RetryPolicy } from '../jobs/job-queue.js';
import type { JobType } from '../jobs/job-types.js';
import type { SharedServices } from '../shared/shared-services.js';
import { closeRedis, openRedis, pingRedis } from './redis-connection.js';
import { RedisCounters } from './redis-counters.js';
import { RedisInvalidationBus } from './redis-invalidation-bus.js';
import { RedisReplayCache } from './redis-replay-cache.js';
import { RedisSessionLeases } from './redis-session-leases.js';

export async function openRedisSharedServices(options: {
  url: string;
  keyPrefix: string;
  retryPolicies: Readonly<Record<JobType, RetryPolicy>>;
  /** BullMQ's stalled-job check period in this process. */
  stalledCheckMs: number;
  /** Names the connections in `CLIENT LIST`, e.g. `securevod:host:pid`. */
  connectionName: string;
  onConnectionError: (error: Error) => void;
  onListenerError: (error: unknown) => void;
}): Promise<SharedServices> {
  const open = (kind: 'command' | 'blocking' | 'subscriber') =>
    openRedis({
      url: options.url,
      kind,
      connectionName: `${options.connectionName}:${kind}`,
      onError: options.onConnectionError,
    });
  const command = open('command');
  const blocking = open('blocking');
  const subscriber = open('subscriber');
  try {
    const queue = await createBullmqJobQueue({
      connection: blocking,
      keyPrefix: options.keyPrefix,
      retryPolicies: options.retryPolicies,
      stalledCheckMs: options.stalledCheckMs,
      onError: options.onConnectionError,
    });
    const invalidation = new RedisInvalidationBus(
      command,
      subscriber,
      options.keyPrefix,
      options.onListenerError,
    );
    await invalidation.start();
    return {
      mode: 'redis',
      queue,
      replayCache: new RedisReplayCache(command, options.keyPrefix),
      invalidation,
      counters: new RedisCounters(command, options.keyPrefix),
      leases: new RedisSessionLeases(command, options.keyPrefix),
      pingRedis: (timeoutMs) => pingRedis(command, timeoutMs),
      async close() {
        await queue.close();
        await invalidation.close();
        await Promise.all([command, blocking, subscriber].map(closeRedis));
      },
    };
  } catch (error) {
    await Promise.all([command, blocking, subscriber].map(closeRedis));
    throw error;
  }
}
