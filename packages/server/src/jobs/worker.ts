/**
 * The consumer side of a `JobQueue` (DESIGN §2, worker role): claims jobs up to `concurrency`,
 * runs the registered handler under a lease it keeps alive, and records the outcome. This is the
 * one place that turns a handler's error into a job state (STYLE §4–5):
 *
 * - an error with `permanent === true` (`PermanentJobError`, `FfmpegError` for bad input) fails
 *   the job at once;
 * - any other error is retried after `retryDelayMs(policy, attempts)` until the job's
 *   `maxAttempts` are used up;
 * - when the worker stops, a handler still running after the grace period has its signal
 *   aborted, and the job is given back without counting the attempt (unless the handler then
 *   throws a permanent error or completes anyway).
 *
 * The lease is renewed every `leaseMs / 3` while a handler runs. If a renewal finds that another
 * worker has taken the job (this process stalled past the lease), the handler's signal is
 * aborted with a `JobAbortedError('LeaseLost')` and its outcome is dropped: the job is no longer
 * ours to record.
 *
 * Created and started by the composition root for the worker role; `wake()` lets a producer in
 * the same process skip the poll delay after an enqueue.
 */
import type { AnyJob, Job, JobQueue, RetryPolicy } from './job-queue.js';
import { retryDelayMs } from './job-queue.js';
import { JobAbortedError, isPermanentError } from './job-errors.js';
import type { JobType } from './job-types.js';
import { TypedEmitter } from './typed-emitter.js';

/** Pino-compatible subset (fastify's logger fits). */
export interface WorkerLogger {
  debug(fields: Record<string, unknown>, message: string): void;
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
  error(fields: Record<string, unknown>, message: string): void;
}

export interface JobContext {
  /** Aborted when the lease is lost or the worker stops; pass it to ffmpeg, fetch, streams. */
  readonly signal: AbortSignal;
  /**
   * Renews the lease now (it is also renewed automatically). Rejects with
   * `JobAbortedError('LeaseLost')` if another worker has the job.
   */
  heartbeat(): Promise<void>;
  /**
   * Reports percent done (0-100) to the queue, where operators see it. Call it at most about once
   * a second. Never rejects: a queue failure is reported as `worker:error`, a lost lease aborts.
   */
  progress(percent: number): Promise<void>;
  /** The worker's logger with the job's id, type and attempt added. */
  readonly log: WorkerLogger;
}

export type JobHandler<T extends JobType> = (job: Job<T>, ctx: JobContext) => Promise<void>;
/** One handler per registered type: a type without a handler does not compile (STYLE §6). */
export type JobHandlers = { [T in JobType]: JobHandler<T> };

export type WorkerOperation = 'claim' | 'heartbeat' | 'progress' | 'complete' | 'fail' | 'release';

export interface WorkerEvents {
  'job:started': { job: AnyJob };
  'job:completed': { job: AnyJob; durationMs: number };
  /** `permanent`: the error said so; otherwise the attempts are used up. */
  'job:failed': { job: AnyJob; error: unknown; permanent: boolean };
  'job:retrying': { job: AnyJob; error: unknown; retryAt: Date };
  /** Given back to the queue, attempt not counted, because the worker stopped. */
  'job:released': { job: AnyJob };
  /** Another worker took the job over; this worker's outcome was dropped. */
  'job:lease-lost': { job: AnyJob };
  /** The queue failed (database down); the worker carries on and tries again later. */
  'worker:error': { error: unknown; operation: WorkerOperation; jobId?: string };
}

export interface WorkerOptions {
  queue: JobQueue;
  handlers: JobHandlers;
  /** Unique per worker process (e.g. host:pid); leases are held in its name. */
  workerId: string;
  /** Most jobs run at once. */
  concurrency: number;
  /** Wait between claims when the queue had nothing due. */
  pollIntervalMs: number;
  leaseMs: number;
  retryPolicies: Record<JobType, RetryPolicy>;
  /**
   * The job types this worker claims (default: every handled type). Two workers on one queue with
   * different types give each kind of job its own concurrency — e.g. slow callback endpoints never
   * take transcoding slots.
   */
  types?: readonly JobType[];
  logger: WorkerLogger;
  /** Clock for retry times (default: system clock). */
  now?: () => Date;
}

interface Running {
  readonly job: AnyJob;
  readonly controller: AbortController;
  leaseLost: boolean;
  stopAborted: boolean;
  done: Promise<void>;
}

type Outcome = { ok: true } | { ok: false; error: unknown };

