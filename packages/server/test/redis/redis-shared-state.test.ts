/**
 * The shared-state contracts on the machine's Redis: every "node" opens its own connections, as
 * another server process would, under one test-unique key prefix.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import { closeRedis, openRedis } from '../../src/redis/redis-connection.js';
import { RedisCounters } from '../../src/redis/redis-counters.js';
import { RedisInvalidationBus } from '../../src/redis/redis-invalidation-bus.js';
import { RedisReplayCache } from '../../src/redis/redis-replay-cache.js';
import type { InvalidationEvent } from '../../src/shared/invalidation-bus.js';
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

await withRedis('Redis invalidation bus reconnect', () => {
  describe('Redis invalidation bus specifics', () => {
    it('tells its listeners to drop everything when its subscription comes back after a drop', async () => {
      const prefix = uniquePrefix('bus-reconnect');
      prefixes.push(prefix);
      const publisher = openRedis({ url: REDIS_URL, kind: 'command' });
      const subscriber = openRedis({ url: REDIS_URL, kind: 'subscriber' });
      const bus = new RedisInvalidationBus(publisher, subscriber, prefix);
      try {
        await bus.start();
        const seen: InvalidationEvent[] = [];
        bus.subscribe((event) => seen.push(event));
        subscriber.disconnect(true); // as a network blip would
        for (let i = 0; i < 50 && seen.length === 0; i++) await sleep(100);
        assert.deepEqual(seen, [{ kind: 'all' }]);

        // And the subscription works again.
        const otherSubscriber = openRedis({ url: REDIS_URL, kind: 'subscriber' });
        const other = new RedisInvalidationBus(publisher, otherSubscriber, prefix);
        await other.publish({ kind: 'video', videoId: 'v9' });
        for (let i = 0; i < 20 && seen.length < 2; i++) await sleep(50);
        assert.deepEqual(seen[1], { kind: 'video', videoId: 'v9' });
        await other.close();
        await closeRedis(otherSubscriber);
      } finally {
        await bus.close();
        await closeRedis(subscriber);
        await closeRedis(publisher);
      }
    });

    it('ignores messages on its channel that are not events', async () => {
      const prefix = uniquePrefix('bus-garbage');
      prefixes.push(prefix);
      const publisher = openRedis({ url: REDIS_URL, kind: 'command' });
      const subscriber = openRedis({ url: REDIS_URL, kind: 'subscriber' });
      const bus = new RedisInvalidationBus(publisher, subscriber, prefix);
      try {
        await bus.start();
        const seen: InvalidationEvent[] = [];
        bus.subscribe((event) => seen.push(event));
        for (const junk of [
          'not json',
          '{"from":"x","event":{"kind":"nuke"}}',
          '{"from":"x","event":{"kind":"video"}}',
        ]) {
          await publisher.publish(`${prefix}invalidate`, junk);
        }
        await publisher.publish(
          `${prefix}invalidate`,
          JSON.stringify({ from: 'x', event: { kind: 'video', videoId: 'ok' } }),
        );
        for (let i = 0; i < 20 && seen.length === 0; i++) await sleep(50);
        await sleep(100);
        assert.deepEqual(seen, [{ kind: 'video', videoId: 'ok' }]);
      } finally {
        await bus.close();
        await closeRedis(subscriber);
        await closeRedis(publisher);
      }
    });
  });
});
