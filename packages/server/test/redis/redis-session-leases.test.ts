/**
 * The session-lease contract on the machine's Redis: every "node" opens its own connection, as
 * another server process would, under one test-unique key prefix.
 */
import { after } from 'node:test';
import { closeRedis, openRedis } from '../../src/redis/redis-connection.js';
import { RedisSessionLeases } from '../../src/redis/redis-session-leases.js';
import { sessionLeasesContract } from '../contracts/session-leases-contract.js';
import { deleteKeys, REDIS_URL, uniquePrefix, withRedis } from '../support/redis.js';

const prefixes: string[] = [];
after(async () => {
  for (const prefix of prefixes) await deleteKeys(REDIS_URL, prefix);
});

await withRedis('Redis session leases', () => {
  sessionLeasesContract('Redis', async () => {
    const prefix = uniquePrefix('leases');
    prefixes.push(prefix);
    return {
      async node() {
        const client = openRedis({ url: REDIS_URL, kind: 'command' });
        const leases = new RedisSessionLeases(client, prefix);
        return Object.assign(leases, { close: () => closeRedis(client) });
      },
      destroy: async () => void (await deleteKeys(REDIS_URL, prefix)),
    };
  });
});
