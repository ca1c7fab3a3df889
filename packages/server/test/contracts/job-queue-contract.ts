/**
 * Conformance suite of the `JobQueue` contract (src/jobs/job-queue.ts). Every implementation's
 * test calls `jobQueueContract(name, makeStore, options)`. `makeStore` creates a fresh, empty
 * backing store (a new SQLite file, a new PostgreSQL schema, a new Redis key prefix); `connect`
 * opens a queue on it as a separate process would (its own connection), with the clock and retry
 * table the suite gives; the suite closes every connection and then destroys the store.
 *
 * Time: a queue that reads only the clock it is given (`clock: 'manual'`, the default) is held to
 * the millisecond: the suite moves the clock by hand. A queue that keeps time itself
 * (`clock: 'real'`: Redis TTLs, BullMQ's delayed set and stalled-job check) is tested in real
 * time: `advance` sleeps, times compare within `REAL_TOLERANCE_MS`, the edges of a lease or delay
 * are probed `REAL_MARGIN_MS` before and after, and a job that becomes due because a lease lapsed
 * must be claimable within `realRecoveryMs` (the queue's stalled-check period, twice, and some).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { AnyJob, JobQueue, RetryPolicy } from '../../src/jobs/job-queue.js';
import type { JobPayloads, JobType } from '../../src/jobs/job-types.js';

export interface JobQueueConnection {
  readonly queue: JobQueue;
  close(): Promise<void>;
}

export interface JobQueueStore {
  connect(options: {
    now: () => Date;
    retryPolicies?: Partial<Record<JobType, RetryPolicy>>;
  }): Promise<JobQueueConnection>;
  destroy(): Promise<void>;
}

export interface JobQueueContractOptions {
  /** How the queue keeps time (see the header); default `manual`. */
  clock?: 'manual' | 'real';
  /** `real` only: longest wait for a lapsed lease to make its job claimable again. */
  realRecoveryMs?: number;
}

/** A clock the test moves by hand; every queue connection of a test shares one. */
export class ManualClock {
  constructor(private ms = Date.parse('2030-01-01T00:00:00.000Z')) {}
  readonly now = (): Date => new Date(this.ms);
  advance(ms: number): void {
    this.ms += ms;
  }
  /** ISO time `offsetMs` from now, as the queue stores it. */
  iso(offsetMs = 0): string {
    return new Date(this.ms + offsetMs).toISOString();
  }
  at(offsetMs: number): Date {
    return new Date(this.ms + offsetMs);
  }
}

/** What the tests use: the manual clock, or the real one whose `advance` sleeps. */
interface SuiteClock {
  readonly now: () => Date;
  advance(ms: number): Promise<void>;
  iso(offsetMs?: number): string;
  at(offsetMs: number): Date;
}

function manualSuiteClock(): SuiteClock {
  const clock = new ManualClock();
  return {
    now: clock.now,
    advance: async (ms) => clock.advance(ms),
    iso: (offset) => clock.iso(offset),
    at: (offset) => clock.at(offset),
  };
}

function realSuiteClock(): SuiteClock {
  return {
    now: () => new Date(),
    advance: (ms) => sleep(ms),
    iso: (offset = 0) => new Date(Date.now() + offset).toISOString(),
    at: (offset) => new Date(Date.now() + offset),
  };
}

export const REAL_TOLERANCE_MS = 400;
export const REAL_MARGIN_MS = 350;

const callback = (n: number): JobPayloads['callback'] => ({
  url: `http://127.0.0.1:9/callbacks/${n}`,
  body: { n, event: 'TranscodeComplete' },
  signed: n % 2 === 0,
});
const transcode = (n: number): JobPayloads['transcode'] => ({
  videoId: `video-${n}`,
  templateGroupId: 'group-1',
  jobId: `job-${n}`,
  userData: { extend: 'x' },
});

const LEASE = 1000;

