/** Kysely table types of leak tracing (issue 13; migration 0080 and later). See schema.ts for the rules. */
import type { IsoTimestamp } from './schema.js';

export type TraceSessionKind = 'play' | 'download';

/** Migration 0080: one issued trace ID — a PlayAuth, a PlayInfo or a Secure download. */
export interface TraceSessionsTable {
  /** Our id for the issuance (random); the session a player's tokens carry. */
  session_id: string;
  video_id: string;
  /** The code-word seed: the customer's `Trace`, or our session id when none was given. */
  trace_id: string;
  /** What the customer passed as `Trace` or `ViewerId`, verbatim; null if nothing. */
  viewer_id: string | null;
  kind: TraceSessionKind;
  client_ip: string | null;
  /** The AccessKey that asked for the PlayAuth / PlayInfo / download; null for anonymous flows. */
  access_key_id: string | null;
  issued_at: IsoTimestamp;
}

/** GetDigitalWatermarkExtractResult `Status`. */
export type TraceExtractStatus = 'Processing' | 'Success' | 'Failed';

/** Migration 0085: one leak extraction job (SubmitDigitalWatermarkExtractJob). */
export interface TraceExtractJobsTable {
  job_id: string;
  /** The leaked copy: an uploaded video. */
  media_id: string;
  /** The traced original the leak is compared with (our extension `SourceVideoId`). */
  source_video_id: string;
  extract_type: string;
  status: TraceExtractStatus;
  /** 0–100 while Processing. */
  progress: number;
  /** The named trace ID; null or empty while processing, on failure and on "no match". */
  water_mark_text: string | null;
  /** JSON text: the detector's report (trace/leak-detector.ts DetectionReport), once done. */
  report: string | null;
  error_message: string | null;
  create_time: IsoTimestamp;
  modify_time: IsoTimestamp;
}

export interface TraceTables {
  trace_sessions: TraceSessionsTable;
  trace_extract_jobs: TraceExtractJobsTable;
}
