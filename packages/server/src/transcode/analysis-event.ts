/**
 * VideoAnalysisComplete (reference-more §8.1): sent once per uploaded source, when the worker
 * has probed it — success with the basic metadata, or fail when the file cannot be read as
 * media. Every number is a JSON string, as in the reference's sample (the doc table's Long/Float
 * types disagree; the sample is what the wire carries). `Extend` is not passed through: the
 * event's field table has none (UNCONFIRMED, reference-more §9 item 11).
 */
import type { ProbeResult } from '@securevod/ffmpeg';
import type { CallbackDispatcher } from '../callbacks/callback-dispatcher.js';
import type { VideoRecord } from '../store/video-store.js';

const round = (value: number, places: number) => String(Math.round(value * 10 ** places) / 10 ** places);

export function analysisSuccessEvent(video: VideoRecord, probed: ProbeResult): Record<string, unknown> {
  return {
    VideoId: video.videoId,
    Status: 'success',
    Width: String(probed.video.displayWidth),
    Height: String(probed.video.displayHeight),
    Duration: round(probed.durationSeconds, 3),
    ...(probed.bitRate ? { Bitrate: round(probed.bitRate / 1000, 0) } : {}),
    ...(probed.video.fps ? { Fps: round(probed.video.fps, 3) } : {}),
    ...(video.sourceSize !== null ? { Size: String(video.sourceSize) } : {}),
  };
}

export async function announceAnalysis(
  callbacks: CallbackDispatcher,
  video: VideoRecord,
  outcome: { probed: ProbeResult } | { errorCode: string; errorMessage: string },
  callbackUrl: string | undefined,
): Promise<void> {
  const body =
    'probed' in outcome
      ? analysisSuccessEvent(video, outcome.probed)
      : {
          VideoId: video.videoId,
          Status: 'fail',
          ErrorCode: outcome.errorCode,
          ErrorMessage: outcome.errorMessage,
        };
  await callbacks.emit('VideoAnalysisComplete', body, callbackUrl ? { callbackUrl } : {});
}
