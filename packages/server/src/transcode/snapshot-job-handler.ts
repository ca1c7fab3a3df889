/**
 * The `snapshot` job (reference-more §3): JPEG stills of a video at the requested times, and
 * with a sprite config a sprite sheet plus a WebVTT thumbnail track, stored under the video's
 * media path (`videos/<VideoId>/snapshots/<JobId>/`) so the media role serves them with the
 * video's media token like any other object. Also the automatic cover snapshot at transcode
 * (kind `cover`): a few CoverSnapshots spread over the video, the middle one becomes the
 * video's CoverURL if it still has none.
 *
 * One ffmpeg run per still, seeking before the input (`buildStillSnapshotArgs`), then one run that
 * tiles the stills into sheets. Errors steer the job (STYLE §5): a source ffmpeg cannot read or a
 * deleted video fail at once; anything else is retried. The outcome is SnapshotComplete.
 */
import {
  buildSpriteSheetArgs,
  buildStillSnapshotArgs,
  isFfmpegError,
  probe,
  runFfmpeg,
} from '@securevod/ffmpeg';
import { createReadStream } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { parseUserData } from '../callbacks/callback-config.js';
import type { CallbackDispatcher } from '../callbacks/callback-dispatcher.js';
import {
  snapshotName,
  snapshotTimes,
  spriteVtt,
  type SnapshotOutputs,
  type SnapshotRequest,
  type SnapshotSet,
} from '../catalogue/snapshot-plan.js';
import { PermanentJobError } from '../jobs/job-errors.js';
import type { Job } from '../jobs/job-queue.js';
import type { JobContext } from '../jobs/worker.js';
import { openSourceForFfmpeg } from '../source/ffmpeg-source-endpoint.js';
import type { SourceVault } from '../source/source-vault.js';
import type { ObjectStore } from '../storage/object-store.js';
import type { SnapshotJobRecord, SnapshotStore } from '../store/snapshot-store.js';
import type { VideoRecord, VideoStore } from '../store/video-store.js';

export interface SnapshotJobDeps {
  snapshots: SnapshotStore;
  videos: VideoStore;
  objects: ObjectStore;
  sources: Pick<SourceVault, 'open'>;
  callbacks: CallbackDispatcher;
  scratchDir: string;
  ffmpegPath: string;
  ffprobePath: string;
  /** Absolute URL of a media object, authorised for an hour (PlaybackService.assetUrl). */
  mediaUrl: (path: string) => string;
  /** Absolute URL of a media object without authorisation (SnapshotRegular). */
  publicUrl: () => string;
}

export const VTT_FILE = 'thumbnails.vtt';

const permanent = (error: unknown) => (error as { permanent?: unknown }).permanent === true;

