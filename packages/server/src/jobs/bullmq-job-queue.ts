/**
 * The job queue on BullMQ and Redis (DESIGN §2, cluster mode): the `JobQueue` contract over
 * BullMQ's "manual processing" API, so the same `Worker` (leases, retries from the retry table,
 * graceful hand-back) drives both queues, and any machine that reaches Redis can run workers.
 * Chosen by the composition root when `SECUREVOD_REDIS_URL` is set; the database queue is the
 * embedded default.
 *
 * Mapping (one BullMQ queue per job type, named after it, keys under `<prefix>bull:`):
 * - job id: `<type>.<uuid>`, so `get`/`heartbeat` find the queue without a lookup;
 * - claim: `Worker.getNextJob(workerId)`; the BullMQ lock *is* the lease and its token is the
 *   worker id; the lock is then set to `leaseMs` (`extendLock`);
 * - heartbeat: `extendLock`; complete: `moveToCompleted`; fail: `moveToFailed`, final with an
 *   `UnrecoverableError`, else retried by BullMQ at the caller's `retryAt` (a backoff strategy that
 *   reads it), recording `failedReason` in the same step; release: `moveToWait`. BullMQ's scripts
 *   check the lock token, so a worker that lost its lease changes nothing;
 * - a dead worker's job: BullMQ's stalled-job check (every `stalledCheckMs`, in every process
 *   that opened this queue) moves a job whose lock expired back to wait. A job whose lease lapsed
 *   on its last attempt is failed when it is claimed next, with the database queue's message;
 * - attempts: BullMQ's `attemptsStarted` less the releases (hash field `svr`), so a hand-back at
 *   shutdown does not count; `maxAttempts` is BullMQ's `attempts` option;
 * - priority: ours (higher first, ±`MAX_JOB_PRIORITY`) maps onto BullMQ's (1 highest, up to 2^21);
 *   every job is prioritized, so due jobs run by priority, then in the order they became due;
 * - runAt: the enqueue time or `runAt` (in the job data), or the last `retryAt` (hash field `svra`).
 *
 * Completed jobs are kept a day (at most 1000 per type), failed ones a week (at most 5000), for
 * operators; BullMQ removes older ones as new jobs finish.
 *
 * Only this file imports BullMQ.
 */
