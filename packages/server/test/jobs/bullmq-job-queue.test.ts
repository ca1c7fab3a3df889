/**
 * The job-queue contract on BullMQ and the machine's Redis, in real time (BullMQ keeps time in
 * Redis), each test under its own key prefix. The stalled-job check runs every 100 ms here, so a
 * lapsed lease is recovered within a few hundred milliseconds.
 */
import { after } from 'node:test';
import { createBullmqJobQueue } from '../../src/jobs/bullmq-job-queue.js';
import { closeRedis, openRedis } from '../../src/redis/redis-connection.js';
import { jobQueueContract, type JobQueueStore } from '../contracts/job-queue-contract.js';
import { deleteKeys, REDIS_URL, uniquePrefix, withRedis } from '../support/redis.js';

const prefixes: string[] = [];
after(async () => {
  for (const prefix of prefixes) await deleteKeys(REDIS_URL, prefix);
});

await withRedis('BullMQ job queue', () => {
  jobQueueContract(
    'BullMQ on Redis',
    async (): Promise<JobQueueStore> => {
      const keyPrefix = uniquePrefix('bullmq');
      prefixes.push(keyPrefix);
      return {
        async connect({ retryPolicies }) {
          const connection = openRedis({ url: REDIS_URL, kind: 'blocking' });
          const queue = await createBullmqJobQueue({
            connection,
            keyPrefix,
            retryPolicies,
            stalledCheckMs: 100,
          });
          return {
            queue,
            close: async () => {
              await queue.close();
              await closeRedis(connection);
            },
          };
        },
        destroy: async () => void (await deleteKeys(REDIS_URL, keyPrefix)),
      };
    },
    { clock: 'real', realRecoveryMs: 3000 },
  );
});
