/**
 * Leak extraction jobs (migration 0085): SubmitDigitalWatermarkExtractJob writes one, the
 * `trace-extract` worker job (trace/trace-extract-job-handler.ts) fills in progress and the
 * outcome, GetDigitalWatermarkExtractResult reads them back.
 */
import type { Db } from './database.js';
import type { TraceExtractJobsTable, TraceExtractStatus } from './trace-schema.js';

export interface TraceExtractJobRecord {
  jobId: string;
  mediaId: string;
  sourceVideoId: string;
  extractType: string;
  status: TraceExtractStatus;
  progress: number;
  waterMarkText: string | null;
  /** JSON text of the detector's report, once done. */
  report: string | null;
  errorMessage: string | null;
  createTime: string;
  modifyTime: string;
}

export type TraceExtractJobPatch = Partial<
  Pick<TraceExtractJobRecord, 'status' | 'progress' | 'waterMarkText' | 'report' | 'errorMessage'>
>;

function fromRow(r: TraceExtractJobsTable): TraceExtractJobRecord {
  return {
    jobId: r.job_id,
    mediaId: r.media_id,
    sourceVideoId: r.source_video_id,
    extractType: r.extract_type,
    status: r.status,
    progress: Number(r.progress),
    waterMarkText: r.water_mark_text,
    report: r.report,
    errorMessage: r.error_message,
    createTime: r.create_time,
    modifyTime: r.modify_time,
  };
}

export function createTraceExtractJobStore(db: Db, options: { now?: () => Date } = {}) {
  const { kysely } = db;
  const now = () => (options.now?.() ?? new Date()).toISOString();
  return {
    now,
    async insert(
      job: Pick<TraceExtractJobRecord, 'jobId' | 'mediaId' | 'sourceVideoId' | 'extractType'>,
    ): Promise<TraceExtractJobRecord> {
      const at = now();
      const row: TraceExtractJobsTable = {
        job_id: job.jobId,
        media_id: job.mediaId,
        source_video_id: job.sourceVideoId,
        extract_type: job.extractType,
        status: 'Processing',
        progress: 0,
        water_mark_text: null,
        report: null,
        error_message: null,
        create_time: at,
        modify_time: at,
      };
      await kysely.insertInto('trace_extract_jobs').values(row).execute();
      return fromRow(row);
    },
    async find(jobId: string): Promise<TraceExtractJobRecord | undefined> {
      const row = await kysely
        .selectFrom('trace_extract_jobs')
        .selectAll()
        .where('job_id', '=', jobId)
        .executeTakeFirst();
      return row ? fromRow(row) : undefined;
    },
    /** The jobs run on one leaked copy, newest first. */
    async listForMedia(mediaId: string): Promise<TraceExtractJobRecord[]> {
      const rows = await kysely
        .selectFrom('trace_extract_jobs')
        .selectAll()
        .where('media_id', '=', mediaId)
        .orderBy('create_time', 'desc')
        .orderBy('job_id', 'desc')
        .execute();
      return rows.map(fromRow);
    },
    async update(jobId: string, patch: TraceExtractJobPatch): Promise<void> {
      await kysely
        .updateTable('trace_extract_jobs')
        .set({
          ...(patch.status !== undefined && { status: patch.status }),
          ...(patch.progress !== undefined && { progress: patch.progress }),
          ...(patch.waterMarkText !== undefined && { water_mark_text: patch.waterMarkText }),
          ...(patch.report !== undefined && { report: patch.report }),
          ...(patch.errorMessage !== undefined && { error_message: patch.errorMessage }),
          modify_time: now(),
        })
        .where('job_id', '=', jobId)
        .execute();
    },
  };
}

export type TraceExtractJobStore = ReturnType<typeof createTraceExtractJobStore>;
