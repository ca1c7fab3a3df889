/**
 * The one retry table (STYLE §5, §9): per job type, how many attempts a job gets and how long a
 * worker waits between them. The composition root hands it to the queue (which fixes each job's
 * `maxAttempts` at enqueue, unless the producer names one) and to the workers (which schedule each
 * retry with `retryDelayMs`). Producers do not repeat these numbers.
 *
 * An attempt ends in a retry on any error without `permanent: true`, and also when its worker
 * dies (the lease lapses); a hand-back at shutdown does not count.
 */
import type { RetryPolicy } from './job-queue.js';
import type { JobType } from './job-types.js';

export const JOB_RETRY_POLICIES: Readonly<Record<JobType, RetryPolicy>> = {
  // A transcode that failed for a transient reason (storage, KMS, a killed worker) is worth a
  // couple more tries, spaced out so a storage outage can pass.
  transcode: { maxAttempts: 3, baseDelayMs: 10_000, maxDelayMs: 120_000 },
  // Callback endpoints hiccup; the vendor retries a few times within seconds.
  callback: { maxAttempts: 3, baseDelayMs: 1000, maxDelayMs: 4000 },
  // A remote server that failed or dropped the connection may answer a little later.
  'url-upload': { maxAttempts: 3, baseDelayMs: 5000, maxDelayMs: 60_000 },
  // Like a transcode: storage or KMS trouble passes; a bad source fails at once (permanent).
  snapshot: { maxAttempts: 3, baseDelayMs: 5000, maxDelayMs: 60_000 },
  // Detection only reads: storage or KMS trouble passes; an unreadable leak fails at once.
  'trace-extract': { maxAttempts: 2, baseDelayMs: 5000, maxDelayMs: 30_000 },
};
