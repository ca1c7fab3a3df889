/**
 * The job-queue contract (DESIGN §2). Producers `enqueue`; workers `claim` a job under a lease,
 * then `complete` or `fail` it. A job whose lease runs out (a crashed worker) is claimed again.
 * Errors steer jobs (STYLE §5): `fail(..., { permanent: true })` ends the job; otherwise it is
 * retried after the backoff the caller computed, until `maxAttempts`.
 *
 * Implementations: `db-job-queue.ts` (durable, in the metadata store). Every implementation
 * must pass `test/contracts/job-queue-contract.ts`.
 */
import type { JobPayloads, JobType } from './job-types.js';

export type JobStatus = 'queued' | 'running' | 'succeeded' | 'failed';

export interface Job<T extends JobType = JobType> {
  readonly id: string;
  readonly type: T;
  readonly payload: JobPayloads[T];
  readonly attempts: number;
  readonly maxAttempts: number;
  readonly status: JobStatus;
  readonly lastError: string | null;
  readonly createdAt: string;
}

export interface EnqueueOptions {
  /** Earliest start (default now). */
  runAt?: Date;
  maxAttempts?: number;
  /** Higher runs first among due jobs (default 0). */
  priority?: number;
}

export interface JobQueue {
  enqueue<T extends JobType>(type: T, payload: JobPayloads[T], options?: EnqueueOptions): Promise<string>;
  /** The oldest due job of one of `types`, leased to `workerId` for `leaseMs`; undefined if none. */
  claim(workerId: string, types: readonly JobType[], leaseMs: number): Promise<Job | undefined>;
  /** Extends a lease the worker still holds; false if it lost it (then it must stop). */
  heartbeat(jobId: string, workerId: string, leaseMs: number): Promise<boolean>;
  complete(jobId: string, workerId: string): Promise<void>;
  fail(
    jobId: string,
    workerId: string,
    error: string,
    retry: { permanent: boolean; retryAt?: Date },
  ): Promise<void>;
  get(jobId: string): Promise<Job | undefined>;
  close(): Promise<void>;
}

/** Retry policy as data (STYLE §9). */
export interface RetryPolicy {
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export function retryDelayMs(policy: RetryPolicy, attempt: number): number {
  return Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, attempt - 1));
}
