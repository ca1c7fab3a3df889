/**
 * The BullMQ queue under faults (issue 10 §2):
 * - a worker process that holds a job is SIGKILLed: BullMQ's stalled-job check brings the job
 *   back and a worker in another process finishes it (its attempt counted);
 * - the test's own redis-server (append-only file) is killed with SIGKILL mid-queue and started
 *   again: every job enqueued before, and during, the outage ends succeeded — none is lost.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { writeFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createBullmqJobQueue } from '../../src/jobs/bullmq-job-queue.js';
import type { JobQueue } from '../../src/jobs/job-queue.js';
import type { JobPayloads } from '../../src/jobs/job-types.js';
import { Worker, type WorkerLogger } from '../../src/jobs/worker.js';
import { closeRedis, openRedis } from '../../src/redis/redis-connection.js';
import { deleteKeys, REDIS_URL, startRedisServer, uniquePrefix, withRedis } from '../support/redis.js';

const POLICIES = {
  transcode: { maxAttempts: 3, baseDelayMs: 50, maxDelayMs: 200 },
  callback: { maxAttempts: 3, baseDelayMs: 50, maxDelayMs: 200 },
  'url-upload': { maxAttempts: 3, baseDelayMs: 50, maxDelayMs: 200 },
  snapshot: { maxAttempts: 3, baseDelayMs: 50, maxDelayMs: 200 },
  'trace-extract': { maxAttempts: 3, baseDelayMs: 50, maxDelayMs: 200 },
};
const quiet: WorkerLogger = { debug() {}, info() {}, warn() {}, error() {} };
const callback = (n: number): JobPayloads['callback'] => ({
  url: `http://127.0.0.1:9/${n}`,
  body: { n },
  signed: false,
});

async function until(what: string, done: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await done())) {
    if (Date.now() > deadline) assert.fail(`${what} within ${timeoutMs} ms`);
    await sleep(100);
  }
}

const prefixes: string[] = [];
after(async () => {
  for (const prefix of prefixes) await deleteKeys(REDIS_URL, prefix);
});

await withRedis('BullMQ queue under faults', () => {
  describe('BullMQ queue under faults', () => {
    it('recovers the job of a worker process killed with SIGKILL and finishes it elsewhere', async () => {
      const keyPrefix = uniquePrefix('bullmq-kill');
      prefixes.push(keyPrefix);
      const connection = openRedis({ url: REDIS_URL, kind: 'blocking' });
      const queue = await createBullmqJobQueue({
        connection,
        keyPrefix,
        retryPolicies: POLICIES,
        stalledCheckMs: 200,
      });
      const dir = await mkdtemp(join(tmpdir(), 'securevod-bullmq-kill-'));
      let worker: Worker | undefined;
      try {
        const id = await queue.enqueue('transcode', { videoId: 'v1', templateGroupId: 'g', jobId: 'j1' });

        // Another process claims the job with a 1.5 s lease, says so, and hangs until killed.
        const source = (file: string) =>
          pathToFileURL(fileURLToPath(new URL(`../../src/${file}`, import.meta.url))).href;
        const script = join(dir, 'claimer.mts');
        await writeFile(
          script,
          `import { createBullmqJobQueue } from ${JSON.stringify(source('jobs/bullmq-job-queue.ts'))};
import { openRedis } from ${JSON.stringify(source('redis/redis-connection.ts'))};
const connection = openRedis({ url: ${JSON.stringify(REDIS_URL)}, kind: 'blocking' });
const queue = await createBullmqJobQueue({ connection, keyPrefix: ${JSON.stringify(keyPrefix)} });
const job = await queue.claim('doomed-worker', ['transcode'], 1500);
console.log('claimed ' + job?.id);
setInterval(() => {}, 1000);
`,
        );
        const child = spawn(process.execPath, ['--import', 'tsx', script], {
          cwd: fileURLToPath(new URL('.', import.meta.url)),
          stdio: ['ignore', 'pipe', 'inherit'],
        });
        let out = '';
        child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
        await until('the child claimed the job', async () => out.includes(`claimed ${id}`), 30_000);
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGKILL');
        await exited;
        const orphan = await queue.get(id);
        assert.equal(orphan?.status, 'running');
        assert.equal(orphan?.leaseOwner, 'doomed-worker');

        const handled: number[] = [];
        worker = new Worker({
          queue,
          handlers: {
            transcode: async (job) => void handled.push(job.attempts),
            callback: async () => {},
            'url-upload': async () => {},
            snapshot: async () => {},
            'trace-extract': async () => {},
          },
          workerId: 'survivor',
          concurrency: 1,
          pollIntervalMs: 100,
          leaseMs: 1500,
          retryPolicies: POLICIES,
          logger: quiet,
        });
        const completed = worker.once('job:completed');
        worker.start();
        const { job } = await completed;
        assert.equal(job.id, id);
        assert.deepEqual(handled, [2], 'run once more, as attempt 2: the dead worker’s attempt counts');
        const done = await queue.get(id);
        assert.equal(done?.status, 'succeeded');
        assert.equal(done?.attempts, 2);
      } finally {
        await worker?.stop({ graceMs: 0 });
        await queue.close();
        await closeRedis(connection);
        await rm(dir, { recursive: true, force: true });
      }
    });

    it('loses no job when its redis-server is killed with SIGKILL mid-queue and restarted', async () => {
      const redis = await startRedisServer();
      const connection = openRedis({ url: redis.url, kind: 'blocking' });
      let queue: JobQueue | undefined;
      let worker: Worker | undefined;
      try {
        queue = await createBullmqJobQueue({
          connection,
          keyPrefix: 'svtest:faults:',
          retryPolicies: POLICIES,
          stalledCheckMs: 500,
        });
        const q = queue;
        const ids = new Set<string>();
        for (let n = 0; n < 40; n++) ids.add(await q.enqueue('callback', callback(n)));

        const handled = new Map<string, number>();
        worker = new Worker({
          queue: q,
          handlers: {
            transcode: async () => {},
            'url-upload': async () => {},
            snapshot: async () => {},
            'trace-extract': async () => {},
            callback: async (job) => {
              handled.set(job.id, (handled.get(job.id) ?? 0) + 1);
              await sleep(40);
            },
          },
          workerId: 'w-faults',
          concurrency: 2,
          pollIntervalMs: 50,
          leaseMs: 10_000,
          retryPolicies: POLICIES,
          logger: quiet,
        });
        worker.start();
        await until('some jobs ran before the crash', async () => handled.size >= 8, 30_000);

        await redis.kill9();
        // Producers keep producing during the outage: their calls wait for Redis to return.
        const during = Array.from({ length: 10 }, (_, n) => q.enqueue('callback', callback(100 + n)));
        await sleep(1500);
        await redis.restart();
        for (const id of await Promise.all(during)) ids.add(id);

        await until(
          'every job succeeded',
          async () => (await q.stats()).byStatus.succeeded === ids.size,
          60_000,
        );
        for (const id of ids) {
          const job = await q.get(id);
          assert.equal(job?.status, 'succeeded', `${id}: ${JSON.stringify(job)}`);
          assert.ok((handled.get(id) ?? 0) >= 1, `${id} was handled`);
        }
        const stats = await q.stats();
        assert.deepEqual(stats.byStatus, { queued: 0, running: 0, succeeded: ids.size, failed: 0 });
      } finally {
        await worker?.stop({ graceMs: 0 });
        await queue?.close();
        await closeRedis(connection);
        await redis.destroy();
      }
    });
  });
});
