/**
 * SubmitSnapshotJob and ListSnapshots (reference-more §3.1–§3.2). Jobs run in the worker
 * (`transcode/snapshot-job-handler.ts`); their pictures are media objects of the video, so the
 * URLs here carry the video's media token (and `auth_key` with URL signing), like play URLs.
 */
import { catalogueErrors } from '../catalogue/catalogue-errors.js';
import {
  parseSnapshotRequest,
  snapshotName,
  SNAPSHOT_TYPES,
  type SnapshotOutputs,
} from '../catalogue/snapshot-plan.js';
import type { SnapshotScheduler } from '../catalogue/snapshot-scheduler.js';
import { wireTime } from '../catalogue/template-group-service.js';
import { parseUserData } from '../callbacks/callback-config.js';
import type { PlaybackService } from '../playback/playback-service.js';
import type { ActionHandler } from '../rpc/rpc-plugin.js';
import type { VideoStatus } from '../store/catalogue-schema.js';
import type { SnapshotStore } from '../store/snapshot-store.js';
import type { VideoStore } from '../store/video-store.js';

/** "Only videos in UploadSucc, Normal, Checking or Blocked may be snapshotted" (§3.1). */
const SNAPSHOT_STATUSES: readonly VideoStatus[] = ['UploadSucc', 'Normal', 'Checking', 'Blocked'];

export function snapshotActions(deps: {
  videos: VideoStore;
  snapshots: SnapshotStore;
  scheduler: SnapshotScheduler;
  playback: PlaybackService;
  publicUrl: () => string;
}): Record<string, ActionHandler> {
  const snapshotVideo = async (videoId: string) => {
    const video = await deps.videos.find(videoId);
    if (!video) throw catalogueErrors.videoNotFound();
    if (!SNAPSHOT_STATUSES.includes(video.status)) throw catalogueErrors.illegalStatus(video.status, 400);
    return video;
  };

  return {
    SubmitSnapshotJob: async ({ params }) => {
      const video = await snapshotVideo(params.required('VideoId'));
      const templateId = params.optional('SnapshotTemplateId');
      // Snapshot templates (AddVodTemplate) are not implemented: no id can name one.
      if (templateId !== undefined) throw catalogueErrors.noSuchResource(`SnapshotTemplateId ${templateId}`);
      const request = parseSnapshotRequest(params);
      const userData = params.optional('UserData');
      parseUserData(userData);
      const jobId = await deps.scheduler.submit(video.videoId, request, { kind: 'specified', userData });
      return { SnapshotJob: { JobId: jobId } };
    },

    ListSnapshots: async ({ params }) => {
      const video = await snapshotVideo(params.required('VideoId'));
      const type = params.oneOf('SnapshotType', SNAPSHOT_TYPES, 'CoverSnapshot')!;
      const pageNo = params.integer('PageNo', { min: 1, max: 100_000, fallback: 1 })!;
      const pageSize = params.integer('PageSize', { min: 1, max: 100, fallback: 20 })!;
      // "minimum 3600 (smaller values become 3600)".
      const ttl = Math.max(3600, params.integer('AuthTimeout', { min: 1, max: 2592000, fallback: 3600 })!);
      // Only the latest successful job that made this type is returned.
      const job = (await deps.snapshots.listSucceeded(video.videoId)).find(
        (j) => (JSON.parse(j.outputs ?? '{}') as SnapshotOutputs)[type] !== undefined,
      );
      if (!job) return { MediaSnapshot: { Total: 0, Snapshots: { Snapshot: [] } } };
      const set = (JSON.parse(job.outputs!) as SnapshotOutputs)[type]!;
      const expiresAt = deps.playback.nowSeconds() + ttl;
      const first = (pageNo - 1) * pageSize + 1;
      const last = Math.min(set.count, pageNo * pageSize);
      const snapshots = [];
      for (let index = first; index <= last; index++) {
        snapshots.push({
          Index: index,
          Url: deps.playback.assetUrl(
            `/media/${video.videoId}/${snapshotName(set.pattern, index)}`,
            expiresAt,
          ),
        });
      }
      return {
        MediaSnapshot: {
          Total: set.count,
          Regular: `${deps.publicUrl()}/media/${video.videoId}/${set.pattern}`,
          CreationTime: wireTime(job.creationTime),
          JobId: job.jobId,
          Snapshots: { Snapshot: snapshots },
        },
      };
    },
  };
}
