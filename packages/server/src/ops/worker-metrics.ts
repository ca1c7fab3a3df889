/** Feeds a job worker's events into the job metrics (`securevod_job_duration_seconds`, …). */
import type { AnyJob } from '../jobs/job-queue.js';
import type { Worker } from '../jobs/worker.js';
import type { JobOutcome, ServerMetrics } from './metrics.js';

export function observeWorker(worker: Worker, metrics: ServerMetrics): void {
  const started = new Map<string, number>();
  const finish = (job: AnyJob, outcome: JobOutcome) => {
    const at = started.get(job.id);
    started.delete(job.id);
    if (at !== undefined) metrics.jobFinished(job.type, outcome, (performance.now() - at) / 1000);
  };
  worker.on('job:started', ({ job }) => void started.set(job.id, performance.now()));
  worker.on('job:completed', ({ job }) => finish(job, 'succeeded'));
  worker.on('job:retrying', ({ job }) => finish(job, 'retrying'));
  worker.on('job:failed', ({ job }) => finish(job, 'failed'));
  worker.on('job:released', ({ job }) => finish(job, 'released'));
  worker.on('job:lease-lost', ({ job }) => finish(job, 'lease-lost'));
}
