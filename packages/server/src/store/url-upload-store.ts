/** URL pull uploads (migration 0021): one row per submitted URL, read by GetURLUploadInfos. */
import type { UrlUploadsTable, UrlUploadStatus } from './catalogue-schema.js';
import type { Db } from './database.js';

/** What applies to one URL, checked at submission (UploadMediaByURL's UploadMetadatas). */
export interface UrlUploadMetadata {
  title: string;
  description?: string;
  coverUrl?: string;
  cateId?: number;
  tags?: string;
  templateGroupId: string;
  /** With a leading dot, lower case: `.mp4`. */
  fileExtension: string;
  storageLocation: string;
}

export interface UrlUploadRecord {
  jobId: string;
  uploadUrl: string;
  mediaId: string | null;
  status: UrlUploadStatus;
  fileSize: number | null;
  userData: string | null;
  metadata: UrlUploadMetadata;
  appId: string;
  errorCode: string | null;
  errorMessage: string | null;
  creationTime: string;
  completeTime: string | null;
}

export type UrlUploadPatch = Partial<
  Pick<UrlUploadRecord, 'mediaId' | 'status' | 'fileSize' | 'errorCode' | 'errorMessage' | 'completeTime'>
>;

function fromRow(r: UrlUploadsTable): UrlUploadRecord {
  return {
    jobId: r.job_id,
    uploadUrl: r.upload_url,
    mediaId: r.media_id,
    status: r.status,
    fileSize: r.file_size === null ? null : Number(r.file_size),
    userData: r.user_data,
    metadata: JSON.parse(r.metadata) as UrlUploadMetadata,
    appId: r.app_id,
    errorCode: r.error_code,
    errorMessage: r.error_message,
    creationTime: r.creation_time,
    completeTime: r.complete_time,
  };
}

export function createUrlUploadStore(db: Db, options: { now?: () => Date } = {}) {
  const { kysely } = db;
  const now = () => (options.now?.() ?? new Date()).toISOString();
  return {
    now,

    async insertMany(
      records: Pick<UrlUploadRecord, 'jobId' | 'uploadUrl' | 'userData' | 'metadata' | 'appId'>[],
    ): Promise<void> {
      if (records.length === 0) return;
      const time = now();
      await kysely
        .insertInto('url_uploads')
        .values(
          records.map((r) => ({
            job_id: r.jobId,
            upload_url: r.uploadUrl,
            media_id: null,
            status: 'PENDING' as const,
            file_size: null,
            user_data: r.userData,
            metadata: JSON.stringify(r.metadata),
            app_id: r.appId,
            error_code: null,
            error_message: null,
            creation_time: time,
            complete_time: null,
          })),
        )
        .execute();
    },

    async find(jobId: string): Promise<UrlUploadRecord | undefined> {
      const row = await kysely
        .selectFrom('url_uploads')
        .selectAll()
        .where('job_id', '=', jobId)
        .executeTakeFirst();
      return row ? fromRow(row) : undefined;
    },

    async findMany(jobIds: readonly string[]): Promise<UrlUploadRecord[]> {
      if (jobIds.length === 0) return [];
      const rows = await kysely.selectFrom('url_uploads').selectAll().where('job_id', 'in', jobIds).execute();
      return rows.map(fromRow);
    },

    /** Every pull of these URLs, newest first, at most `limit`. */
    async findByUrls(urls: readonly string[], limit: number): Promise<UrlUploadRecord[]> {
      if (urls.length === 0) return [];
      const rows = await kysely
        .selectFrom('url_uploads')
        .selectAll()
        .where('upload_url', 'in', urls)
        .orderBy('creation_time', 'desc')
        .orderBy('job_id')
        .limit(limit)
        .execute();
      return rows.map(fromRow);
    },

    async update(jobId: string, patch: UrlUploadPatch): Promise<void> {
      const row: Partial<UrlUploadsTable> = {};
      if (patch.mediaId !== undefined) row.media_id = patch.mediaId;
      if (patch.status !== undefined) row.status = patch.status;
      if (patch.fileSize !== undefined) row.file_size = patch.fileSize;
      if (patch.errorCode !== undefined) row.error_code = patch.errorCode;
      if (patch.errorMessage !== undefined) row.error_message = patch.errorMessage;
      if (patch.completeTime !== undefined) row.complete_time = patch.completeTime;
      await kysely.updateTable('url_uploads').set(row).where('job_id', '=', jobId).execute();
    },
  };
}

export type UrlUploadStore = ReturnType<typeof createUrlUploadStore>;