export class Worker extends TypedEmitter<WorkerEvents> {
  private readonly options: WorkerOptions;
  private readonly types: readonly JobType[];
  private readonly now: () => Date;
  private readonly running = new Map<string, Running>();
  private state: 'idle' | 'running' | 'stopping' | 'stopped' = 'idle';
  private pumping: Promise<void> | undefined;
  private pumpAgain = false;
  private pollTimer: NodeJS.Timeout | undefined;
  private stopped: Promise<void> | undefined;

  constructor(options: WorkerOptions) {
    super((error, event) =>
      options.logger.error({ err: describeError(error), event }, 'job worker event listener threw'),
    );
    for (const [name, min] of [
      ['concurrency', 1],
      ['pollIntervalMs', 1],
      ['leaseMs', 3],
    ] as const) {
      if (!Number.isSafeInteger(options[name]) || options[name] < min) {
        throw new RangeError(`Worker ${name} must be an integer >= ${min}, got ${options[name]}`);
      }
    }
    if (options.workerId === '') throw new RangeError('Worker workerId must not be empty');
    this.options = options;
    this.types = options.types ?? (Object.keys(options.handlers) as JobType[]);
    this.now = options.now ?? (() => new Date());
  }

  /** Jobs currently being handled. */
  get activeCount(): number {
    return this.running.size;
  }

  start(): void {
    if (this.state !== 'idle') throw new Error(`Worker ${this.options.workerId} was already started`);
    this.state = 'running';
    this.pump();
  }

  /** Looks for due jobs now instead of at the next poll (call after enqueueing in-process). */
  wake(): void {
    this.pump();
  }

  /**
   * Stops claiming, gives running handlers `graceMs` to finish, then aborts their signals and
   * waits until every handler has returned and its outcome is recorded. Handlers must honour
   * the signal; one that ignores it keeps `stop` waiting. Calling again returns the same promise.
   */
  stop(options: { graceMs: number } = { graceMs: 30_000 }): Promise<void> {
    if (this.stopped !== undefined) return this.stopped;
    const wasRunning = this.state === 'running';
    this.state = 'stopping';
    clearTimeout(this.pollTimer);
    this.stopped = (async () => {
      if (wasRunning) {
        await this.pumping;
        const all = () => Promise.all([...this.running.values()].map((r) => r.done));
        if (this.running.size > 0) {
          let timer: NodeJS.Timeout | undefined;
          await Promise.race([
            all(),
            new Promise((resolve) => (timer = setTimeout(resolve, options.graceMs))),
          ]);
          clearTimeout(timer);
          for (const entry of this.running.values()) {
            entry.stopAborted = true;
            entry.controller.abort(new JobAbortedError('WorkerStopping', 'The job worker is stopping'));
          }
          await all();
        }
      }
      this.state = 'stopped';
    })();
    return this.stopped;
  }

  /** Claims until the concurrency is used or nothing is due; one pass at a time. */
  private pump(): void {
    if (this.state !== 'running') return;
    if (this.pumping !== undefined) {
      this.pumpAgain = true;
      return;
    }
    clearTimeout(this.pollTimer);
    this.pumping = this.fill().finally(() => {
      this.pumping = undefined;
      if (this.state !== 'running') return;
      if (this.pumpAgain) {
        this.pumpAgain = false;
        this.pump();
      } else {
        this.pollTimer = setTimeout(() => this.pump(), this.options.pollIntervalMs);
      }
    });
  }

  private async fill(): Promise<void> {
    const { queue, workerId, leaseMs, concurrency } = this.options;
    while (this.state === 'running' && this.running.size < concurrency) {
      let job: AnyJob | undefined;
      try {
        job = await queue.claim(workerId, this.types, leaseMs);
      } catch (error) {
        this.report(error, 'claim');
        return;
      }
      if (job === undefined) return;
      if (this.state !== 'running') {
        // stop() began while we were claiming: hand the job straight back.
        await this.record(job, 'release', () => queue.release(job.id, workerId));
        return;
      }
      this.launch(job);
    }
  }

  private launch(job: AnyJob): void {
    const entry: Running = {
      job,
      controller: new AbortController(),
      leaseLost: false,
      stopAborted: false,
      done: Promise.resolve(),
    };
    this.running.set(job.id, entry);
    entry.done = this.execute(entry).finally(() => {
      this.running.delete(job.id);
      this.pump();
    });
  }

