/** Snapshot jobs (migration 0070): SubmitSnapshotJob and the cover snapshot at transcode. */
import type { SnapshotJobsTable, SnapshotJobStatus } from './catalogue-schema.js';
import type { Db } from './database.js';

export interface SnapshotJobRecord {
  jobId: string;
  videoId: string;
  kind: 'specified' | 'cover';
  status: SnapshotJobStatus;
  /** JSON text (catalogue/snapshot-request.ts `SnapshotRequest`). */
  request: string;
  /** JSON text (catalogue/snapshot-request.ts `SnapshotOutputs`), once the job succeeded. */
  outputs: string | null;
  userData: string | null;
  errorCode: string | null;
  errorMessage: string | null;
  creationTime: string;
  completeTime: string | null;
}

export type SnapshotJobPatch = Partial<
  Pick<SnapshotJobRecord, 'status' | 'outputs' | 'errorCode' | 'errorMessage' | 'completeTime'>
>;

function fromRow(r: SnapshotJobsTable): SnapshotJobRecord {
  return {
    jobId: r.job_id,
    videoId: r.video_id,
    kind: r.kind,
    status: r.status,
    request: r.request,
    outputs: r.outputs,
    userData: r.user_data,
    errorCode: r.error_code,
    errorMessage: r.error_message,
    creationTime: r.creation_time,
    completeTime: r.complete_time,
  };
}

export function createSnapshotStore(db: Db, options: { now?: () => Date } = {}) {
  const { kysely } = db;
  return {
    now: () => (options.now?.() ?? new Date()).toISOString(),
    async insert(job: Omit<SnapshotJobRecord, 'creationTime'>): Promise<void> {
      await kysely
        .insertInto('snapshot_jobs')
        .values({
          job_id: job.jobId,
          video_id: job.videoId,
          kind: job.kind,
          status: job.status,
          request: job.request,
          outputs: job.outputs,
          user_data: job.userData,
          error_code: job.errorCode,
          error_message: job.errorMessage,
          creation_time: this.now(),
          complete_time: job.completeTime,
        })
        .execute();
    },
    async find(jobId: string): Promise<SnapshotJobRecord | undefined> {
      const row = await kysely
        .selectFrom('snapshot_jobs')
        .selectAll()
        .where('job_id', '=', jobId)
        .executeTakeFirst();
      return row ? fromRow(row) : undefined;
    },
    async update(jobId: string, patch: SnapshotJobPatch): Promise<void> {
      await kysely
        .updateTable('snapshot_jobs')
        .set({
          ...(patch.status !== undefined && { status: patch.status }),
          ...(patch.outputs !== undefined && { outputs: patch.outputs }),
          ...(patch.errorCode !== undefined && { error_code: patch.errorCode }),
          ...(patch.errorMessage !== undefined && { error_message: patch.errorMessage }),
          ...(patch.completeTime !== undefined && { complete_time: patch.completeTime }),
        })
        .where('job_id', '=', jobId)
        .execute();
    },
    /** The video's successful jobs, newest first. */
    async listSucceeded(videoId: string): Promise<SnapshotJobRecord[]> {
      const rows = await kysely
        .selectFrom('snapshot_jobs')
        .selectAll()
        .where('video_id', '=', videoId)
        .where('status', '=', 'Success')
        .orderBy('creation_time', 'desc')
        .orderBy('job_id', 'desc')
        .execute();
      return rows.map(fromRow);
    },
    async deleteForVideo(videoId: string): Promise<void> {
      await kysely.deleteFrom('snapshot_jobs').where('video_id', '=', videoId).execute();
    },
  };
}

export type SnapshotStore = ReturnType<typeof createSnapshotStore>;
