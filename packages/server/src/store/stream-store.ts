/**
 * Transcoded streams (one per rendition and job). A job's streams are published together in
 * `publish`, in one transaction with the video's move to Normal: a reader never sees half a job.
 */
import type { EncryptScheme, StreamsTable, VideoStatus } from './catalogue-schema.js';
import type { Db } from './database.js';

export interface StreamRecord {
  streamId: string;
  videoId: string;
  jobId: string;
  definition: string;
  format: string;
  width: number;
  height: number;
  bitrateKbps: number;
  fps: number;
  duration: number;
  size: number;
  encryptScheme: EncryptScheme;
  encryptType: string | null;
  keyRotationSegments: number;
  customerKeyCiphertext: string | null;
  customerKeyUri: string | null;
  storagePrefix: string;
  playlistKey: string;
  segmentCount: number;
  status: 'Normal' | 'Invisible';
  creationTime: string;
  /**
   * Leak tracing (docs/tracing.md): the rendition is stored as variants A and B under
   * `storagePrefix` (`a/seg_N…`, `b/seg_N…`, one shared `init.mp4`); its `index.m3u8` names A.
   */
  traced?: boolean;
}

function toRow(s: StreamRecord): StreamsTable {
  return {
    stream_id: s.streamId,
    video_id: s.videoId,
    job_id: s.jobId,
    definition: s.definition,
    format: s.format,
    width: s.width,
    height: s.height,
    bitrate_kbps: s.bitrateKbps,
    fps: s.fps,
    duration: s.duration,
    size: s.size,
    encrypt_scheme: s.encryptScheme,
    encrypt_type: s.encryptType,
    key_rotation_segments: s.keyRotationSegments,
    customer_key_ciphertext: s.customerKeyCiphertext,
    customer_key_uri: s.customerKeyUri,
    storage_prefix: s.storagePrefix,
    playlist_key: s.playlistKey,
    segment_count: s.segmentCount,
    status: s.status,
    creation_time: s.creationTime,
    traced: s.traced ? 1 : 0,
  };
}

function fromRow(r: StreamsTable): StreamRecord {
  return {
    streamId: r.stream_id,
    videoId: r.video_id,
    jobId: r.job_id,
    definition: r.definition,
    format: r.format,
    width: r.width,
    height: r.height,
    bitrateKbps: r.bitrate_kbps,
    fps: r.fps,
    duration: r.duration,
    size: r.size,
    encryptScheme: r.encrypt_scheme,
    encryptType: r.encrypt_type,
    keyRotationSegments: r.key_rotation_segments,
    customerKeyCiphertext: r.customer_key_ciphertext,
    customerKeyUri: r.customer_key_uri,
    storagePrefix: r.storage_prefix,
    playlistKey: r.playlist_key,
    segmentCount: r.segment_count,
    status: r.status,
    creationTime: r.creation_time,
    // Present only when set, so records of untraced streams read back exactly as written.
    ...(Number(r.traced) === 1 ? { traced: true } : {}),
  };
}

export function createStreamStore(db: Db, options: { now?: () => Date } = {}) {
  const { kysely } = db;
  const now = () => (options.now?.() ?? new Date()).toISOString();
  return {
    /**
     * Publishes a job's streams and moves the video to `status` in one transaction. Earlier
     * streams of the same definitions become Invisible (ResultType=Single shows the latest).
     * Returns false (and changes nothing) if the video is no longer in `fromStatus`.
     */
    async publish(
      videoId: string,
      streams: StreamRecord[],
      move: { from: VideoStatus; to: VideoStatus; patch?: { duration?: number } },
    ): Promise<boolean> {
      return kysely.transaction().execute(async (trx) => {
        const moved = await trx
          .updateTable('videos')
          .set({ status: move.to, status_reason: null, modification_time: now(), ...move.patch })
          .where('video_id', '=', videoId)
          .where('status', '=', move.from)
          .executeTakeFirst();
        if (Number(moved.numUpdatedRows) === 0) return false;
        const definitions = streams.map((s) => s.definition);
        if (definitions.length > 0) {
          await trx
            .updateTable('streams')
            .set({ status: 'Invisible' })
            .where('video_id', '=', videoId)
            .where('definition', 'in', definitions)
            .execute();
          await trx.insertInto('streams').values(streams.map(toRow)).execute();
        }
        return true;
      });
    },

    async listForVideo(videoId: string): Promise<StreamRecord[]> {
      const rows = await kysely
        .selectFrom('streams')
        .selectAll()
        .where('video_id', '=', videoId)
        .orderBy('height', 'desc')
        .orderBy('creation_time', 'desc')
        .execute();
      return rows.map(fromRow);
    },

    /**
     * The encryption schemes among each video's published (Normal) streams, for video lists; a
     * video without published streams is absent from the map.
     */
    async schemesByVideo(videoIds: readonly string[]): Promise<Map<string, EncryptScheme[]>> {
      const byVideo = new Map<string, EncryptScheme[]>();
      if (videoIds.length === 0) return byVideo;
      const rows = await kysely
        .selectFrom('streams')
        .select(['video_id', 'encrypt_scheme'])
        .distinct()
        .where('video_id', 'in', [...videoIds])
        .where('status', '=', 'Normal')
        .execute();
      for (const row of rows) {
        byVideo.set(row.video_id, [...(byVideo.get(row.video_id) ?? []), row.encrypt_scheme]);
      }
      return byVideo;
    },

    async find(streamId: string): Promise<StreamRecord | undefined> {
      const row = await kysely
        .selectFrom('streams')
        .selectAll()
        .where('stream_id', '=', streamId)
        .executeTakeFirst();
      return row ? fromRow(row) : undefined;
    },

    /**
     * Deletes some streams of a video (DeleteStream). Where that leaves a definition without a
     * Normal stream, the newest Invisible one of that definition becomes Normal again, so
     * ResultType=Single still shows the latest remaining stream. Returns the deleted records.
     */
    async deleteStreams(videoId: string, streamIds: readonly string[]): Promise<StreamRecord[]> {
      if (streamIds.length === 0) return [];
      return kysely.transaction().execute(async (trx) => {
        const doomed = (
          await trx
            .selectFrom('streams')
            .selectAll()
            .where('video_id', '=', videoId)
            .where('stream_id', 'in', streamIds)
            .execute()
        ).map(fromRow);
        if (doomed.length === 0) return doomed;
        await trx
          .deleteFrom('streams')
          .where('video_id', '=', videoId)
          .where('stream_id', 'in', streamIds)
          .execute();
        for (const definition of new Set(doomed.map((s) => s.definition))) {
          const remaining = await trx
            .selectFrom('streams')
            .select(['stream_id', 'status'])
            .where('video_id', '=', videoId)
            .where('definition', '=', definition)
            .orderBy('creation_time', 'desc')
            .execute();
          if (remaining.length > 0 && !remaining.some((r) => r.status === 'Normal')) {
            await trx
              .updateTable('streams')
              .set({ status: 'Normal' })
              .where('stream_id', '=', remaining[0]!.stream_id)
              .execute();
          }
        }
        return doomed;
      });
    },

    async deleteForVideo(videoId: string): Promise<void> {
      await kysely.deleteFrom('streams').where('video_id', '=', videoId).execute();
    },
  };
}

export type StreamStore = ReturnType<typeof createStreamStore>;
