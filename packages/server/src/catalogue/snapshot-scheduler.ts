/**
 * Queues snapshot jobs: SubmitSnapshotJob's, and the cover snapshot the transcode job asks for
 * when a video has no cover yet (as the vendor takes CoverSnapshots at upload). The request and
 * the outcome live in the `snapshot_jobs` row; the queued `snapshot` job only names it, so the
 * database queue and BullMQ carry it alike.
 */
import { randomUUID } from 'node:crypto';
import type { JobQueue } from '../jobs/job-queue.js';
import type { SnapshotStore } from '../store/snapshot-store.js';
import { COVER_REQUEST, type SnapshotRequest } from './snapshot-plan.js';

export class SnapshotScheduler {
  constructor(
    private readonly deps: {
      snapshots: SnapshotStore;
      queue: Pick<JobQueue, 'enqueue'>;
      wake?: () => void;
    },
  ) {}

  async submit(
    videoId: string,
    request: SnapshotRequest,
    options: { kind?: 'specified' | 'cover'; userData?: string } = {},
  ): Promise<string> {
    const jobId = randomUUID().replaceAll('-', '');
    await this.deps.snapshots.insert({
      jobId,
      videoId,
      kind: options.kind ?? 'specified',
      status: 'Queued',
      request: JSON.stringify(request),
      outputs: null,
      userData: options.userData ?? null,
      errorCode: null,
      errorMessage: null,
      completeTime: null,
    });
    await this.deps.queue.enqueue('snapshot', { jobId });
    this.deps.wake?.();
    return jobId;
  }

  /** The automatic cover snapshot of a freshly transcoded video without a cover. */
  submitCover(videoId: string): Promise<string> {
    return this.submit(videoId, COVER_REQUEST, { kind: 'cover' });
  }
}