export function jobQueueContract(
  name: string,
  makeStore: () => Promise<JobQueueStore>,
  options: JobQueueContractOptions = {},
): void {
  const real = options.clock === 'real';
  const recoveryMs = options.realRecoveryMs ?? 3000;
  /** How far before an edge (lease end, runAt) "not yet" is checked. */
  const before = (ms: number) => (real ? ms - REAL_MARGIN_MS : ms - 1);
  /** What to advance after `before(ms)` to be past the edge. */
  const PAST = real ? 2 * REAL_MARGIN_MS : 2;

  /** Equal timestamps; within `REAL_TOLERANCE_MS` for a real-time queue. */
  function assertTime(actual: string | null | undefined, expected: string, what: string): void {
    if (!real) return assert.equal(actual, expected, what);
    assert.ok(actual, `${what} is set`);
    const diff = Math.abs(Date.parse(actual) - Date.parse(expected));
    assert.ok(diff <= REAL_TOLERANCE_MS, `${what} ${actual} is ${diff} ms from ${expected}`);
  }

  describe(`job queue contract: ${name}`, () => {
    interface Fixture {
      queue: JobQueue;
      clock: SuiteClock;
      /** Another connection to the same store, sharing the clock. */
      another(): Promise<JobQueue>;
      store: JobQueueStore;
      connections: JobQueueConnection[];
    }

    async function withQueue(body: (fixture: Fixture) => Promise<void>): Promise<void> {
      const store = await makeStore();
      const clock = real ? realSuiteClock() : manualSuiteClock();
      const connections: JobQueueConnection[] = [];
      try {
        const first = await store.connect({ now: clock.now });
        connections.push(first);
        await body({
          queue: first.queue,
          clock,
          store,
          connections,
          another: async () => {
            const connection = await store.connect({ now: clock.now });
            connections.push(connection);
            return connection.queue;
          },
        });
      } finally {
        for (const connection of connections) await connection.close();
        await store.destroy();
      }
    }

    async function claimOrFail(
      queue: JobQueue,
      workerId: string,
      types: readonly JobType[] = ['callback', 'transcode'],
    ): Promise<AnyJob> {
      const job = await queue.claim(workerId, types, LEASE);
      assert.ok(job, `${workerId} expected to claim a job`);
      return job;
    }

    /**
     * A claim of a job that became due because a lease lapsed: at once on a manual clock; a
     * real-time queue may take until its stalled-job check has run.
     */
    async function claimRecovered(
      queue: JobQueue,
      workerId: string,
      types: readonly JobType[] = ['callback', 'transcode'],
    ): Promise<AnyJob> {
      const deadline = Date.now() + (real ? recoveryMs : 0);
      for (;;) {
        const job = await queue.claim(workerId, types, LEASE);
        if (job) return job;
        if (Date.now() >= deadline) assert.fail(`${workerId} expected to claim a recovered job`);
        await sleep(50);
      }
    }

    it('enqueues, claims under a lease and completes', () =>
      withQueue(async ({ queue, clock }) => {
        const id = await queue.enqueue('callback', callback(1));
        const queued = await queue.get(id);
        const now = clock.iso();
        assertTime(queued?.runAt, now, 'runAt');
        assertTime(queued?.createdAt, now, 'createdAt');
        assertTime(queued?.updatedAt, now, 'updatedAt');
        assert.deepEqual(queued, {
          id,
          type: 'callback',
          payload: callback(1),
          status: 'queued',
          priority: 0,
          attempts: 0,
          maxAttempts: 3,
          runAt: queued?.runAt,
          leaseOwner: null,
          leaseExpiresAt: null,
          lastError: null,
          createdAt: queued?.createdAt,
          updatedAt: queued?.updatedAt,
          finishedAt: null,
          progress: null,
        });

        await clock.advance(10);
        const claimed = await claimOrFail(queue, 'w1');
        assert.equal(claimed.id, id);
        assert.equal(claimed.status, 'running');
        assert.equal(claimed.attempts, 1);
        assert.equal(claimed.leaseOwner, 'w1');
        assertTime(claimed.leaseExpiresAt, clock.iso(LEASE), 'leaseExpiresAt');
        assert.deepEqual(claimed.payload, callback(1));
        assert.equal(await queue.claim('w2', ['callback'], LEASE), undefined, 'a leased job is not due');

        await clock.advance(10);
        assert.equal(await queue.complete(id, 'w1'), true);
        const done = await queue.get(id);
        assert.equal(done?.status, 'succeeded');
        assertTime(done?.finishedAt, clock.iso(), 'finishedAt');
        assert.equal(done?.leaseOwner, null);
        assert.equal(done?.leaseExpiresAt, null);
        assert.equal(done?.attempts, 1);
        assert.equal(await queue.complete(id, 'w1'), false, 'a finished job cannot be completed again');
        await clock.advance(2 * LEASE);
        assert.equal(await queue.claim('w1', ['callback'], LEASE), undefined);
        assert.equal(await queue.get('no-such-job'), undefined);
      }));

    it('claims nothing when empty, not yet due, or of other types', () =>
      withQueue(async ({ queue, clock }) => {
        const delay = 2 * LEASE;
        assert.equal(await queue.claim('w1', ['callback', 'transcode'], LEASE), undefined);
        const later = await queue.enqueue('callback', callback(1), { runAt: clock.at(delay) });
        assert.equal(await queue.claim('w1', ['callback'], LEASE), undefined);
        await clock.advance(before(delay));
        assert.equal(await queue.claim('w1', ['callback'], LEASE), undefined);
        await clock.advance(PAST);
        assert.equal((await queue.claim('w1', ['callback'], LEASE))?.id, later);

        const t = await queue.enqueue('transcode', transcode(1));
        assert.equal(await queue.claim('w1', ['callback'], LEASE), undefined);
        assert.equal(await queue.claim('w1', [], LEASE), undefined);
        const claimed = await queue.claim('w1', ['callback', 'transcode'], LEASE);
        assert.equal(claimed?.id, t);
        assert.equal(claimed?.type, 'transcode');
        assert.deepEqual(claimed?.payload, transcode(1));
      }));

    it('hands out the highest priority first, then the earliest runAt', () =>
      withQueue(async ({ queue, clock }) => {
        // Enqueued out of order on purpose: b before d, c before a.
        const ids = {
          b: await queue.enqueue('callback', callback(2), { priority: 5, runAt: clock.at(200) }),
          c: await queue.enqueue('callback', callback(3), { runAt: clock.at(300) }),
          a: await queue.enqueue('callback', callback(1), { runAt: clock.at(150) }),
          d: await queue.enqueue('callback', callback(4), { priority: 5, runAt: clock.at(100) }),
          e: await queue.enqueue('callback', callback(5), { priority: -1, runAt: clock.at(50) }),
          notYet: await queue.enqueue('callback', callback(6), { priority: 9, runAt: clock.at(5 * LEASE) }),
        };
        await clock.advance(500);
        const order: string[] = [];
        for (let job; (job = await queue.claim('w1', ['callback'], LEASE));) order.push(job.id);
        assert.deepEqual(order, [ids.d, ids.b, ids.a, ids.c, ids.e]);
      }));

    it('lets another worker reclaim an expired lease and ignores the old owner', () =>
      withQueue(async ({ queue, clock }) => {
        const id = await queue.enqueue('callback', callback(1));
        await claimOrFail(queue, 'w1');
        await clock.advance(before(LEASE));
        assert.equal(await queue.claim('w2', ['callback'], LEASE), undefined, 'lease still valid');
        await clock.advance(PAST);
        const reclaimed = await claimRecovered(queue, 'w2');
        assert.equal(reclaimed.id, id);
        assert.equal(reclaimed.attempts, 2, "the crashed worker's attempt counts");
        assert.equal(reclaimed.leaseOwner, 'w2');

        assert.equal(await queue.heartbeat(id, 'w1', LEASE), false);
        assert.equal(await queue.complete(id, 'w1'), false);
        assert.equal(await queue.fail(id, 'w1', 'late failure', { permanent: true }), false);
        assert.equal(await queue.progress(id, 'w1', 50), false);
        assert.equal(await queue.release(id, 'w1'), false);
        const still = await queue.get(id);
        assert.equal(still?.status, 'running');
        assert.equal(still?.leaseOwner, 'w2');
        assert.equal(still?.attempts, 2);
        assert.equal(still?.lastError, null);
        assert.equal(still?.progress, null);

        assert.equal(await queue.heartbeat(id, 'w2', LEASE), true);
        assert.equal(await queue.complete(id, 'w2'), true);
        assert.equal((await queue.get(id))?.status, 'succeeded');
      }));

    it('extends a held lease on heartbeat', () =>
      withQueue(async ({ queue, clock }) => {
        const id = await queue.enqueue('callback', callback(1));
        await claimOrFail(queue, 'w1');
        await clock.advance(before(LEASE));
        assert.equal(await queue.heartbeat(id, 'w1', LEASE), true);
        assertTime((await queue.get(id))?.leaseExpiresAt, clock.iso(LEASE), 'leaseExpiresAt');
        await clock.advance(before(LEASE));
        assert.equal(await queue.claim('w2', ['callback'], LEASE), undefined, 'the renewed lease holds');
        await clock.advance(PAST);
        assert.equal((await claimRecovered(queue, 'w2', ['callback'])).id, id);
        assert.equal(await queue.heartbeat('no-such-job', 'w2', LEASE), false);
      }));

    it('records progress only from the lease holder', () =>
      withQueue(async ({ queue }) => {
        const id = await queue.enqueue('transcode', transcode(1));
        await claimOrFail(queue, 'w1');
        assert.equal(await queue.progress(id, 'w1', 42.4), true);
        assert.equal((await queue.get(id))?.progress, 42);
        assert.equal(await queue.progress(id, 'w2', 90), false, 'not the lease holder');
        assert.equal(await queue.progress(id, 'w1', 150), true);
        assert.equal((await queue.get(id))?.progress, 100, 'clamped to 100');
        assert.equal(await queue.complete(id, 'w1'), true);
        assert.equal(await queue.progress(id, 'w1', 10), false, 'a finished job takes no progress');
        assert.equal((await queue.get(id))?.progress, 100, 'the last report stays for operators');
        assert.equal(await queue.progress('no-such-job', 'w1', 10), false);
      }));

    it('retries until maxAttempts at the given retryAt, then fails', () =>
      withQueue(async ({ queue, clock }) => {
        const id = await queue.enqueue('transcode', transcode(1), { maxAttempts: 3 });
        for (let attempt = 1; attempt <= 2; attempt++) {
          const job = attempt === 1 ? await claimOrFail(queue, 'w1') : await claimRecovered(queue, 'w1');
          assert.equal(job.attempts, attempt);
          const wait = 2 * REAL_MARGIN_MS * attempt;
          const retryAt = clock.at(wait);
          assert.equal(await queue.fail(id, 'w1', `boom ${attempt}`, { permanent: false, retryAt }), true);
          const waiting = await queue.get(id);
          assert.equal(waiting?.status, 'queued');
          assertTime(waiting?.runAt, retryAt.toISOString(), 'runAt');
          assert.equal(waiting?.lastError, `boom ${attempt}`);
          assert.equal(waiting?.leaseOwner, null);
          assert.equal(waiting?.finishedAt, null);
          await clock.advance(before(wait));
          assert.equal(await queue.claim('w1', ['transcode'], LEASE), undefined, 'not before retryAt');
          await clock.advance(PAST);
        }
        assert.equal((await claimRecovered(queue, 'w1')).attempts, 3);
        assert.equal(await queue.fail(id, 'w1', 'boom 3', { permanent: false, retryAt: clock.at(1) }), true);
        const failed = await queue.get(id);
        assert.equal(failed?.status, 'failed');
        assert.equal(failed?.lastError, 'boom 3');
        assertTime(failed?.finishedAt, clock.iso(), 'finishedAt');
        await clock.advance(2 * LEASE);
        assert.equal(await queue.claim('w1', ['transcode'], LEASE), undefined);
      }));

    it('fails permanently without retrying', () =>
      withQueue(async ({ queue, clock }) => {
        const id = await queue.enqueue('transcode', transcode(1), { maxAttempts: 5 });
        await claimOrFail(queue, 'w1');
        const reason = 'Source has no video stream';
        assert.equal(await queue.fail(id, 'w1', reason, { permanent: true, retryAt: clock.at(1) }), true);
        const failed = await queue.get(id);
        assert.equal(failed?.status, 'failed');
        assert.equal(failed?.attempts, 1);
        assert.equal(failed?.lastError, reason);
        await clock.advance(2 * LEASE);
        assert.equal(await queue.claim('w1', ['transcode'], LEASE), undefined);
      }));

    it('fails a job whose lease expired on its last attempt instead of running it again', () =>
      withQueue(async ({ queue, clock }) => {
        const id = await queue.enqueue('callback', callback(1), { maxAttempts: 1 });
        await claimOrFail(queue, 'w1');
        await clock.advance(LEASE + PAST);
        const deadline = Date.now() + (real ? recoveryMs : 0);
        let failed = await queue.get(id);
        for (;;) {
          assert.equal(await queue.claim('w2', ['callback'], LEASE), undefined);
          failed = await queue.get(id);
          if (failed?.status === 'failed' || Date.now() >= deadline) break;
          await sleep(50);
        }
        assert.equal(failed?.status, 'failed');
        assert.match(failed?.lastError ?? '', /lease expired/i);
        assert.equal(await queue.complete(id, 'w1'), false, 'the stalled owner cannot revive it');
      }));

    it('gives a released job back without counting the attempt', () =>
      withQueue(async ({ queue }) => {
        const id = await queue.enqueue('callback', callback(1), { maxAttempts: 1 });
        await claimOrFail(queue, 'w1');
        assert.equal(await queue.release(id, 'w2'), false, 'only the lease holder may release');
        assert.equal(await queue.release(id, 'w1'), true);
        const released = await queue.get(id);
        assert.equal(released?.status, 'queued');
        assert.equal(released?.attempts, 0);
        assert.equal(released?.leaseOwner, null);
        const again = await claimOrFail(queue, 'w2');
        assert.equal(again.attempts, 1, 'the single allowed attempt is still available');
        assert.equal(await queue.complete(id, 'w2'), true);
      }));

    it('takes maxAttempts from the retry table unless the producer says otherwise', () =>
      withQueue(async ({ store, clock, connections }) => {
        const connection = await store.connect({
          now: clock.now,
          retryPolicies: { transcode: { maxAttempts: 7, baseDelayMs: 1, maxDelayMs: 1 } },
        });
        connections.push(connection);
        const { queue } = connection;
        const fromTable = await queue.enqueue('transcode', transcode(1));
        const notInTable = await queue.enqueue('callback', callback(1));
        const explicit = await queue.enqueue('transcode', transcode(2), { maxAttempts: 2 });
        assert.equal((await queue.get(fromTable))?.maxAttempts, 7);
        assert.equal((await queue.get(notInTable))?.maxAttempts, 3);
        assert.equal((await queue.get(explicit))?.maxAttempts, 2);
      }));

    it('rejects invalid options', () =>
      withQueue(async ({ queue }) => {
        await assert.rejects(queue.enqueue('callback', callback(1), { maxAttempts: 0 }), RangeError);
        await assert.rejects(queue.enqueue('callback', callback(1), { priority: 1.5 }), RangeError);
        await assert.rejects(queue.enqueue('callback', callback(1), { priority: 1_000_001 }), RangeError);
        await assert.rejects(queue.enqueue('callback', callback(1), { priority: -1_000_001 }), RangeError);
        await assert.rejects(queue.claim('w1', ['callback'], 0), RangeError);
        await assert.rejects(queue.list({ limit: 0 }), RangeError);
        assert.deepEqual(await queue.list({ limit: 10 }), []);
      }));

    it('lists and counts jobs for operators', () =>
      withQueue(async ({ queue, clock }) => {
        const ids: string[] = [];
        for (let n = 1; n <= 3; n++) {
          ids.push(await queue.enqueue('callback', callback(n)));
          await clock.advance(2);
        }
        for (let n = 1; n <= 2; n++) {
          ids.push(await queue.enqueue('transcode', transcode(n)));
          await clock.advance(2);
        }
        const c = await claimOrFail(queue, 'w1', ['callback']);
        assert.equal(c.id, ids[0]);
        assert.equal(await queue.complete(c.id, 'w1'), true);
        const t = await claimOrFail(queue, 'w1', ['transcode']);
        assert.equal(t.id, ids[3]);
        assert.equal(await queue.fail(t.id, 'w1', 'bad input', { permanent: true }), true);
        await claimOrFail(queue, 'w2', ['callback']); // callback 2, left running

        assert.deepEqual(await queue.stats(), {
          byStatus: { queued: 2, running: 1, succeeded: 1, failed: 1 },
          byType: {
            callback: { queued: 1, running: 1, succeeded: 1, failed: 0 },
            transcode: { queued: 1, running: 0, succeeded: 0, failed: 1 },
            'url-upload': { queued: 0, running: 0, succeeded: 0, failed: 0 },
            snapshot: { queued: 0, running: 0, succeeded: 0, failed: 0 },
            'trace-extract': { queued: 0, running: 0, succeeded: 0, failed: 0 },
          },
        });
        assert.deepEqual(
          (await queue.list({ limit: 10 })).map((job) => job.id),
          [...ids].reverse(),
          'newest first',
        );
        assert.deepEqual(
          (await queue.list({ limit: 2 })).map((job) => job.id),
          [ids[4], ids[3]],
        );
        const queuedCallbacks = await queue.list({ status: 'queued', type: 'callback', limit: 10 });
        assert.deepEqual(
          queuedCallbacks.map((job) => [job.id, job.status, job.type]),
          [[ids[2], 'queued', 'callback']],
        );
        assert.deepEqual(
          (await queue.list({ status: 'failed', limit: 10 })).map((job) => [job.id, job.lastError]),
          [[ids[3], 'bad input']],
        );
      }));

    it('never hands one job to two workers when two connections claim concurrently', () =>
      withQueue(async ({ queue, another }) => {
        const queues = [queue, await another()];
        const total = 50;
        const enqueued = new Set<string>();
        for (let n = 0; n < total; n++) enqueued.add(await queues[n % 2]!.enqueue('callback', callback(n)));

        const claims: { id: string; worker: string }[] = [];
        const loop = async (q: JobQueue, worker: string) => {
          for (let job; (job = await q.claim(worker, ['callback'], 60_000));) {
            claims.push({ id: job.id, worker });
            assert.equal(await q.complete(job.id, worker), true, `${worker} lost ${job.id}`);
          }
        };
        await Promise.all(
          queues.flatMap((q, qi) => Array.from({ length: 5 }, (_, li) => loop(q, `w${qi}-${li}`))),
        );

        const ids = claims.map((c) => c.id);
        assert.equal(new Set(ids).size, ids.length, 'a job was handed to two workers');
        assert.deepEqual(new Set(ids), enqueued);
        assert.equal((await queue.stats()).byStatus.succeeded, total);
      }));

    it('keeps jobs across closing and reopening the store', () =>
      withQueue(async ({ store, clock, connections }) => {
        const first = await store.connect({ now: clock.now });
        const a = await first.queue.enqueue('transcode', transcode(1), { maxAttempts: 4, priority: 2 });
        const b = await first.queue.enqueue('callback', callback(2));
        await claimOrFail(first.queue, 'w1', ['transcode']);
        await first.close();

        const second = await store.connect({ now: clock.now });
        connections.push(second);
        const running = await second.queue.get(a);
        assert.equal(running?.status, 'running');
        assert.equal(running?.leaseOwner, 'w1');
        assert.equal(running?.maxAttempts, 4);
        assert.equal(running?.priority, 2);
        assert.deepEqual(running?.payload, transcode(1));
        const next = await second.queue.claim('w2', ['callback', 'transcode'], LEASE);
        assert.equal(next?.id, b);
        assert.deepEqual(next?.payload, callback(2));
        await clock.advance(LEASE + PAST);
        assert.equal((await claimRecovered(second.queue, 'w2', ['transcode'])).id, a, 'w1 never came back');
      }));
  });
}
