/**
 * Finds videos left in `Transcoding` with no transcode job queued or running — a worker died
 * during the job's last attempt, after which the queue failed the job but nothing else could —
 * and ends them `TranscodeFail` with a reason (or back to `Normal` when older streams exist),
 * announcing TranscodeComplete(fail). Runs at worker start and then periodically.
 */
import type { CallbackDispatcher } from '../callbacks/callback-dispatcher.js';
import { parseUserData } from '../callbacks/callback-config.js';
import type { JobQueue } from '../jobs/job-queue.js';
import type { StreamStore } from '../store/stream-store.js';
import type { VideoStore } from '../store/video-store.js';

export const STUCK_REASON = 'The transcoding worker stopped during the last attempt; submit the video again.';

export async function sweepStuckTranscodes(deps: {
  videos: VideoStore;
  streams: StreamStore;
  queue: Pick<JobQueue, 'list'>;
  callbacks: CallbackDispatcher;
}): Promise<string[]> {
  const transcoding = await deps.videos.listByStatus('Transcoding');
  if (transcoding.length === 0) return [];
  const live = new Set<string>();
  for (const status of ['queued', 'running'] as const) {
    for (const job of await deps.queue.list({ type: 'transcode', status, limit: 1000 })) {
      live.add((job.payload as { videoId: string }).videoId);
    }
  }
  const ended: string[] = [];
  for (const video of transcoding) {
    if (live.has(video.videoId)) continue;
    const hasStreams = (await deps.streams.listForVideo(video.videoId)).length > 0;
    const moved = await deps.videos.transition(video.videoId, ['Transcoding'], {
      status: hasStreams ? 'Normal' : 'TranscodeFail',
      statusReason: STUCK_REASON,
      transcodeProgress: null,
    });
    if (!moved) continue;
    ended.push(video.videoId);
    await deps.callbacks.emit(
      'TranscodeComplete',
      {
        VideoId: video.videoId,
        Status: 'fail',
        ErrorCode: 'WorkerLost',
        ErrorMessage: STUCK_REASON,
        StreamInfos: [],
      },
      parseUserData(video.userData ?? undefined),
    );
  }
  return ended;
}
