/** Kysely table types of the media catalogue (migration 0002). Same portability rules as schema.ts. */
import type { IsoTimestamp } from './schema.js';

export type VideoStatus =
  | 'Uploading'
  | 'UploadFail'
  | 'UploadSucc'
  | 'Transcoding'
  | 'TranscodeFail'
  | 'Checking'
  | 'Blocked'
  | 'Normal'
  | 'ProduceFail';

export interface VideosTable {
  video_id: string;
  title: string;
  description: string | null;
  file_name: string;
  file_size: number | null;
  cover_url: string | null;
  cate_id: number | null;
  tags: string | null;
  template_group_id: string;
  storage_location: string;
  app_id: string;
  /** JSON text of UserData as the caller sent it. */
  user_data: string | null;
  status: VideoStatus;
  /** Why TranscodeFail / UploadFail, in words a person can act on. */
  status_reason: string | null;
  /** Object key of the source (mezzanine) file. */
  source_key: string;
  source_size: number | null;
  source_etag: string | null;
  duration: number | null;
  width: number | null;
  height: number | null;
  fps: number | null;
  bitrate: number | null;
  /** JSON text: the probe summary (streams) for GetMezzanineInfo. */
  mezzanine: string | null;
  /** 0–100 while Transcoding (updated about once a second), null otherwise. */
  transcode_progress: number | null;
  download_switch: 'on' | 'off';
  /** KMS blob of the video's 32-byte data key (context: purpose video-data-key + videoId). */
  data_key_ciphertext: string | null;
  creation_time: IsoTimestamp;
  modification_time: IsoTimestamp;
  /** When DeleteMezzanines removed the source (migration 0022); null while it exists. */
  mezzanine_deleted_at: IsoTimestamp | null;
}

export interface UploadCredentialsTable {
  access_key_id: string;
  video_id: string;
  /** KMS blob of the temporary AccessKeySecret. */
  secret_ciphertext: string;
  security_token_sha256: string;
  bucket: string;
  object_key: string;
  expires_at: IsoTimestamp;
  created_at: IsoTimestamp;
}

export type EncryptScheme = 'none' | 'aes-128' | 'aes-256-gcm';

export interface StreamsTable {
  stream_id: string;
  video_id: string;
  job_id: string;
  definition: string;
  format: string;
  width: number;
  height: number;
  bitrate_kbps: number;
  fps: number;
  duration: number;
  size: number;
  encrypt_scheme: EncryptScheme;
  /** `AliyunVoDEncryption` (private) or `HLSEncryption` (standard), null when clear. */
  encrypt_type: string | null;
  key_rotation_segments: number;
  /** Customer-managed key (SubmitTranscodeJobs EncryptConfig): their KMS blob and key URI. */
  customer_key_ciphertext: string | null;
  customer_key_uri: string | null;
  /** Object-key prefix of this stream's files, e.g. `videos/<id>/hls/<job>/hd/`. */
  storage_prefix: string;
  playlist_key: string;
  segment_count: number;
  status: 'Normal' | 'Invisible';
  creation_time: IsoTimestamp;
  /** Leak tracing: 1 when stored as variants A and B (migration 0081). */
  traced: 0 | 1;
}

export interface TemplateGroupsTable {
  template_group_id: string;
  name: string;
  is_default: 0 | 1;
  locked: 0 | 1;
  /** `no-transcode` for the special group that only stores the source; null otherwise. */
  special: string | null;
  app_id: string;
  /** JSON text: TranscodeTemplate[] (templates/transcode-template.ts). */
  templates: string;
  creation_time: IsoTimestamp;
  modify_time: IsoTimestamp;
}

/** Migration 0020. `parent_id` -1 = top level (the virtual root). */
export interface CategoriesTable {
  cate_id: number;
  cate_name: string;
  parent_id: number;
  /** 0 = top level, at most 2. */
  level: number;
  type: 'default' | 'material';
  app_id: string;
  creation_time: IsoTimestamp;
  modification_time: IsoTimestamp;
}

export type UrlUploadStatus =
  | 'PENDING'
  | 'PROCESSING'
  | 'DOWNLOADING'
  | 'DOWNLOAD_SUCCESS'
  | 'DOWNLOAD_FAIL'
  | 'UPLOAD_SUCCESS'
  | 'UPLOAD_FAIL'
  | 'SUCCESS';

/** Migration 0021: one submitted URL of UploadMediaByURL. */
export interface UrlUploadsTable {
  job_id: string;
  /** The URL as submitted (decoded). */
  upload_url: string;
  /** The video, once the pull created it. */
  media_id: string | null;
  status: UrlUploadStatus;
  /** Bytes fetched so far (all of them once done). */
  file_size: number | null;
  user_data: string | null;
  /** JSON text: the validated UploadMetadata that applies to this URL (title, category, group …). */
  metadata: string;
  app_id: string;
  error_code: string | null;
  error_message: string | null;
  creation_time: IsoTimestamp;
  complete_time: IsoTimestamp | null;
}

export type ImageStatus = 'Uploading' | 'Normal' | 'UploadFail';

/** Migration 0070: an image of CreateUploadImage (reference-more §2). */
export interface ImagesTable {
  image_id: string;
  /** `default` or `cover`. */
  image_type: string;
  /** `png`, `jpg`, `jpeg`, `gif`, `webp` or `heic` (lower case, no dot). */
  image_ext: string;
  title: string | null;
  description: string | null;
  tags: string | null;
  cate_id: number | null;
  storage_location: string;
  app_id: string;
  user_data: string | null;
  original_file_name: string | null;
  status: ImageStatus;
  /** `images/<ImageId>/image.<ext>`. */
  object_key: string;
  file_size: number | null;
  creation_time: IsoTimestamp;
  modification_time: IsoTimestamp;
}

export type SnapshotJobStatus = 'Queued' | 'Processing' | 'Success' | 'Fail';

/** Migration 0070: one snapshot job (SubmitSnapshotJob, or the cover snapshot at transcode). */
export interface SnapshotJobsTable {
  job_id: string;
  video_id: string;
  /** `specified` (SubmitSnapshotJob) or `cover` (automatic, at transcode). */
  kind: 'specified' | 'cover';
  status: SnapshotJobStatus;
  /** JSON text: the validated request (snapshot-request.ts). */
  request: string;
  /** JSON text: what the job stored, per snapshot type (snapshot-request.ts `SnapshotOutputs`). */
  outputs: string | null;
  user_data: string | null;
  error_code: string | null;
  error_message: string | null;
  creation_time: IsoTimestamp;
  complete_time: IsoTimestamp | null;
}

export interface CatalogueTables {
  images: ImagesTable;
  snapshot_jobs: SnapshotJobsTable;
  videos: VideosTable;
  categories: CategoriesTable;
  url_uploads: UrlUploadsTable;
  upload_credentials: UploadCredentialsTable;
  streams: StreamsTable;
  template_groups: TemplateGroupsTable;
}