import { Job as BullJob, Queue, UnrecoverableError, Worker as BullWorker } from 'bullmq';
import type { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';
import { clampPercent, DEFAULT_MAX_ATTEMPTS, MAX_ERROR_LENGTH, requireInteger } from './db-job-queue.js';
import {
  JOB_STATUSES,
  MAX_JOB_PRIORITY,
  type AnyJob,
  type EnqueueOptions,
  type JobQueue,
  type JobStats,
  type JobStatus,
  type ListJobsOptions,
  type RetryPolicy,
} from './job-queue.js';
import { JOB_TYPES, type JobPayloads, type JobType } from './job-types.js';

export interface BullmqJobQueueOptions {
  /**
   * A connection opened with `maxRetriesPerRequest: null` (`openRedis({ kind: 'blocking' })`):
   * queue operations wait out a Redis restart instead of failing. The caller closes it.
   */
  connection: Redis;
  /** Prefix of every key, ending in `:` (e.g. `securevod:`); BullMQ's keys live under `<prefix>bull:`. */
  keyPrefix: string;
  /** Supplies the default `maxAttempts` per type at enqueue; 3 for types it does not list. */
  retryPolicies?: Partial<Record<JobType, RetryPolicy>>;
  /** How often this process runs BullMQ's stalled-job check (default 5000 ms). */
  stalledCheckMs?: number;
  /** Told about BullMQ's connection and background errors (which it would otherwise print). */
  onError?: (error: Error) => void;
}

/** BullMQ's priority of our priority 0; ours p becomes OFFSET - p, inside BullMQ's 1..2^21. */
const BULL_PRIORITY_OFFSET = 1_048_576;
const KEEP_COMPLETED = { age: 24 * 3600, count: 1000 };
const KEEP_FAILED = { age: 7 * 24 * 3600, count: 5000 };
const LEASE_EXPIRED_ON_LAST_ATTEMPT =
  'The lease expired during the last attempt (the worker crashed or stalled)';
/** Backoff type on every job: the delay comes from the `retryAt` the worker computed. */
const RETRY_AT_BACKOFF = 'securevod-retry-at';
/** Most jobs `list` reads per state and type before sorting them (operators' view). */
const LIST_SCAN_LIMIT = 5000;
const MAX_LIST_LIMIT = 1000;

/** What we store as BullMQ job data. */
interface StoredJob {
  payload: unknown;
  /** Our priority (BullMQ keeps its own mapped one). */
  priority: number;
  /** Epoch ms when the job was first due. */
  runAt: number;
}

/** Carries the caller's retry time to the backoff strategy inside `moveToFailed`. */
class RetryAtError extends Error {
  constructor(
    message: string,
    readonly retryAt: number,
  ) {
    super(message);
    this.stack = undefined;
  }
}

/**
 * Checks the lease and records what BullMQ's own step does not, before that step runs (BullMQ
 * checks the lease again, atomically, in its step). `release` counts a hand-back; `retry` keeps
 * the retry time for `runAt`; `unrelease` undoes a release whose BullMQ step found the lease gone.
 * KEYS: job hash, its lock. ARGV: worker id, action, retry time (ms).
 */
const MARK_SCRIPT = `
if ARGV[2] == 'unrelease' then
  redis.call('HINCRBY', KEYS[1], 'svr', -1)
  return 1
end
if redis.call('GET', KEYS[2]) ~= ARGV[1] then return 0 end
if ARGV[2] == 'release' then redis.call('HINCRBY', KEYS[1], 'svr', 1) end
if ARGV[2] == 'retry' then redis.call('HSET', KEYS[1], 'svra', ARGV[3]) end
return 1`;

/** BullMQ's error codes for "the lock is not yours / the job is not active any more". */
const LEASE_ERROR_CODES = new Set([-1, -2, -3, -6]);

function isLeaseError(error: unknown): boolean {
  return LEASE_ERROR_CODES.has((error as { code?: unknown } | null)?.code as number);
}

export async function createBullmqJobQueue(options: BullmqJobQueueOptions): Promise<JobQueue> {
  const { connection } = options;
  const prefix = `${options.keyPrefix}bull`;
  const stalledInterval = options.stalledCheckMs ?? 5000;
  requireInteger('stalledCheckMs', stalledInterval, 10);

  const producers = new Map<JobType, Queue>();
  const consumers = new Map<JobType, BullWorker>();
  for (const type of JOB_TYPES) {
    producers.set(type, new Queue(type, { connection, prefix }));
    consumers.set(
      type,
      new BullWorker(type, null, {
        connection,
        prefix,
        autorun: false,
        stalledInterval,
        // Our attempts rule decides when a stalled job has had enough (see claim).
        maxStalledCount: 1_000_000_000,
        settings: {
          backoffStrategy: (_attemptsMade: number, _type?: string, error?: Error) =>
            error instanceof RetryAtError ? Math.max(0, error.retryAt - Date.now()) : 0,
        },
      }),
    );
  }
  const onError = options.onError ?? (() => undefined);
  for (const producer of producers.values()) producer.on('error', onError);
  for (const consumer of consumers.values()) consumer.on('error', onError);
  await Promise.all([...producers.values(), ...consumers.values()].map((q) => q.waitUntilReady()));
  for (const consumer of consumers.values()) await consumer.startStalledCheckTimer();

  const producer = (type: JobType) => producers.get(type)!;
  const consumer = (type: JobType) => consumers.get(type)!;
  const jobKey = (type: JobType, id: string) => `${prefix}:${type}:${id}`;

  /** The type named by a job id of ours, or undefined for any other string. */
  function typeOf(jobId: string): JobType | undefined {
    const type = jobId.slice(0, Math.max(0, jobId.indexOf('.')));
    return (JOB_TYPES as readonly string[]).includes(type) ? (type as JobType) : undefined;
  }

  /** Reads one job with what the contract reports besides BullMQ's fields. */
  async function load(jobId: string): Promise<AnyJob | undefined> {
    const type = typeOf(jobId);
    if (type === undefined) return undefined;
    const key = jobKey(type, jobId);
    const job = await BullJob.fromId(consumer(type), jobId);
    if (!job) return undefined;
    const replies = await connection
      .multi()
      .hmget(key, 'svr', 'svra', 'progress')
      .get(`${key}:lock`)
      .pttl(`${key}:lock`)
      .exec();
    const [[releases, retryAt, progress], lock, ttl] = (replies ?? []).map(([error, value]) => {
      if (error) throw error;
      return value;
    }) as [[string | null, string | null, string | null], string | null, number];
    const state = await job.getState();
    if (state === 'unknown') return undefined;
    const hash = { svr: releases ?? '0', svra: retryAt ?? '', reported: progress === null ? '' : 'yes' };
    return toJob(type, job, hash, state, lock, ttl);
  }

  function toJob(
    type: JobType,
    job: BullJob,
    hash: Record<string, string>,
    state: string,
    lock: string | null,
    ttl: number,
  ): AnyJob {
    const data = job.data as StoredJob;
    const status: JobStatus =
      state === 'active'
        ? 'running'
        : state === 'completed'
          ? 'succeeded'
          : state === 'failed'
            ? 'failed'
            : 'queued';
    const running = status === 'running';
    const finished = status === 'succeeded' || status === 'failed';
    const retryAt = Number(hash.svra);
    const at = (ms: number) => new Date(ms).toISOString();
    const lastChange = Math.max(job.timestamp, job.processedOn ?? 0, job.finishedOn ?? 0);
    return {
      id: job.id!,
      type,
      payload: data.payload,
      status,
      priority: data.priority,
      attempts: (job.attemptsStarted ?? 0) - Number(hash.svr ?? 0),
      maxAttempts: job.opts.attempts ?? DEFAULT_MAX_ATTEMPTS,
      runAt: at(Number.isFinite(retryAt) && retryAt > 0 ? retryAt : data.runAt),
      leaseOwner: running && lock ? lock : null,
      leaseExpiresAt: running && lock && ttl > 0 ? at(Date.now() + ttl) : null,
      lastError: job.failedReason ? job.failedReason : null,
      createdAt: at(job.timestamp),
      updatedAt: at(lastChange),
      finishedAt: finished && job.finishedOn ? at(job.finishedOn) : null,
      // BullMQ reads an unreported progress as 0; ours is null until a worker reports.
      progress: hash.reported && typeof job.progress === 'number' ? job.progress : null,
    } as AnyJob;
  }

  async function mark(
    type: JobType,
    jobId: string,
    workerId: string,
    action: 'release' | 'unrelease' | 'retry',
    retryAt = 0,
  ): Promise<boolean> {
    const key = jobKey(type, jobId);
    const result = await connection.eval(MARK_SCRIPT, 2, key, `${key}:lock`, workerId, action, retryAt);
    return result === 1;
  }

  /** Runs a BullMQ step that checks the lease; false when it found the lease gone. */
  async function leased(step: () => Promise<unknown>): Promise<boolean> {
    try {
      await step();
      return true;
    } catch (error) {
      if (isLeaseError(error)) return false;
      throw error;
    }
  }

  /** The job as BullMQ's worker object for `type` sees it (for moveTo… calls). */
  const fetch = (type: JobType, jobId: string) => BullJob.fromId(consumer(type), jobId);

  return {
    async enqueue<T extends JobType>(type: T, payload: JobPayloads[T], enqueueOptions: EnqueueOptions = {}) {
      if (!JOB_TYPES.includes(type)) throw new TypeError(`Unknown job type "${String(type)}"`);
      const policy = options.retryPolicies?.[type];
      const maxAttempts = enqueueOptions.maxAttempts ?? policy?.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
      const priority = enqueueOptions.priority ?? 0;
      requireInteger('maxAttempts', maxAttempts, 1);
      requireInteger('priority', priority, -MAX_JOB_PRIORITY, MAX_JOB_PRIORITY);
      const now = Date.now();
      const runAt = enqueueOptions.runAt?.getTime() ?? now;
      const id = `${type}.${randomUUID()}`;
      const data: StoredJob = { payload, priority, runAt };
      await producer(type).add(type, data, {
        jobId: id,
        timestamp: now,
        delay: Math.max(0, runAt - now),
        priority: BULL_PRIORITY_OFFSET - priority,
        attempts: maxAttempts,
        backoff: { type: RETRY_AT_BACKOFF, delay: policy?.baseDelayMs ?? 0 },
        removeOnComplete: KEEP_COMPLETED,
        removeOnFail: KEEP_FAILED,
      });
      return id;
    },

    async claim(workerId, types, leaseMs) {
      requireInteger('leaseMs', leaseMs, 1);
      for (const type of types) {
        for (;;) {
          const job = await consumer(type).getNextJob(workerId, { block: false });
          if (!job?.id) break;
          if (!(await leased(() => job.extendLock(workerId, leaseMs).then(requireOne)))) continue;
          const claimed = await load(job.id);
          if (claimed === undefined) continue;
          if (claimed.attempts > claimed.maxAttempts) {
            // Its previous attempt was the last, and its worker died: it ends here.
            await leased(() =>
              job.moveToFailed(new UnrecoverableError(LEASE_EXPIRED_ON_LAST_ATTEMPT), workerId),
            );
            continue;
          }
          return claimed;
        }
      }
      return undefined;
    },

    async heartbeat(jobId, workerId, leaseMs) {
      requireInteger('leaseMs', leaseMs, 1);
      const type = typeOf(jobId);
      if (type === undefined) return false;
      const failed = await consumer(type).extendJobLocks([jobId], [workerId], leaseMs);
      return failed.length === 0;
    },

    async complete(jobId, workerId) {
      const type = typeOf(jobId);
      const job = type && (await fetch(type, jobId));
      if (!job) return false;
      return leased(() => job.moveToCompleted(null, workerId, false));
    },

    async fail(jobId, workerId, error, retry) {
      const type = typeOf(jobId);
      const job = type && (await fetch(type, jobId));
      if (!type || !job) return false;
      const message = truncate(error);
      const current = await load(jobId);
      if (!current || current.status !== 'running' || current.leaseOwner !== workerId) return false;
      if (retry.permanent || current.attempts >= current.maxAttempts) {
        return leased(() => job.moveToFailed(new UnrecoverableError(message), workerId));
      }
      const retryAt = (retry.retryAt ?? new Date()).getTime();
      if (!(await mark(type, jobId, workerId, 'retry', retryAt))) return false;
      return leased(() => job.moveToFailed(new RetryAtError(message, retryAt), workerId));
    },

    async progress(jobId, workerId, percent) {
      const type = typeOf(jobId);
      const job = type && (await fetch(type, jobId));
      if (!job) return false;
      // BullMQ's progress update does not check the lock: check it first (a lease lost in
      // between only lets one last progress value through).
      const lock = await connection.get(`${jobKey(job.name as JobType, jobId)}:lock`);
      if (lock !== workerId) return false;
      await job.updateProgress(clampPercent(percent));
      return true;
    },

    async release(jobId, workerId) {
      const type = typeOf(jobId);
      const job = type && (await fetch(type, jobId));
      if (!type || !job) return false;
      if (!(await mark(type, jobId, workerId, 'release'))) return false;
      if (await leased(() => job.moveToWait(workerId))) return true;
      await mark(type, jobId, workerId, 'unrelease');
      return false;
    },

    get: load,

    async list({ status, type, limit }: ListJobsOptions) {
      requireInteger('limit', limit, 1);
      const states = status ? bullStates(status) : JOB_STATUSES.flatMap(bullStates);
      const found: AnyJob[] = [];
      for (const t of type ? [type] : JOB_TYPES) {
        const jobs = await producer(t).getJobs(states, 0, LIST_SCAN_LIMIT - 1, false);
        for (const job of jobs) {
          const full = job.id ? await load(job.id) : undefined;
          if (full && (!status || full.status === status)) found.push(full);
        }
      }
      found.sort((a, b) => b.createdAt.localeCompare(a.createdAt) || b.id.localeCompare(a.id));
      return found.slice(0, Math.min(limit, MAX_LIST_LIMIT));
    },

    async stats() {
      const zero = () => Object.fromEntries(JOB_STATUSES.map((s) => [s, 0])) as Record<JobStatus, number>;
      const stats: JobStats = {
        byStatus: zero(),
        byType: Object.fromEntries(JOB_TYPES.map((t) => [t, zero()])) as JobStats['byType'],
      };
      for (const type of JOB_TYPES) {
        const counts = await producer(type).getJobCounts(...JOB_STATUSES.flatMap(bullStates));
        for (const status of JOB_STATUSES) {
          const n = bullStates(status).reduce((sum, state) => sum + (counts[state] ?? 0), 0);
          stats.byType[type][status] += n;
          stats.byStatus[status] += n;
        }
      }
      return stats;
    },

    // The connection belongs to the caller; BullMQ's own duplicate (the worker's blocking
    // connection) is closed with the worker.
    async close() {
      await Promise.all([...consumers.values()].map((c) => c.close(true)));
      await Promise.all([...producers.values()].map((p) => p.close()));
    },
  };
}

type BullState = 'waiting' | 'prioritized' | 'delayed' | 'active' | 'completed' | 'failed';

function bullStates(status: JobStatus): BullState[] {
  switch (status) {
    case 'queued':
      return ['waiting', 'prioritized', 'delayed'];
    case 'running':
      return ['active'];
    case 'succeeded':
      return ['completed'];
    case 'failed':
      return ['failed'];
  }
}

function requireOne(result: number): void {
  if (result !== 1) throw Object.assign(new Error('lock not extended'), { code: -2 });
}

function truncate(message: string): string {
  return message.length <= MAX_ERROR_LENGTH ? message : `${message.slice(0, MAX_ERROR_LENGTH - 1)}…`;
}