export function createSnapshotJobHandler(deps: SnapshotJobDeps) {
  return async (job: Job<'snapshot'>, ctx: Pick<JobContext, 'signal'>): Promise<void> => {
    const record = await deps.snapshots.find(job.payload.jobId);
    if (!record || record.status === 'Success' || record.status === 'Fail') return;
    const video = await deps.videos.find(record.videoId);
    if (!video) {
      await deps.snapshots.update(record.jobId, {
        status: 'Fail',
        errorCode: 'InvalidVideo.NotFound',
        errorMessage: 'The video was deleted.',
        completeTime: deps.snapshots.now(),
      });
      return;
    }
    await deps.snapshots.update(record.jobId, { status: 'Processing' });
    const prefix = `videos/${video.videoId}/snapshots/${record.jobId}/`;
    await mkdir(deps.scratchDir, { recursive: true, mode: 0o700 });
    const scratch = await mkdtemp(join(deps.scratchDir, `snapshot-${record.jobId}-`));
    try {
      const outputs = await makeSnapshots(deps, record, video, scratch, ctx.signal);
      // DeleteVideo may have run while the stills were made: it removed what was stored by then,
      // so what was written after it goes now, and the job ends with its video (no event).
      if (!(await deps.videos.find(video.videoId))) {
        await deps.objects.deletePrefix(prefix);
        return;
      }
      await deps.snapshots.update(record.jobId, {
        status: 'Success',
        outputs: JSON.stringify(outputs),
        completeTime: deps.snapshots.now(),
      });
      let coverUrl: string | undefined;
      if (record.kind === 'cover' && outputs.CoverSnapshot) {
        const set = outputs.CoverSnapshot;
        const coverPath = `/media/${video.videoId}/${snapshotName(set.pattern, Math.ceil(set.count / 2))}`;
        const current = await deps.videos.find(video.videoId);
        // A cover set meanwhile (UpdateVideoInfo, an uploaded image) wins over the automatic one.
        if (current && !current.coverUrl) await deps.videos.update(video.videoId, { coverUrl: coverPath });
        coverUrl = deps.mediaUrl(coverPath);
      }
      await deps.callbacks.emit(
        'SnapshotComplete',
        {
          VideoId: video.videoId,
          Status: 'success',
          ...(record.kind === 'specified' ? { SubType: 'SpecifiedTime' } : {}),
          ...(coverUrl ? { CoverUrl: coverUrl } : {}),
          SnapshotInfos: Object.entries(outputs).map(([type, set]) => ({
            Status: 'success',
            SnapshotType: type,
            SnapshotCount: set.count,
            SnapshotFormat: `media/${video.videoId}/${set.pattern}`,
            SnapshotRegular: `${deps.publicUrl()}/media/${video.videoId}/${set.pattern}`,
            JobId: record.jobId,
          })),
        },
        parseUserData(record.userData ?? video.userData ?? undefined),
      );
    } catch (error) {
      await deps.objects.deletePrefix(prefix).catch(() => undefined);
      const stopping = (ctx.signal.reason as { code?: unknown } | undefined)?.code === 'WorkerStopping';
      const last = !stopping && (permanent(error) || job.attempts >= job.maxAttempts);
      if (last) {
        const message = describe(error);
        const code =
          isFfmpegError(error, 'InvalidInput') || isFfmpegError(error, 'NotAVideo')
            ? 'InvalidParameter.ResourceContentBad'
            : 'SnapshotFailed';
        await deps.snapshots.update(record.jobId, {
          status: 'Fail',
          errorCode: code,
          errorMessage: message,
          completeTime: deps.snapshots.now(),
        });
        await deps.callbacks.emit(
          'SnapshotComplete',
          {
            VideoId: video.videoId,
            Status: 'fail',
            ...(record.kind === 'specified' ? { SubType: 'SpecifiedTime' } : {}),
            ErrorCode: code,
            ErrorMessage: message,
          },
          parseUserData(record.userData ?? video.userData ?? undefined),
        );
      } else {
        await deps.snapshots.update(record.jobId, { status: 'Queued' });
      }
      throw error;
    } finally {
      await rm(scratch, { recursive: true, force: true });
    }
  };
}

async function makeSnapshots(
  deps: SnapshotJobDeps,
  record: SnapshotJobRecord,
  video: VideoRecord,
  scratch: string,
  signal: AbortSignal,
): Promise<SnapshotOutputs> {
  if (video.mezzanineDeletedAt) {
    throw new PermanentJobError(`the source of video ${video.videoId} was deleted (DeleteMezzanines)`);
  }
  // ffmpeg reads the source decrypted over loopback (source/ffmpeg-source-endpoint.ts).
  const source = await openSourceForFfmpeg(deps.sources, video);
  try {
    return await snapshotsOf(source.url, deps, record, video, scratch, signal);
  } finally {
    await source.close();
  }
}

