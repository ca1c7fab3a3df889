/**
 * Every failure of this package is an `FfmpegError` with a stable `code`, so the worker can decide
 * retry policy from data instead of parsing messages:
 *
 * | code           | meaning                                                        | permanent |
 * | -------------- | -------------------------------------------------------------- | --------- |
 * | `NotAVideo`    | the input parses but has no video stream (audio, still image)  | yes       |
 * | `InvalidInput` | ffprobe cannot read the input (corrupt, truncated, not media)  | yes       |
 * | `InvalidPlan`  | a ladder plan this package cannot turn into arguments (a bug)  | yes       |
 * | `NotFound`     | the ffmpeg/ffprobe binary is missing or not executable         | no        |
 * | `FfmpegFailed` | ffmpeg exited non-zero (disk full, killed, or a decode error)  | no        |
 * | `Aborted`      | the caller's AbortSignal fired; the process has exited         | no        |
 *
 * `permanent` is a hint that retrying the same input cannot succeed; the worker's error policy is
 * the one place that acts on it. Messages carry ffmpeg's own words (stderr summary) but never
 * key material: this package is never given a key.
 */
export type FfmpegErrorCode =
  'NotAVideo' | 'InvalidInput' | 'InvalidPlan' | 'NotFound' | 'FfmpegFailed' | 'Aborted';

const PERMANENT_CODES: ReadonlySet<FfmpegErrorCode> = new Set(['NotAVideo', 'InvalidInput', 'InvalidPlan']);

export interface FfmpegErrorDetails {
  /** Exit code of the process, when it ran and exited. */
  exitCode?: number | null;
  /** Last stderr lines (at most ~50), newline-joined, for operators and job failure reasons. */
  stderrTail?: string;
  cause?: unknown;
}

export class FfmpegError extends Error {
  override readonly name = 'FfmpegError';
  readonly exitCode: number | null;
  readonly stderrTail: string;

  constructor(
    readonly code: FfmpegErrorCode,
    message: string,
    details: FfmpegErrorDetails = {},
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.exitCode = details.exitCode ?? null;
    this.stderrTail = details.stderrTail ?? '';
  }

  /** True when retrying with the same input cannot succeed (see the table above). */
  get permanent(): boolean {
    return PERMANENT_CODES.has(this.code);
  }
}

export function isFfmpegError(err: unknown, code?: FfmpegErrorCode): err is FfmpegError {
  return err instanceof FfmpegError && (code === undefined || err.code === code);
}
