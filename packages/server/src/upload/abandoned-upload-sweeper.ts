/**
 * Removes multipart uploads nobody finished. A client that stops mid-upload (closed laptop, lost
 * checkpoint) leaves its parts under `.multipart/<UploadId>/` forever otherwise: OSS does the
 * same and offers lifecycle rules to expire them; this is ours.
 *
 * An upload is abandoned once nothing happened to it (initiation, a part) for `maxIdleMs`
 * (`SECUREVOD_ABANDONED_UPLOAD_SECONDS`). The API role runs the sweep at start and then every
 * `intervalMs`; runs never overlap. Several API nodes sharing a store may all sweep: discarding
 * an upload twice is harmless.
 */
import type { MultipartUploadStore } from './multipart-upload-store.js';

export interface SweepLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

export interface AbandonedUploadSweeper {
  /** One sweep now (waits for a running one instead of overlapping); resolves to uploads removed. */
  sweep(): Promise<number>;
  /** No more sweeps; resolves once a running one has finished. */
  stop(): Promise<void>;
}

/** How often to look, for a given idle limit: a quarter of it, between 1 s and 1 h. */
export function sweepIntervalMs(maxIdleMs: number): number {
  return Math.min(3_600_000, Math.max(1000, Math.floor(maxIdleMs / 4)));
}

export function startAbandonedUploadSweeper(options: {
  uploads: Pick<MultipartUploadStore, 'sweepAbandoned'>;
  maxIdleMs: number;
  intervalMs?: number;
  log: SweepLogger;
  now?: () => number;
}): AbandonedUploadSweeper {
  const now = options.now ?? Date.now;
  let running: Promise<number> | undefined;
  const sweep = (): Promise<number> => {
    running ??= options.uploads
      .sweepAbandoned(new Date(now() - options.maxIdleMs))
      .then(
        (removed) => {
          if (removed > 0) {
            options.log.info(
              { removed, maxIdleSeconds: options.maxIdleMs / 1000 },
              'removed abandoned multipart uploads',
            );
          }
          return removed;
        },
        (err: unknown) => {
          options.log.warn({ err }, 'abandoned-upload sweep failed; retrying at the next interval');
          return 0;
        },
      )
      .finally(() => {
        running = undefined;
      });
    return running;
  };
  const timer = setInterval(() => void sweep(), options.intervalMs ?? sweepIntervalMs(options.maxIdleMs));
  timer.unref();
  void sweep();
  return {
    sweep,
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
