/**
 * Videos of the catalogue. Rows are returned as `VideoRecord` (camelCase); status changes go
 * through `transition`, which only moves a video from an expected status, so two workers or a
 * delete racing a transcode cannot both win.
 */
import { sql } from 'kysely';
import type { Db } from './database.js';
import type { EncryptScheme, VideosTable, VideoStatus } from './catalogue-schema.js';

export interface VideoRecord {
  videoId: string;
  title: string;
  description: string | null;
  fileName: string;
  fileSize: number | null;
  coverUrl: string | null;
  cateId: number | null;
  tags: string | null;
  templateGroupId: string;
  storageLocation: string;
  appId: string;
  userData: string | null;
  status: VideoStatus;
  statusReason: string | null;
  sourceKey: string;
  sourceSize: number | null;
  sourceEtag: string | null;
  duration: number | null;
  width: number | null;
  height: number | null;
  fps: number | null;
  bitrate: number | null;
  mezzanine: string | null;
  transcodeProgress: number | null;
  downloadSwitch: 'on' | 'off';
  dataKeyCiphertext: string | null;
  /** When DeleteMezzanines removed the source; null while it exists. */
  mezzanineDeletedAt: string | null;
  creationTime: string;
  modificationTime: string;
  /** The category's name, resolved at read time (null without a category or for a stale id). */
  cateName: string | null;
}

export type VideoPatch = Partial<
  Omit<VideoRecord, 'videoId' | 'creationTime' | 'modificationTime' | 'cateName'>
>;
export type NewVideo = Omit<
  VideoRecord,
  'creationTime' | 'modificationTime' | 'cateName' | 'mezzanineDeletedAt'
>;

export interface VideoListQuery {
  statuses?: readonly VideoStatus[];
  cateId?: number;
  startTime?: string;
  endTime?: string;
  storageLocation?: string;
  /** Only videos with at least one published (Normal) stream in this scheme. */
  encryptScheme?: EncryptScheme;
  /** Only videos of these apps (access control's app scope); absent = every app. */
  appIds?: readonly string[];
  ascending: boolean;
  offset: number;
  limit: number;
}

const toColumn: Record<keyof VideoPatch, keyof VideosTable> = {
  title: 'title',
  description: 'description',
  fileName: 'file_name',
  fileSize: 'file_size',
  coverUrl: 'cover_url',
  cateId: 'cate_id',
  tags: 'tags',
  templateGroupId: 'template_group_id',
  storageLocation: 'storage_location',
  appId: 'app_id',
  userData: 'user_data',
  status: 'status',
  statusReason: 'status_reason',
  sourceKey: 'source_key',
  sourceSize: 'source_size',
  sourceEtag: 'source_etag',
  duration: 'duration',
  width: 'width',
  height: 'height',
  fps: 'fps',
  bitrate: 'bitrate',
  mezzanine: 'mezzanine',
  transcodeProgress: 'transcode_progress',
  downloadSwitch: 'download_switch',
  dataKeyCiphertext: 'data_key_ciphertext',
  mezzanineDeletedAt: 'mezzanine_deleted_at',
};

function toRow(patch: VideoPatch): Partial<VideosTable> {
  const row: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(patch)) {
    const column = toColumn[key as keyof VideoPatch] as keyof VideosTable | undefined;
    if (value !== undefined && column !== undefined) row[column] = value;
  }
  return row as Partial<VideosTable>;
}

/** A row of `selectVideos`: the video and its category's name. */
export type VideoRow = VideosTable & { cate_name: string | null };

export function fromRow(row: VideoRow): VideoRecord {
  return {
    videoId: row.video_id,
    title: row.title,
    description: row.description,
    fileName: row.file_name,
    fileSize: row.file_size,
    coverUrl: row.cover_url,
    cateId: row.cate_id,
    tags: row.tags,
    templateGroupId: row.template_group_id,
    storageLocation: row.storage_location,
    appId: row.app_id,
    userData: row.user_data,
    status: row.status,
    statusReason: row.status_reason,
    sourceKey: row.source_key,
    sourceSize: row.source_size,
    sourceEtag: row.source_etag,
    duration: row.duration,
    width: row.width,
    height: row.height,
    fps: row.fps,
    bitrate: row.bitrate,
    mezzanine: row.mezzanine,
    transcodeProgress: row.transcode_progress,
    downloadSwitch: row.download_switch,
    dataKeyCiphertext: row.data_key_ciphertext,
    mezzanineDeletedAt: row.mezzanine_deleted_at ?? null,
    creationTime: row.creation_time,
    modificationTime: row.modification_time,
    cateName: row.cate_name ?? null,
  };
}

/**
 * Every read of videos starts here: the videos with their category's name joined in. Columns
 * both tables have (`cate_id`, `creation_time`, …) must be qualified as `videos.…` in filters.
 */
export function selectVideos(db: Db) {
  return db.kysely
    .selectFrom('videos')
    .leftJoin('categories', 'categories.cate_id', 'videos.cate_id')
    .selectAll('videos')
    .select('categories.cate_name as cate_name');
}