  private async execute(entry: Running): Promise<void> {
    const { job, controller } = entry;
    const { queue, workerId, leaseMs, logger } = this.options;
    const fields = { jobId: job.id, jobType: job.type, attempt: job.attempts };
    const log: WorkerLogger = {
      debug: (f, m) => logger.debug({ ...fields, ...f }, m),
      info: (f, m) => logger.info({ ...fields, ...f }, m),
      warn: (f, m) => logger.warn({ ...fields, ...f }, m),
      error: (f, m) => logger.error({ ...fields, ...f }, m),
    };
    const loseLease = () => {
      if (entry.leaseLost) return;
      entry.leaseLost = true;
      log.warn({}, 'job lease lost to another worker; aborting the handler');
      controller.abort(new JobAbortedError('LeaseLost', `Job ${job.id} is now leased to another worker`));
    };

    let beating = false;
    const beat = async () => {
      if (beating || entry.leaseLost) return;
      beating = true;
      try {
        if (!(await queue.heartbeat(job.id, workerId, leaseMs))) loseLease();
      } catch (error) {
        // The lease may still be ours; the next beat tries again, and losing it is detected then.
        this.report(error, 'heartbeat', job.id);
      } finally {
        beating = false;
      }
    };
    const timer = setInterval(() => void beat(), Math.floor(leaseMs / 3));

    const ctx: JobContext = {
      signal: controller.signal,
      log,
      heartbeat: async () => {
        if (!entry.leaseLost && !(await queue.heartbeat(job.id, workerId, leaseMs))) loseLease();
        if (entry.leaseLost) throw controller.signal.reason;
      },
      progress: async (percent) => {
        if (entry.leaseLost) return;
        try {
          if (!(await queue.progress(job.id, workerId, percent))) loseLease();
        } catch (error) {
          this.report(error, 'progress', job.id);
        }
      },
    };

    log.debug({}, 'job started');
    this.emit('job:started', { job });
    const started = performance.now();
    let outcome: Outcome;
    try {
      await runHandler(this.options.handlers, job, ctx);
      outcome = { ok: true };
    } catch (error) {
      outcome = { ok: false, error };
    } finally {
      clearInterval(timer);
    }
    await this.settle(entry, outcome, performance.now() - started, log);
  }

  private async settle(
    entry: Running,
    outcome: Outcome,
    durationMs: number,
    log: WorkerLogger,
  ): Promise<void> {
    const { job } = entry;
    const { queue, workerId } = this.options;
    if (entry.leaseLost) {
      this.emit('job:lease-lost', { job });
      return;
    }
    if (outcome.ok) {
      if (await this.record(job, 'complete', () => queue.complete(job.id, workerId))) {
        log.info({ durationMs: Math.round(durationMs) }, 'job completed');
        this.emit('job:completed', { job, durationMs });
      }
      return;
    }
    const { error } = outcome;
    const permanent = isPermanentError(error);
    if (entry.stopAborted && !permanent) {
      if (await this.record(job, 'release', () => queue.release(job.id, workerId))) {
        log.info({}, 'job handed back to the queue: the worker is stopping');
        this.emit('job:released', { job });
      }
      return;
    }
    const message = describeError(error);
    if (permanent || job.attempts >= job.maxAttempts) {
      if (await this.record(job, 'fail', () => queue.fail(job.id, workerId, message, { permanent: true }))) {
        log.warn({ err: message, permanent }, 'job failed');
        this.emit('job:failed', { job, error, permanent });
      }
      return;
    }
    const retryAt = new Date(
      this.now().getTime() + retryDelayMs(this.options.retryPolicies[job.type], job.attempts),
    );
    if (
      await this.record(job, 'fail', () =>
        queue.fail(job.id, workerId, message, { permanent: false, retryAt }),
      )
    ) {
      log.warn({ err: message, retryAt: retryAt.toISOString() }, 'job failed; will retry');
      this.emit('job:retrying', { job, error, retryAt });
    }
  }

  /**
   * Runs one lease-checked queue update. False if the lease was lost (reported as such) or the
   * queue failed; in both cases the job is left to its lease: it expires and the job is claimed
   * again, counting the attempt.
   */
  private async record(
    job: AnyJob,
    operation: 'complete' | 'fail' | 'release',
    update: () => Promise<boolean>,
  ): Promise<boolean> {
    try {
      if (await update()) return true;
      this.emit('job:lease-lost', { job });
    } catch (error) {
      this.report(error, operation, job.id);
    }
    return false;
  }

  private report(error: unknown, operation: WorkerOperation, jobId?: string): void {
    this.options.logger.error({ err: describeError(error), operation, jobId }, 'job queue operation failed');
    this.emit('worker:error', { error, operation, ...(jobId !== undefined ? { jobId } : {}) });
  }
}

/** TypeScript cannot relate `handlers[job.type]` to `job` across the union; this is that step. */
function runHandler(handlers: JobHandlers, job: AnyJob, ctx: JobContext): Promise<void> {
  const handler = handlers[job.type] as (job: AnyJob, ctx: JobContext) => Promise<void>;
  return handler(job, ctx);
}

/** The text stored as the job's `last_error`: name, code when there is one, and message. */
function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as { code?: unknown }).code;
  return `${error.name}${typeof code === 'string' ? ` (${code})` : ''}: ${error.message}`;
}
