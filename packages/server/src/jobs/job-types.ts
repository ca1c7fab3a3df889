/**
 * The typed job registry (STYLE §6): every job type and its payload. A worker's handler table is
 * `Record<JobType, Handler>`, so adding a type without a handler does not compile.
 */
export interface JobPayloads {
  /** Transcode and package one video with a template group. */
  transcode: {
    videoId: string;
    templateGroupId: string;
    jobId: string;
    /** Customer-managed key (SubmitTranscodeJobs EncryptConfig). */
    encryptConfig?: { cipherText: string; decryptKeyUri: string };
    userData?: { callbackUrl?: string; extend?: string };
    /** GetTranscodeTask `Trigger`: `Auto` after an upload, `Manual` from SubmitTranscodeJobs. */
    trigger?: 'Auto' | 'Manual';
  };
  /** Deliver one event to an HTTP callback endpoint. */
  callback: {
    url: string;
    body: Record<string, unknown>;
    /** Whether to add X-VOD-TIMESTAMP / X-VOD-SIGNATURE (the key is read at send time). */
    signed: boolean;
  };
  /**
   * Pull one URL of UploadMediaByURL into storage (streamed), then the normal upload path. The
   * URL, metadata and progress live in the `url_uploads` row; the payload only names it.
   */
  'url-upload': {
    jobId: string;
  };
  /**
   * Snapshots of one video (SubmitSnapshotJob, or the cover snapshot at transcode). The request
   * and the outcome live in the `snapshot_jobs` row; the payload only names it.
   */
  snapshot: {
    jobId: string;
  };
  /**
   * One leak extraction (SubmitDigitalWatermarkExtractJob, issue 13). The request, progress and
   * outcome live in the `trace_extract_jobs` row; the payload only names it.
   */
  'trace-extract': {
    jobId: string;
  };
}

export type JobType = keyof JobPayloads;
export const JOB_TYPES: readonly JobType[] = [
  'transcode',
  'callback',
  'url-upload',
  'snapshot',
  'trace-extract',
];
