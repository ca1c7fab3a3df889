/**
 * The `trace-extract` job (SubmitDigitalWatermarkExtractJob, issue 13 item 3): decodes the leaked
 * copy and both variants of the source's top traced rendition to 64×36 grey frames at 10 fps,
 * runs the detector (leak-detector.ts) against every trace ID issued for the source, and stores
 * the verdict in the `trace_extract_jobs` row.
 *
 * - The leak is read from its stored source (decrypted over loopback, source/ffmpeg-source-
 *   endpoint.ts); if the source was deleted after transcode, from its own top rendition.
 * - The references are read as clear fMP4 (all-A, all-B) and piped into ffmpeg: nothing clear
 *   touches disk.
 * - "No match" is a successful job with an empty WaterMarkText and a message. Failures (a leak
 *   ffmpeg cannot read, a deleted video) are `Failed` with a message; storage or KMS trouble is
 *   retried (retry-policies.ts).
 */
import { decodeGreyFrames, isFfmpegError, type GreyFrames } from '@securevod/ffmpeg';
import { PermanentJobError } from '../jobs/job-errors.js';
import type { Job } from '../jobs/job-queue.js';
import type { JobContext } from '../jobs/worker.js';
import { openSourceForFfmpeg } from '../source/ffmpeg-source-endpoint.js';
import type { SourceVault } from '../source/source-vault.js';
import type { ObjectStore } from '../storage/object-store.js';
import type { StreamStore } from '../store/stream-store.js';
import type { TraceExtractJobStore } from '../store/trace-extract-job-store.js';
import type { TraceSessionStore } from '../store/trace-session-store.js';
import type { VideoStore } from '../store/video-store.js';
import { detectLeak, type DetectionReport } from './leak-detector.js';
import type { TraceCode } from './trace-code.js';
import { renditionSegments, topRendition, tracedRenditions, type OpenRendition } from './trace-references.js';

/** The detector's grid: 64×36 grey thumbnails (16×9 mark cells of 4×4 px) at 10 frames a second. */
export const DETECT_WIDTH = 64;
export const DETECT_HEIGHT = 36;
export const DETECT_FPS = 10;

export interface TraceExtractJobDeps {
  jobs: TraceExtractJobStore;
  videos: Pick<VideoStore, 'find'>;
  streams: Pick<StreamStore, 'listForVideo'>;
  traceSessions: Pick<TraceSessionStore, 'traceIds'>;
  objects: ObjectStore;
  sources: Pick<SourceVault, 'open'>;
  openRendition: OpenRendition;
  traceCode: () => Promise<TraceCode>;
  ffmpegPath: string;
}

const permanent = (error: unknown) => (error as { permanent?: unknown }).permanent === true;

export function createTraceExtractJobHandler(deps: TraceExtractJobDeps) {
  return async (job: Job<'trace-extract'>, ctx: Pick<JobContext, 'signal' | 'progress'>): Promise<void> => {
    const record = await deps.jobs.find(job.payload.jobId);
    if (!record || record.status !== 'Processing') return;
    try {
      const report = await extract(deps, record.mediaId, record.sourceVideoId, ctx, async (percent) => {
        await deps.jobs.update(record.jobId, { progress: percent });
        await ctx.progress(percent);
      });
      await deps.jobs.update(record.jobId, {
        status: 'Success',
        progress: 100,
        waterMarkText: report.traceId ?? '',
        report: JSON.stringify(report),
        errorMessage: report.message,
      });
    } catch (error) {
      const stopping = (ctx.signal.reason as { code?: unknown } | undefined)?.code === 'WorkerStopping';
      if (!stopping && (permanent(error) || job.attempts >= job.maxAttempts)) {
        await deps.jobs.update(record.jobId, { status: 'Failed', errorMessage: describe(error) });
      }
      throw error;
    }
  };
}

async function extract(
  deps: TraceExtractJobDeps,
  mediaId: string,
  sourceVideoId: string,
  ctx: Pick<JobContext, 'signal'>,
  progress: (percent: number) => Promise<void>,
): Promise<DetectionReport> {
  const { signal } = ctx;
  const leakVideo = await deps.videos.find(mediaId);
  if (!leakVideo) throw new PermanentJobError(`the leaked video ${mediaId} was deleted`);
  const source = await deps.videos.find(sourceVideoId);
  if (!source) throw new PermanentJobError(`the source video ${sourceVideoId} was deleted`);
  const reference = topRendition(tracedRenditions(await deps.streams.listForVideo(sourceVideoId)));
  if (!reference) throw new PermanentJobError(`the source video ${sourceVideoId} has no traced rendition`);
  const segments = await renditionSegments(deps.objects, reference);

  const grid = {
    ffmpegPath: deps.ffmpegPath,
    width: DETECT_WIDTH,
    height: DETECT_HEIGHT,
    fps: DETECT_FPS,
    signal,
  };
  let last = 0;
  const step = (from: number, span: number, expectedFrames: number) => (frames: number) => {
    const percent = Math.min(99, Math.floor(from + (span * frames) / Math.max(1, expectedFrames)));
    if (percent > last) {
      last = percent;
      void progress(percent).catch(() => undefined);
    }
  };

  let leak: GreyFrames;
  if (!leakVideo.mezzanineDeletedAt && leakVideo.sourceKey) {
    const input = await openSourceForFfmpeg(deps.sources, leakVideo);
    try {
      leak = await decodeGreyFrames({
        ...grid,
        input: input.url,
        onFrames: step(0, 30, (leakVideo.duration ?? 0) * DETECT_FPS),
      });
    } finally {
      await input.close();
    }
  } else {
    const rendition = topRendition(await deps.streams.listForVideo(mediaId));
    if (!rendition)
      throw new PermanentJobError(`the leaked video ${mediaId} has neither a source nor a rendition`);
    leak = await decodeGreyFrames({ ...grid, input: { stream: await deps.openRendition(rendition, 'a') } });
  }
  await progress(30);
  const expected = reference.duration * DETECT_FPS;
  const refA = await decodeGreyFrames({
    ...grid,
    input: { stream: await deps.openRendition(reference, 'a') },
    onFrames: step(30, 30, expected),
  });
  const refB = await decodeGreyFrames({
    ...grid,
    input: { stream: await deps.openRendition(reference, 'b') },
    onFrames: step(60, 30, expected),
  });
  await progress(90);
  const code = await deps.traceCode();
  const candidates = await deps.traceSessions.traceIds(sourceVideoId);
  return detectLeak({
    leak,
    refA,
    refB,
    segments,
    candidates,
    codeWord: (traceId) => code.bits(sourceVideoId, traceId, segments.length),
  });
}

function describe(error: unknown): string {
  if (isFfmpegError(error, 'FfmpegFailed') || isFfmpegError(error, 'InvalidInput')) {
    return 'The leaked file could not be decoded as video.';
  }
  if (error instanceof Error) return error.message.split('\n')[0]!.slice(0, 300);
  return String(error);
}
