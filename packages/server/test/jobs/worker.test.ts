/**
 * The job worker against the real SQLite queue, real timers and (for a permanent error) real
 * ffprobe: outcomes and retries, graceful stop, lease loss, concurrency, wake-up.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { probe } from '@securevod/ffmpeg';
import { createDbJobQueue } from '../../src/jobs/db-job-queue.js';
import { JobAbortedError, PermanentJobError } from '../../src/jobs/job-errors.js';
import type { JobQueue, RetryPolicy } from '../../src/jobs/job-queue.js';
import type { JobPayloads, JobType } from '../../src/jobs/job-types.js';
import { Worker, type WorkerEvents, type WorkerOptions } from '../../src/jobs/worker.js';
import { openDatabase, type Db } from '../../src/store/database.js';
import { migrateToLatest } from '../../src/store/migrator.js';

const root = await mkdtemp(join(tmpdir(), 'securevod-worker-'));
after(() => rm(root, { recursive: true, force: true }));
let counter = 0;

const POLICY: RetryPolicy = { maxAttempts: 3, baseDelayMs: 40, maxDelayMs: 1000 };
const POLICIES: Record<JobType, RetryPolicy> = {
  transcode: POLICY,
  callback: POLICY,
  'url-upload': POLICY,
  snapshot: POLICY,
  'trace-extract': POLICY,
};
const callback = (n: number): JobPayloads['callback'] => ({
  url: `http://127.0.0.1:9/${n}`,
  body: { n },
  signed: false,
});
const transcode = (n: number): JobPayloads['transcode'] => ({
  videoId: `v${n}`,
  templateGroupId: 'g',
  jobId: `j${n}`,
});

interface LogLine {
  level: string;
  fields: Record<string, unknown>;
  message: string;
}

interface Harness {
  db: Db;
  path: string;
  queue: JobQueue;
  logs: LogLine[];
  worker(options?: Partial<WorkerOptions>): Worker;
}

/** A migrated SQLite file, a queue on it, and workers that are stopped when the test ends. */
async function withHarness(body: (h: Harness) => Promise<void>): Promise<void> {
  const path = join(root, `db-${++counter}`, 'securevod.sqlite');
  const db = await openDatabase({ sqlitePath: path });
  await migrateToLatest(db);
  const queue = createDbJobQueue(db, { retryPolicies: POLICIES });
  const logs: LogLine[] = [];
  const line = (level: string) => (fields: Record<string, unknown>, message: string) =>
    logs.push({ level, fields, message });
  const logger = { debug: line('debug'), info: line('info'), warn: line('warn'), error: line('error') };
  const workers: Worker[] = [];
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);
  process.on('unhandledRejection', onUnhandled);
  try {
    await body({
      db,
      path,
      queue,
      logs,
      worker: (options = {}) => {
        const worker = new Worker({
          queue,
          handlers: {
            transcode: async () => {},
            callback: async () => {},
            'url-upload': async () => {},
            snapshot: async () => {},
            'trace-extract': async () => {},
          },
          workerId: `worker-${workers.length + 1}`,
          concurrency: 2,
          pollIntervalMs: 20,
          leaseMs: 300,
          retryPolicies: POLICIES,
          logger,
          ...options,
        });
        workers.push(worker);
        return worker;
      },
    });
  } finally {
    await Promise.all(workers.map((w) => w.stop({ graceMs: 0 })));
    await db.close();
    process.off('unhandledRejection', onUnhandled);
  }
  assert.deepEqual(unhandled, [], 'the worker left an unhandled rejection');
}

/** Collects `count` events of one kind, failing after `timeoutMs`. */
function collect<K extends keyof WorkerEvents>(
  worker: Worker,
  event: K,
  count: number,
  timeoutMs = 5000,
): Promise<WorkerEvents[K][]> {
  const seen: WorkerEvents[K][] = [];
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`saw ${seen.length} of ${count} ${String(event)} events in ${timeoutMs} ms`));
    }, timeoutMs);
    const off = worker.on(event, (value) => {
      seen.push(value);
      if (seen.length === count) {
        clearTimeout(timer);
        off();
        resolve(seen);
      }
    });
  });
}