async function snapshotsOf(
  input: URL,
  deps: SnapshotJobDeps,
  record: SnapshotJobRecord,
  video: VideoRecord,
  scratch: string,
  signal: AbortSignal,
): Promise<SnapshotOutputs> {
  const request = JSON.parse(record.request) as SnapshotRequest;
  const probed = await probe(input, { ffprobePath: deps.ffprobePath, signal });
  const duration = probed.durationSeconds;
  const times = snapshotTimes(request, duration);
  const media = `snapshots/${record.jobId}/`;
  const type = record.kind === 'cover' ? 'CoverSnapshot' : 'NormalSnapshot';
  const stills: SnapshotSet = {
    count: times.length,
    pattern: `${media}${record.kind === 'cover' ? 'cover' : 'snapshot'}-{SnapshotCount}.jpg`,
  };
  const stillDir = join(scratch, 'stills');
  await mkdir(stillDir);
  for (const [i, time] of times.entries()) {
    const file = join(stillDir, snapshotName('{SnapshotCount}.jpg', i + 1));
    await runFfmpeg(
      buildStillSnapshotArgs({
        input,
        offsetSeconds: time,
        output: file,
        ...(request.width !== undefined ? { width: request.width } : {}),
        ...(request.height !== undefined ? { height: request.height } : {}),
      }),
      { ffmpegPath: deps.ffmpegPath, signal },
    );
    await deps.objects.put(
      `videos/${video.videoId}/${snapshotName(stills.pattern, i + 1)}`,
      createReadStream(file),
      {
        contentType: 'image/jpeg',
      },
    );
  }
  const outputs: SnapshotOutputs = { [type]: stills };
  if (!request.sprite) return outputs;

  const sprite = request.sprite;
  const srcWidth = request.width ?? probed.video.displayWidth;
  const srcHeight = request.height ?? probed.video.displayHeight;
  // Default cell: the snapshot size; a source-sized cell would make sheets of many megapixels,
  // so without a snapshot size the cell is 160 px wide with the source's aspect ratio.
  const cellWidth = sprite.cellWidth ?? request.width ?? 160;
  const cellHeight =
    sprite.cellHeight ??
    request.height ??
    Math.max(8, 2 * Math.round((cellWidth * srcHeight) / srcWidth / 2));
  const sheetDir = join(scratch, 'sheets');
  await mkdir(sheetDir);
  await runFfmpeg(
    buildSpriteSheetArgs({
      cellPattern: join(stillDir, '%05d.jpg'),
      outputPattern: join(sheetDir, '%05d.jpg'),
      cellWidth,
      cellHeight,
      columns: sprite.columns,
      lines: sprite.lines,
      padding: sprite.padding,
      margin: sprite.margin,
      color: sprite.color,
    }),
    { ffmpegPath: deps.ffmpegPath, signal },
  );
  const sheets = (await readdir(sheetDir)).filter((n) => n.endsWith('.jpg')).sort();
  const spriteSet: SnapshotSet = { count: sheets.length, pattern: `${media}sprite-{SnapshotCount}.jpg` };
  for (const [i, name] of sheets.entries()) {
    await deps.objects.put(
      `videos/${video.videoId}/${snapshotName(spriteSet.pattern, i + 1)}`,
      createReadStream(join(sheetDir, name)),
      { contentType: 'image/jpeg' },
    );
  }
  const vtt = spriteVtt({
    times,
    durationSeconds: Math.round(duration * 1000) / 1000,
    // Relative to the track: the media role signs each URI when it serves the track.
    sheetName: (n) => snapshotName('sprite-{SnapshotCount}.jpg', n),
    cellWidth,
    cellHeight,
    columns: sprite.columns,
    lines: sprite.lines,
    padding: sprite.padding,
    margin: sprite.margin,
  });
  await deps.objects.put(`videos/${video.videoId}/${media}${VTT_FILE}`, Buffer.from(vtt), {
    contentType: 'text/vtt',
  });
  outputs.SpriteSnapshot = spriteSet;
  outputs.WebVttSnapshot = { count: 1, pattern: `${media}${VTT_FILE}` };
  if (sprite.keepCellPic) outputs.SpriteOriginSnapshot = stills;
  return outputs;
}

function describe(error: unknown): string {
  if (isFfmpegError(error, 'NotAVideo')) return 'The source has no video stream.';
  if (isFfmpegError(error, 'InvalidInput')) return 'The source could not be read as media.';
  if (error instanceof Error) return error.message.split('\n')[0]!.slice(0, 300);
  return String(error);
}
