/**
 * The shared-state contracts on the machine's Redis: every "node" opens its own connections, as
 * another server process would, under one test-unique key prefix.
 */
import { after } from 'node:test';
import type { Redis } from 'ioredis';
import { closeRedis, openRedis } from '../../src/redis/redis-connection.js';
import { RedisCounters } from '../../src/redis/redis-counters.js';
import { RedisInvalidationBus } from '../../src/redis/redis-invalidation-bus.js';
import { RedisReplayCache } from '../../src/redis/redis-replay-cache.js';
import {
  invalidationBusContract,
  replayCacheContract,
  sharedCountersContract,
  type SharedStateBacking,
} from '../contracts/shared-state-contract.js';
import { deleteKeys, REDIS_URL, uniquePrefix, withRedis } from '../support/redis.js';

const prefixes: string[] = [];
after(async () => {
  for (const prefix of prefixes) await deleteKeys(REDIS_URL, prefix);
});

/** A backing whose nodes each open `connections` Redis connections and build a T on them. */
function redisBacking<T extends { close(): Promise<void> }>(
  connections: number,
  build: (clients: Redis[], prefix: string) => Promise<T>,
): () => Promise<SharedStateBacking<T>> {
  return async () => {
    const prefix = uniquePrefix('shared');
    prefixes.push(prefix);
    return {
      async node() {
        const clients = Array.from({ length: connections }, () =>
          openRedis({ url: REDIS_URL, kind: 'command' }),
        );
        const made = await build(clients, prefix);
        const closeMade = made.close.bind(made);
        return Object.assign(made, {
          close: async () => {
            await closeMade();
            for (const client of clients) await closeRedis(client);
          },
        });
      },
      destroy: async () => void (await deleteKeys(REDIS_URL, prefix)),
    };
  };
}

await withRedis('Redis shared state', () => {
  replayCacheContract(
    'Redis',
    redisBacking(1, async ([client], prefix) => new RedisReplayCache(client!, prefix)),
  );
  invalidationBusContract(
    'Redis pub/sub',
    redisBacking(2, async ([publisher, subscriber], prefix) => {
      const bus = new RedisInvalidationBus(publisher!, subscriber!, prefix);
      await bus.start();
      return bus;
    }),
  );
  sharedCountersContract(
    'Redis',
    redisBacking(1, async ([client], prefix) => new RedisCounters(client!, prefix)),
  );
});