/** Resolves when `signal` aborts, with its reason. */
const aborted = (signal: AbortSignal) =>
  new Promise<unknown>((resolve) => {
    if (signal.aborted) resolve(signal.reason);
    else signal.addEventListener('abort', () => resolve(signal.reason), { once: true });
  });

describe('job worker', () => {
  it('runs the handler of each type and completes its jobs', () =>
    withHarness(async ({ queue, logs, worker }) => {
      const handled: string[] = [];
      const w = worker({
        handlers: {
          'url-upload': async () => {},
          snapshot: async () => {},
          'trace-extract': async () => {},
          callback: async (job, ctx) => {
            handled.push(`callback ${job.payload.url}`);
            ctx.log.info({ step: 'sent' }, 'callback delivered');
          },
          transcode: async (job) => {
            handled.push(`transcode ${job.payload.videoId}`);
          },
        },
      });
      const ids = [
        await queue.enqueue('callback', callback(1)),
        await queue.enqueue('transcode', transcode(2)),
        await queue.enqueue('callback', callback(3)),
      ];
      const completed = collect(w, 'job:completed', 3);
      w.start();
      const events = await completed;
      assert.deepEqual(new Set(events.map((e) => e.job.id)), new Set(ids));
      assert.deepEqual(handled.sort(), [
        'callback http://127.0.0.1:9/1',
        'callback http://127.0.0.1:9/3',
        'transcode v2',
      ]);
      for (const id of ids) assert.equal((await queue.get(id))?.status, 'succeeded');
      const line = logs.find((l) => l.message === 'callback delivered');
      assert.equal(line?.fields.jobType, 'callback');
      assert.equal(line?.fields.attempt, 1);
      assert.equal(line?.fields.step, 'sent');
      assert.ok(ids.includes(String(line?.fields.jobId)));
    }));

  it('fails at once on a permanent error, from ffprobe or PermanentJobError', () =>
    withHarness(async ({ queue, worker }) => {
      const notAVideo = join(root, `not-a-video-${++counter}.mp4`);
      await writeFile(notAVideo, 'this is text, not a video');
      const w = worker({
        handlers: {
          'url-upload': async () => {},
          snapshot: async () => {},
          'trace-extract': async () => {},
          transcode: async (job, ctx) => {
            await probe(notAVideo, { ffprobePath: 'ffprobe', signal: ctx.signal });
            assert.fail(`ffprobe accepted ${job.payload.videoId}`);
          },
          callback: async () => {
            throw new PermanentJobError('Callback URL is not allowed');
          },
        },
      });
      const t = await queue.enqueue('transcode', transcode(1), { maxAttempts: 5 });
      const c = await queue.enqueue('callback', callback(1), { maxAttempts: 5 });
      const failed = collect(w, 'job:failed', 2);
      const retrying: unknown[] = [];
      w.on('job:retrying', (e) => retrying.push(e));
      w.start();
      const events = await failed;
      assert.deepEqual(
        events.map((e) => e.permanent),
        [true, true],
      );
      assert.deepEqual(retrying, []);
      const transcodeJob = await queue.get(t);
      assert.equal(transcodeJob?.status, 'failed');
      assert.equal(transcodeJob?.attempts, 1);
      assert.match(transcodeJob?.lastError ?? '', /^FfmpegError \(InvalidInput\): cannot read the input/);
      const callbackJob = await queue.get(c);
      assert.equal(callbackJob?.status, 'failed');
      assert.equal(
        callbackJob?.lastError,
        'PermanentJobError (PermanentFailure): Callback URL is not allowed',
      );
    }));

  it('retries a transient error with backoff, until it succeeds or the attempts are used up', () =>
    withHarness(async ({ queue, worker }) => {
      const attempts = new Map<string, number[]>();
      const w = worker({
        handlers: {
          'url-upload': async () => {},
          snapshot: async () => {},
          'trace-extract': async () => {},
          transcode: async () => {},
          callback: async (job) => {
            attempts.set(job.id, [...(attempts.get(job.id) ?? []), Date.now()]);
            if (job.payload.body.n === 1 && job.attempts < 3)
              throw new Error(`storage hiccup ${job.attempts}`);
            if (job.payload.body.n === 2) throw new Error('always down');
          },
        },
      });
      const recovers = await queue.enqueue('callback', callback(1), { maxAttempts: 3 });
      const givesUp = await queue.enqueue('callback', callback(2), { maxAttempts: 2 });
      const retrying = collect(w, 'job:retrying', 3);
      const completed = collect(w, 'job:completed', 1);
      const failed = collect(w, 'job:failed', 1);
      const started = Date.now();
      w.start();
      const [retries, [done], [gaveUp]] = await Promise.all([retrying, completed, failed]);

      assert.equal(done?.job.id, recovers);
      assert.equal(gaveUp?.job.id, givesUp);
      assert.equal(gaveUp?.permanent, false);
      // Backoff: 40 ms after attempt 1, 80 ms after attempt 2.
      const forRecovers = retries.filter((r) => r.job.id === recovers);
      assert.deepEqual(
        forRecovers.map((r) => r.job.attempts),
        [1, 2],
      );
      const times = attempts.get(recovers)!;
      assert.equal(times.length, 3);
      assert.ok(times[1]! - times[0]! >= 35, `first retry after ${times[1]! - times[0]!} ms`);
      assert.ok(times[2]! - times[1]! >= 75, `second retry after ${times[2]! - times[1]!} ms`);
      assert.ok(Date.now() - started < 4000);
      const ok = await queue.get(recovers);
      assert.equal(ok?.status, 'succeeded');
      assert.equal(ok?.attempts, 3);
      assert.equal(ok?.lastError, 'Error: storage hiccup 2');
      const bad = await queue.get(givesUp);
      assert.equal(bad?.status, 'failed');
      assert.equal(bad?.attempts, 2);
      assert.equal(bad?.lastError, 'Error: always down');
    }));

  it('stop() lets handlers finish within the grace period, then aborts the rest and gives their jobs back', () =>
    withHarness(async ({ queue, worker }) => {
      let reason: unknown;
      const w = worker({
        handlers: {
          'url-upload': async () => {},
          snapshot: async () => {},
          'trace-extract': async () => {},
          transcode: async (_job, ctx) => {
            reason = await aborted(ctx.signal);
            throw reason;
          },
          callback: async () => {
            await sleep(50);
          },
        },
      });
      const long = await queue.enqueue('transcode', transcode(1), { maxAttempts: 1 });
      const short = await queue.enqueue('callback', callback(1));
      const started = collect(w, 'job:started', 2);
      const released = collect(w, 'job:released', 1);
      const completed = collect(w, 'job:completed', 1);
      w.start();
      await started;

      const stopping = Date.now();
      await w.stop({ graceMs: 300 });
      const took = Date.now() - stopping;
      assert.ok(took >= 290, `stop returned after ${took} ms, before the grace period`);
      assert.ok(took < 2000, `stop took ${took} ms`);
      assert.equal((await completed)[0]?.job.id, short);
      assert.equal((await released)[0]?.job.id, long);
      assert.ok(reason instanceof JobAbortedError);
      assert.equal(reason.code, 'WorkerStopping');
      const back = await queue.get(long);
      assert.equal(back?.status, 'queued');
      assert.equal(back?.attempts, 0, 'the interrupted attempt does not count');
      assert.equal(w.activeCount, 0);

      const later = await queue.enqueue('callback', callback(2));
      w.wake();
      await sleep(100);
      assert.equal((await queue.get(later))?.status, 'queued', 'a stopped worker claims nothing');
      assert.equal(await w.stop({ graceMs: 0 }), undefined, 'stopping again is harmless');
    }));

  it('aborts a handler whose lease another worker took over and drops its outcome', () =>
    withHarness(async ({ queue, path, worker }) => {
      let reason: unknown;
      let heartbeatError: unknown;
      const w = worker({
        leaseMs: 300,
        handlers: {
          'url-upload': async () => {},
          snapshot: async () => {},
          'trace-extract': async () => {},
          transcode: async () => {},
          callback: async (_job, ctx) => {
            reason = await aborted(ctx.signal);
            heartbeatError = await ctx.heartbeat().catch((error: unknown) => error);
            // Returning normally must not mark the job succeeded: it is no longer ours.
          },
        },
      });
      const id = await queue.enqueue('callback', callback(1));
      const started = collect(w, 'job:started', 1);
      const lost = collect(w, 'job:lease-lost', 1);
      w.start();
      await started;

      // Another process whose clock says the lease ran out long ago (as after a long stall).
      const other = await openDatabase({ sqlitePath: path });
      try {
        const thief = createDbJobQueue(other, { now: () => new Date(Date.now() + 3_600_000) });
        const stolen = await thief.claim('thief', ['callback'], 3_600_000);
        assert.equal(stolen?.id, id);
        assert.equal((await lost)[0]?.job.id, id);
        assert.ok(reason instanceof JobAbortedError);
        assert.equal(reason.code, 'LeaseLost');
        assert.ok(heartbeatError instanceof JobAbortedError);
        const job = await queue.get(id);
        assert.equal(job?.status, 'running');
        assert.equal(job?.leaseOwner, 'thief');
        assert.equal(await thief.complete(id, 'thief'), true);
      } finally {
        await other.close();
      }
    }));

  it('keeps the lease of a long handler alive with heartbeats', () =>
    withHarness(async ({ queue, worker }) => {
      const w = worker({
        leaseMs: 150,
        handlers: {
          'url-upload': async () => {},
          snapshot: async () => {},
          'trace-extract': async () => {},
          transcode: async () => {
            await sleep(700);
          },
          callback: async () => {},
        },
      });
      const id = await queue.enqueue('transcode', transcode(1));
      const started = collect(w, 'job:started', 1);
      const completed = collect(w, 'job:completed', 1);
      w.start();
      await started;
      const attemptsToSteal: unknown[] = [];
      for (let i = 0; i < 10; i++) {
        await sleep(50);
        const stolen = await queue.claim('thief', ['transcode'], 150);
        if (stolen) attemptsToSteal.push(stolen.id);
      }
      assert.deepEqual(attemptsToSteal, [], 'the lease expired while the handler ran');
      await completed;
      const job = await queue.get(id);
      assert.equal(job?.status, 'succeeded');
      assert.equal(job?.attempts, 1);
    }));

  it('never runs more handlers at once than its concurrency', () =>
    withHarness(async ({ queue, worker }) => {
      let active = 0;
      let peak = 0;
      const slow = async () => {
        peak = Math.max(peak, ++active);
        await sleep(30);
        active--;
      };
      const w = worker({
        concurrency: 3,
        handlers: {
          transcode: slow,
          callback: slow,
          'url-upload': slow,
          snapshot: slow,
          'trace-extract': slow,
        },
      });
      for (let n = 0; n < 12; n++) {
        if (n % 2) await queue.enqueue('callback', callback(n));
        else await queue.enqueue('transcode', transcode(n));
      }
      const completed = collect(w, 'job:completed', 12);
      w.start();
      await completed;
      assert.equal(peak, 3);
      assert.equal((await queue.stats()).byStatus.succeeded, 12);
    }));

  it('starts an enqueued job on wake() without waiting for the next poll', () =>
    withHarness(async ({ queue, worker }) => {
      const w = worker({ pollIntervalMs: 60_000 });
      w.start();
      await sleep(50); // the first look found nothing; the next poll is a minute away
      const id = await queue.enqueue('callback', callback(1));
      await sleep(150);
      assert.equal((await queue.get(id))?.status, 'queued');
      const completed = collect(w, 'job:completed', 1, 1000);
      w.wake();
      assert.equal((await completed)[0]?.job.id, id);
    }));

  it('reports a failing queue and keeps going', () =>
    withHarness(async ({ db, worker }) => {
      const w = worker({ pollIntervalMs: 10 });
      const errors = collect(w, 'worker:error', 2);
      await db.close(); // every claim now fails
      w.start();
      const seen = await errors;
      assert.deepEqual(
        seen.map((e) => e.operation),
        ['claim', 'claim'],
      );
    }));

  it('rejects invalid options', () =>
    withHarness(async ({ worker }) => {
      assert.throws(() => worker({ concurrency: 0 }), /concurrency must be an integer >= 1/);
      assert.throws(() => worker({ leaseMs: 2 }), /leaseMs must be an integer >= 3/);
      assert.throws(() => worker({ workerId: '' }), /workerId/);
      const w = worker();
      w.start();
      assert.throws(() => w.start(), /already started/);
    }));
});