export function createVideoStore(db: Db, options: { now?: () => Date } = {}) {
  const { kysely } = db;
  const now = () => (options.now?.() ?? new Date()).toISOString();
  return {
    async insert(video: NewVideo): Promise<VideoRecord> {
      const time = now();
      const row = {
        ...(toRow(video) as VideosTable),
        video_id: video.videoId,
        mezzanine_deleted_at: null,
        creation_time: time,
        modification_time: time,
      };
      await kysely.insertInto('videos').values(row).execute();
      return (await this.find(video.videoId)) ?? fromRow({ ...row, cate_name: null });
    },

    async find(videoId: string): Promise<VideoRecord | undefined> {
      const row = await selectVideos(db).where('videos.video_id', '=', videoId).executeTakeFirst();
      return row ? fromRow(row) : undefined;
    },

    async findMany(videoIds: readonly string[]): Promise<VideoRecord[]> {
      if (videoIds.length === 0) return [];
      const rows = await selectVideos(db).where('videos.video_id', 'in', videoIds).execute();
      return rows.map(fromRow);
    },

    async update(videoId: string, patch: VideoPatch): Promise<boolean> {
      const result = await kysely
        .updateTable('videos')
        .set({ ...toRow(patch), modification_time: now() })
        .where('video_id', '=', videoId)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    },

    /**
     * Stores the video's wrapped data key unless it already has one; false if it had one (or is
     * gone). The first writer wins, so concurrent uploads of one video agree on its key.
     */
    async setDataKeyIfAbsent(videoId: string, dataKeyCiphertext: string): Promise<boolean> {
      const result = await kysely
        .updateTable('videos')
        .set({ data_key_ciphertext: dataKeyCiphertext, modification_time: now() })
        .where('video_id', '=', videoId)
        .where('data_key_ciphertext', 'is', null)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    },

    /** Moves the status only from one of `from`; false if the video was elsewhere (or gone). */
    async transition(
      videoId: string,
      from: readonly VideoStatus[],
      patch: VideoPatch & { status: VideoStatus },
    ) {
      const result = await kysely
        .updateTable('videos')
        .set({ ...toRow(patch), modification_time: now() })
        .where('video_id', '=', videoId)
        .where('status', 'in', from)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    },

    async list(query: VideoListQuery): Promise<{ total: number; videos: VideoRecord[] }> {
      let base = kysely.selectFrom('videos');
      if (query.statuses && query.statuses.length > 0) base = base.where('status', 'in', query.statuses);
      if (query.cateId !== undefined) base = base.where('cate_id', '=', query.cateId);
      if (query.startTime) base = base.where('creation_time', '>=', query.startTime);
      if (query.endTime) base = base.where('creation_time', '<=', query.endTime);
      if (query.storageLocation) base = base.where('storage_location', '=', query.storageLocation);
      const scheme = query.encryptScheme;
      if (scheme) base = base.where(hasPublishedStream(scheme));
      if (query.appIds !== undefined) {
        if (query.appIds.length === 0) return { total: 0, videos: [] };
        base = base.where('app_id', 'in', query.appIds);
      }
      const counted = await base.select((eb) => eb.fn.countAll<number | string>().as('n')).executeTakeFirst();
      const direction = query.ascending ? 'asc' : 'desc';
      let page = selectVideos(db);
      if (query.statuses && query.statuses.length > 0)
        page = page.where('videos.status', 'in', query.statuses);
      if (query.cateId !== undefined) page = page.where('videos.cate_id', '=', query.cateId);
      if (query.startTime) page = page.where('videos.creation_time', '>=', query.startTime);
      if (query.endTime) page = page.where('videos.creation_time', '<=', query.endTime);
      if (query.storageLocation) page = page.where('videos.storage_location', '=', query.storageLocation);
      if (query.appIds !== undefined) page = page.where('videos.app_id', 'in', query.appIds);
      if (scheme) page = page.where(hasPublishedStream(scheme));
      const rows = await page
        .orderBy('videos.creation_time', direction)
        .orderBy('videos.video_id', direction)
        .offset(query.offset)
        .limit(query.limit)
        .execute();
      return { total: Number(counted?.n ?? 0), videos: rows.map(fromRow) };
    },

    /**
     * Deletes the video's row and with it the only copy of its wrapped data key, which is what
     * makes the stored ciphertext unreadable (crypto-shredding, DESIGN §4). On SQLite the row's
     * bytes would survive in the write-ahead log until it is reused, so the WAL is checkpointed
     * and truncated here; the database opens with `secure_delete`, so the checkpointed page holds
     * zeros where the row was.
     */
    async delete(videoId: string): Promise<boolean> {
      const result = await kysely.deleteFrom('videos').where('video_id', '=', videoId).executeTakeFirst();
      const deleted = Number(result.numDeletedRows) > 0;
      if (deleted && db.dialect === 'sqlite') await sql`PRAGMA wal_checkpoint(TRUNCATE)`.execute(kysely);
      return deleted;
    },

    /** Videos left in a working status (e.g. by a crash), for recovery at start. */
    async listByStatus(status: VideoStatus): Promise<VideoRecord[]> {
      const rows = await selectVideos(db).where('videos.status', '=', status).execute();
      return rows.map(fromRow);
    },
  };
}

export type VideoStore = ReturnType<typeof createVideoStore>;

/**
 * `EXISTS` a published (Normal) stream of the row's video in `scheme`; plain SQL so it fits both
 * the count (videos) and the page (videos joined with categories). `scheme` is a bound parameter.
 */
function hasPublishedStream(scheme: EncryptScheme) {
  return sql<boolean>`exists (select 1 from streams where streams.video_id = videos.video_id and streams.status = 'Normal' and streams.encrypt_scheme = ${scheme})`;
}
