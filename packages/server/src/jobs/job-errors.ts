/**
 * Errors that steer jobs (STYLE §5). The worker decides retry from one property: an error with
 * `permanent === true` ends the job at once; anything else is retried with backoff. The check is
 * duck-typed so packages that must not import the server (e.g. `FfmpegError` from
 * @securevod/ffmpeg, whose `permanent` getter marks bad input) steer jobs too.
 */
export type JobErrorCode =
  /** Retrying cannot help (bad input, a missing video); the job fails without retries. */
  | 'PermanentFailure'
  /** Another worker took over the job after this worker's lease ran out. */
  | 'LeaseLost'
  /** The worker is shutting down; the job goes back to the queue. */
  | 'WorkerStopping';

/** Throw from a handler when retrying the same job cannot succeed. */
export class PermanentJobError extends Error {
  override readonly name = 'PermanentJobError';
  readonly code: JobErrorCode = 'PermanentFailure';
  readonly permanent = true;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/**
 * The reason of a handler's aborted `signal`: the lease was lost or the worker is stopping.
 * Handlers need not catch it; whatever they throw after an abort is handled by the worker.
 */
export class JobAbortedError extends Error {
  override readonly name = 'JobAbortedError';
  constructor(
    readonly code: 'LeaseLost' | 'WorkerStopping',
    message: string,
  ) {
    super(message);
  }
}

/** True for any error carrying `permanent === true` (see the header). */
export function isPermanentError(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { permanent?: unknown }).permanent === true;
}
