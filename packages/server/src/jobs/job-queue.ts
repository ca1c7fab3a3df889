/**
 * The job-queue contract (DESIGN §2). Producers `enqueue`; workers `claim` a job under a lease,
 * then `complete` or `fail` it. A job whose lease runs out (a crashed worker) is claimed again.
 * Errors steer jobs (STYLE §5): `fail(..., { permanent: true })` ends the job; otherwise it is
 * retried after the backoff the caller computed, until `maxAttempts`.
 *
 * Lease rule: `heartbeat`, `complete`, `fail` and `release` act only while `workerId` still holds
 * the job's lease (it is `running` with that owner). A worker whose lease ran out and whose job
 * another worker claimed gets `false` and changes nothing, so it cannot overwrite the new owner.
 *
 * Time: the database queue reads the clock it is given (tests move it by hand); the BullMQ queue
 * keeps time in Redis (lock TTLs, delayed sets), so there a lapsed lease is noticed by BullMQ's
 * stalled-job check a moment after it lapses rather than at the exact millisecond, and a worker
 * whose lease lapsed may find it lost (heartbeat false) even before another worker claims the job.
 *
 * Order: among due jobs of one type, the highest priority first, then the earliest `runAt`,
 * then the oldest. Across types no order is promised (the BullMQ queue keeps one BullMQ queue per
 * type): a caller that needs strict priority across types claims one type per worker, as the
 * server does.
 *
 * Implementations: `db-job-queue.ts` (durable, in the metadata store; the embedded default) and
 * `bullmq-job-queue.ts` (BullMQ on Redis; cluster mode). Every implementation must pass
 * `test/contracts/job-queue-contract.ts`.
 */
import type { JobPayloads, JobType } from './job-types.js';

export type JobStatus = 'queued' | 'running' | 'succeeded' | 'failed';
export const JOB_STATUSES: readonly JobStatus[] = ['queued', 'running', 'succeeded', 'failed'];

export interface Job<T extends JobType = JobType> {
  readonly id: string;
  readonly type: T;
  readonly payload: JobPayloads[T];
  readonly status: JobStatus;
  /** Higher runs first among due jobs. */
  readonly priority: number;
  /** Claims so far, including the current one; a claim after a lease expiry counts too. */
  readonly attempts: number;
  readonly maxAttempts: number;
  /** ISO-8601 UTC: earliest start, or the next retry. */
  readonly runAt: string;
  /** Worker holding the lease while `running`, else null. */
  readonly leaseOwner: string | null;
  readonly leaseExpiresAt: string | null;
  /** Message of the latest failure; kept after a later success for operators. */
  readonly lastError: string | null;
  readonly createdAt: string;
  readonly updatedAt: string;
  /** Set when the job reached `succeeded` or `failed`. */
  readonly finishedAt: string | null;
  /** Percent done (0-100) last reported by a worker holding the lease; null before any report. */
  readonly progress: number | null;
}

/** A job of any registered type, narrowed by `type` (what `claim` hands out). */
export type AnyJob = { [T in JobType]: Job<T> }[JobType];

export interface EnqueueOptions {
  /** Earliest start (default now). */
  runAt?: Date;
  /** Default: the queue's retry policy for the type, else 3. */
  maxAttempts?: number;
  /** Higher runs first among due jobs (default 0); an integer within ±`MAX_JOB_PRIORITY`. */
  priority?: number;
}

/** Priorities are integers in [-MAX_JOB_PRIORITY, MAX_JOB_PRIORITY] (BullMQ's range allows it). */
export const MAX_JOB_PRIORITY = 1_000_000;

export interface JobStats {
  byStatus: Record<JobStatus, number>;
  byType: Record<JobType, Record<JobStatus, number>>;
}

export interface ListJobsOptions {
  status?: JobStatus;
  type?: JobType;
  /** At most this many, newest first. */
  limit: number;
}

export interface JobQueue {
  enqueue<T extends JobType>(type: T, payload: JobPayloads[T], options?: EnqueueOptions): Promise<string>;
  /**
   * The next due job of one of `types`, leased to `workerId` for `leaseMs`; undefined if none.
   * Due: `queued` with `runAt` reached, or `running` with an expired lease (its owner crashed or
   * stalled). Order: highest priority, then earliest `runAt`, then oldest. Increments
   * `attempts`. Atomic across processes: no two claims ever return the same lease.
   */
  claim(workerId: string, types: readonly JobType[], leaseMs: number): Promise<AnyJob | undefined>;
  /** Extends a lease the worker still holds to now + `leaseMs`; false if it lost it (then it must stop). */
  heartbeat(jobId: string, workerId: string, leaseMs: number): Promise<boolean>;
  /** Marks the job `succeeded`; false (and no change) if the worker no longer holds the lease. */
  complete(jobId: string, workerId: string): Promise<boolean>;
  /**
   * Records a failed attempt: `failed` if `permanent` or the attempts are used up, else `queued`
   * again at `retryAt` (default now). False (and no change) if the worker lost the lease.
   */
  fail(
    jobId: string,
    workerId: string,
    error: string,
    retry: { permanent: boolean; retryAt?: Date },
  ): Promise<boolean>;
  /**
   * Records how far the running attempt got (0-100, rounded to an integer and clamped). False
   * (and no change) if the worker lost the lease.
   */
  progress(jobId: string, workerId: string, percent: number): Promise<boolean>;
  /**
   * Gives an unfinished job back without counting the attempt (graceful shutdown): `queued`,
   * due now. False (and no change) if the worker lost the lease.
   */
  release(jobId: string, workerId: string): Promise<boolean>;
  get(jobId: string): Promise<AnyJob | undefined>;
  /** For operators: jobs filtered by status and type, newest first. */
  list(options: ListJobsOptions): Promise<AnyJob[]>;
  /** For operators: counts by status, and by type and status. */
  stats(): Promise<JobStats>;
  /** Releases what the queue itself opened; a queue over a shared `Db` leaves the `Db` open. */
  close(): Promise<void>;
}

/**
 * Retry policy as data (STYLE §9). `maxAttempts` is fixed on the job at enqueue time (the queue
 * applies it as the default); the worker uses the delays to schedule each retry.
 */
export interface RetryPolicy {
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

/** Exponential backoff: `baseDelayMs` after attempt 1, doubling, capped at `maxDelayMs`. */
export function retryDelayMs(policy: RetryPolicy, attempt: number): number {
  return Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, attempt - 1));
}
