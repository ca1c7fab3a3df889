/**
 * Queues transcode jobs and reacts to finished uploads: the glue between the upload endpoint,
 * the catalogue, callbacks and the job queue.
 */
import { randomUUID } from 'node:crypto';
import type { CallbackDispatcher } from '../callbacks/callback-dispatcher.js';
import { parseUserData } from '../callbacks/callback-config.js';
import type { JobQueue } from '../jobs/job-queue.js';
import type { JobPayloads } from '../jobs/job-types.js';
import type { VideoRecord, VideoStore } from '../store/video-store.js';
import type { TemplateGroupService } from './template-group-service.js';
import { videoIdOfSourceKey } from './upload-service.js';

export class TranscodeScheduler {
  constructor(
    private readonly deps: {
      videos: VideoStore;
      groups: TemplateGroupService;
      queue: Pick<JobQueue, 'enqueue'>;
      callbacks: CallbackDispatcher;
      /** Wakes an in-process worker so work starts without waiting for its next poll. */
      wake?: () => void;
      publicUrl: () => string;
    },
  ) {}

  async submit(
    video: VideoRecord,
    templateGroupId: string,
    options: {
      encryptConfig?: JobPayloads['transcode']['encryptConfig'];
      userData?: string;
      priority?: number;
      /** GetTranscodeTask `Trigger`; default `Auto` (after an upload). */
      trigger?: 'Auto' | 'Manual';
    } = {},
  ): Promise<string | undefined> {
    const group = await this.deps.groups.get(templateGroupId);
    if (group.special === 'no-transcode' || group.templates.length === 0) return undefined;
    const jobId = randomUUID().replaceAll('-', '');
    const userData = parseUserData(options.userData ?? video.userData ?? undefined);
    await this.deps.queue.enqueue(
      'transcode',
      {
        videoId: video.videoId,
        templateGroupId,
        jobId,
        encryptConfig: options.encryptConfig,
        userData,
        trigger: options.trigger ?? 'Auto',
      },
      // maxAttempts comes from the queue's retry table (jobs/retry-policies.ts).
      { priority: options.priority ?? 6 },
    );
    this.deps.wake?.();
    return jobId;
  }

  /** Called by the upload endpoint once a source object is whole. Idempotent per upload. */
  async completeUpload(info: { objectKey: string; size: number; etag: string }): Promise<void> {
    const videoId = videoIdOfSourceKey(info.objectKey);
    if (!videoId) return;
    const moved = await this.deps.videos.transition(
      videoId,
      ['Uploading', 'UploadFail', 'UploadSucc', 'TranscodeFail', 'Normal'],
      {
        status: 'UploadSucc',
        statusReason: null,
        sourceSize: info.size,
        sourceEtag: info.etag,
        // A new source: analysed afresh (VideoAnalysisComplete), and present again.
        mezzanine: null,
        mezzanineDeletedAt: null,
      },
    );
    if (!moved) return;
    const video = await this.deps.videos.find(videoId);
    if (!video) return;
    const userData = parseUserData(video.userData ?? undefined);
    await this.deps.callbacks.emit(
      'FileUploadComplete',
      {
        VideoId: videoId,
        Size: info.size,
        FileUrl: `${this.deps.publicUrl()}/securevod/${info.objectKey}`,
        Status: 'success',
      },
      userData,
    );
    await this.submit(video, video.templateGroupId);
  }
}
