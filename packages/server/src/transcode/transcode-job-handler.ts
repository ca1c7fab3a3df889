/**
 * The `transcode` job (DESIGN §3): source → header probe → ladder plan → one ffmpeg run whose
 * output is PUT to a loopback sink and packaged (every segment encrypted) as it is cut →
 * publish streams and Normal in one transaction → callbacks.
 *
 * Guarantees: only ciphertext (and clear playlists/init segments) reaches object storage; the
 * plaintext data key lives in memory only while packaging; a failed or crashed job leaves no
 * half-published video (outputs live under a job-specific prefix that is only referenced once
 * the publish transaction commits, and is deleted on failure); scratch files are removed in
 * every case (and by `cleanScratch` at start after a crash).
 */
import { buildHlsLadderArgs, isFfmpegError, probe, runFfmpeg, type ProbeResult } from '@securevod/ffmpeg';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { CUSTOMER_DATA_KEY_CONTEXT } from '../actions/kms-data-key-handlers.js';
import type { CallbackDispatcher } from '../callbacks/callback-dispatcher.js';
import { mezzanineSummary } from '../catalogue/mezzanine-summary.js';
import type { TemplateGroupService } from '../catalogue/template-group-service.js';
import type { Job } from '../jobs/job-queue.js';
import type { JobPayloads } from '../jobs/job-types.js';
import type { JobContext } from '../jobs/worker.js';
import type { Kms } from '../kms/kms.js';
import { openSourceForFfmpeg, type FfmpegSourceInput } from '../source/ffmpeg-source-endpoint.js';
import type { SourceVault } from '../source/source-vault.js';
import type { ObjectStore } from '../storage/object-store.js';
import type { EncryptScheme } from '../store/catalogue-schema.js';
import type { StreamRecord, StreamStore } from '../store/stream-store.js';
import type { VideoRecord, VideoStore } from '../store/video-store.js';
import { effectiveSegmentSeconds, type TranscodeTemplate } from '../templates/transcode-template.js';
import { writeTracePattern } from '../trace/trace-pattern.js';
import { announceAnalysis } from './analysis-event.js';
import { planLadder, type PlannedRendition } from './ladder-planner.js';
import { encodeAndPackage } from './streaming-packager.js';

export const videoDataKeyContext = (videoId: string) => ({ purpose: 'video-data-key', videoId });

export function hlsKeyPath(videoId: string, streamId: string, period: number): string {
  return `/keys/hls/${videoId}/${streamId}/${period}`;
}
export function privateKeyPath(videoId: string, streamId: string, period: number): string {
  return `/keys/private/${videoId}/${streamId}/${period}`;
}

export interface TranscodeJobDeps {
  videos: VideoStore;
  streams: StreamStore;
  groups: TemplateGroupService;
  objects: ObjectStore;
  kms: Kms;
  callbacks: CallbackDispatcher;
  /** Reads the (encrypted) source; ffmpeg gets it over a loopback endpoint, never from disk. */
  sources: Pick<SourceVault, 'open'>;
  /** SECUREVOD_DELETE_SOURCE_AFTER_TRANSCODE: delete the source once the output is published. */
  deleteSourceAfterTranscode?: boolean;
  scratchDir: string;
  ffmpegPath: string;
  ffprobePath: string;
  x264Preset?: string;
  /**
   * Called once a job's streams are published, before the transcode events (the server queues
   * the cover snapshot there when the video has no cover). Its failure does not fail the job.
   */
  onPublished?: (videoId: string) => Promise<void>;
  log: { info(obj: object, msg: string): void; warn(obj: object, msg: string): void };
}

/** A failure that retrying cannot fix (bad source, deleted group): the worker must not retry. */
export class PermanentTranscodeError extends Error {
  override readonly name = 'PermanentTranscodeError';
  readonly permanent = true;
}

interface Placement {
  planned: PlannedRendition;
  template: TranscodeTemplate | undefined;
  scheme: EncryptScheme;
}

export async function cleanScratch(scratchDir: string): Promise<void> {
  await rm(scratchDir, { recursive: true, force: true });
  await mkdir(scratchDir, { recursive: true, mode: 0o700 });
}

export function createTranscodeJobHandler(deps: TranscodeJobDeps) {
  return async (job: Job<'transcode'>, ctx: Pick<JobContext, 'signal' | 'progress'>): Promise<void> => {
    const { videoId, jobId } = job.payload;
    const video = await deps.videos.find(videoId);
    if (!video) return; // deleted meanwhile: nothing to do
    if (video.mezzanineDeletedAt) {
      throw new PermanentTranscodeError(`the source of video ${videoId} was deleted (DeleteMezzanines)`);
    }
    const jobPrefix = `videos/${videoId}/hls/${jobId}/`;
    // A worker that died after the publish commit but before the queue recorded success leaves
    // this job's output live: the retry finishes the job instead of redoing it (deleting
    // `jobPrefix` below would unpublish a Normal video). Callbacks are at least once.
    const alreadyPublished = (await deps.streams.listForVideo(videoId)).filter((s) =>
      s.storagePrefix.startsWith(jobPrefix),
    );
    if (job.attempts > 1 && video.status === 'Normal' && alreadyPublished.length > 0) {
      await announce(deps, job.payload, alreadyPublished);
      return;
    }
    const moved = await deps.videos.transition(
      videoId,
      ['UploadSucc', 'Normal', 'Checking', 'TranscodeFail', 'Transcoding'],
      { status: 'Transcoding', statusReason: null, transcodeProgress: 0 },
    );
    if (!moved)
      throw new PermanentTranscodeError(`video ${videoId} is ${video.status}; it cannot be transcoded`);

    // A crashed earlier attempt may have stored part of its output here: start clean, so the
    // published job holds only objects this attempt wrote.
    if (job.attempts > 1) await deps.objects.deletePrefix(jobPrefix);
    await mkdir(deps.scratchDir, { recursive: true, mode: 0o700 });
    const scratch = await mkdtemp(join(deps.scratchDir, `job-${jobId}-`));
    let input: FfmpegSourceInput | undefined;
    try {
      input = await openSourceForFfmpeg(deps.sources, video, { log: deps.log });
      const streams = await transcode(deps, job.payload, video, input.url, jobPrefix, scratch, ctx);
      const published = await deps.streams.publish(videoId, streams, {
        from: 'Transcoding',
        to: 'Normal',
        patch: { duration: streams[0]?.duration },
      });
      if (!published) {
        await deps.objects.deletePrefix(jobPrefix);
        deps.log.warn({ videoId, jobId }, 'video deleted or changed during transcoding; output discarded');
        return;
      }
      await deps
        .onPublished?.(videoId)
        .catch((err: unknown) => deps.log.warn({ videoId, jobId, err }, 'after-publish step failed'));
      if (deps.deleteSourceAfterTranscode) await deleteSource(deps, videoId);
      await announce(deps, job.payload, streams);
    } catch (error) {
      await deps.objects.deletePrefix(jobPrefix).catch(() => undefined);
      const permanent = (error as { permanent?: unknown }).permanent === true;
      // A worker that is shutting down hands the job back (the attempt does not count): the
      // video stays Transcoding and the next worker starts over.
      const handedBack =
        !permanent && (ctx.signal.reason as { code?: unknown } | undefined)?.code === 'WorkerStopping';
      const lastAttempt = !handedBack && (permanent || job.attempts >= job.maxAttempts);
      const reason = describeFailure(error);
      if (handedBack) {
        await deps.videos.update(videoId, { statusReason: 'interrupted by a worker shutdown; queued again' });
      } else if (lastAttempt) {
        const hasStreams = (await deps.streams.listForVideo(videoId)).length > 0;
        await deps.videos.transition(videoId, ['Transcoding'], {
          status: hasStreams ? 'Normal' : 'TranscodeFail',
          statusReason: reason,
          transcodeProgress: null,
        });
        await deps.callbacks.emit(
          'TranscodeComplete',
          {
            VideoId: videoId,
            Status: 'fail',
            ErrorCode: errorCode(error),
            ErrorMessage: reason,
            StreamInfos: [],
          },
          job.payload.userData,
        );
      } else {
        await deps.videos.update(videoId, { statusReason: `retrying after: ${reason}` });
      }
      throw error;
    } finally {
      await input?.close();
      await rm(scratch, { recursive: true, force: true });
    }
  };
}

/** As DeleteMezzanines does: the source objects go, the video records when. */
async function deleteSource(deps: TranscodeJobDeps, videoId: string): Promise<void> {
  await deps.objects.deletePrefix(`sources/${videoId}/`);
  await deps.videos.update(videoId, { mezzanineDeletedAt: new Date().toISOString() });
}

async function transcode(
  deps: TranscodeJobDeps,
  payload: JobPayloads['transcode'],
  video: VideoRecord,
  input: URL,
  jobPrefix: string,
  scratch: string,
  { signal, progress: reportProgress }: Pick<JobContext, 'signal' | 'progress'>,
): Promise<StreamRecord[]> {
  const group = await deps.groups.store.find(payload.templateGroupId);
  if (!group) throw new PermanentTranscodeError(`template group ${payload.templateGroupId} no longer exists`);
  if (group.templates.length === 0) throw new PermanentTranscodeError('the template group has no templates');

  // Headers only: the frame count GetMezzanineInfo reports comes from the encode itself below
  // (ffmpeg's own statistics), not from a demuxing or decoding pass over the whole source.
  // A source not analysed before (first transcode after its upload) announces the analysis.
  const firstAnalysis = video.mezzanine === null;
  let probed: ProbeResult;
  try {
    probed = await probe(input, { ffprobePath: deps.ffprobePath, signal });
  } catch (error) {
    if (firstAnalysis && errorCode(error) === 'InvalidParameter.ResourceContentBad') {
      await announceAnalysis(
        deps.callbacks,
        video,
        { errorCode: errorCode(error), errorMessage: describeFailure(error) },
        payload.userData?.callbackUrl,
      );
    }
    throw error;
  }
  await deps.videos.update(video.videoId, mezzaninePatch(probed));
  if (firstAnalysis) await announceAnalysis(deps.callbacks, video, { probed }, payload.userData?.callbackUrl);

  const placements = plan(probed, group.templates, payload);
  // One ffmpeg run cuts every rendition on one grid; a traced template asks for short segments
  // (one code-word bit each), so it sets the grid when it is the shortest.
  const segmentSeconds = Math.min(...group.templates.map(effectiveSegmentSeconds));
  const traced = placements.some((p) => p.template?.traceWatermark);
  // The A/B mark (trace-pattern.ts): keyed by a fresh random seed, written to this job's scratch
  // directory (deleted with it) and looped by ffmpeg. Nothing of it is stored. Its frame rate is
  // a whole number ≥ the source's, so the loop is exactly 8 segments long (a 29.97 fps loop
  // would drift off the segment grid) and every source frame meets a pattern frame.
  const tracePattern = traced
    ? await writeTracePattern(join(scratch, 'trace-pattern.yuv'), {
        fps: Math.max(1, Math.ceil(probed.video.fps || 25)),
        segmentSeconds,
      })
    : undefined;
  const dataKey = placements.some((p) => p.scheme !== 'none' && !payload.encryptConfig)
    ? await videoDataKey(deps, video)
    : undefined;
  const customerKey = payload.encryptConfig
    ? (await deps.kms.decrypt(payload.encryptConfig.cipherText, CUSTOMER_DATA_KEY_CONTEXT)).plaintext
    : undefined;
  try {
    let lastProgressWrite = 0;
    // ffmpeg PUTs its output to a loopback sink; segments are encrypted and stored as they are
    // cut (streaming-packager.ts). Nothing of the output is written to scratch.
    const packaged = await encodeAndPackage({
      store: deps.objects,
      dataKey,
      videoId: video.videoId,
      masterKey: `${jobPrefix}master.m3u8`,
      signal,
      renditions: placements.map((placement) => {
        const streamId = `${payload.jobId}-${placement.planned.name}`;
        const customer = placement.scheme === 'aes-128' && customerKey !== undefined;
        return {
          name: placement.planned.name,
          storedName: streamId,
          scheme: placement.scheme,
          keyRotationSegments: customer ? 0 : (placement.template?.encrypt?.keyRotationSegments ?? 0),
          fixedKey: customer ? customerKey : undefined,
          keyUri: (period: number) =>
            customer
              ? payload.encryptConfig!.decryptKeyUri
              : placement.scheme === 'aes-128'
                ? hlsKeyPath(video.videoId, streamId, period)
                : privateKeyPath(video.videoId, streamId, period),
          outputPrefix: `${jobPrefix}${placement.planned.name}/`,
          traced: placement.template?.traceWatermark !== undefined,
        };
      }),
      encode: (outputUrl, encodeSignal) =>
        runFfmpeg(
          buildHlsLadderArgs({
            input,
            outputUrl,
            renditions: placements.map((p) => ({
              ...p.planned,
              traced: p.template?.traceWatermark !== undefined,
            })),
            hasAudio: probed.audio !== undefined,
            segmentSeconds,
            tracePattern,
            x264Preset: deps.x264Preset,
          }),
          {
            ffmpegPath: deps.ffmpegPath,
            signal: encodeSignal,
            durationSeconds: probed.durationSeconds,
            countInputFrames: true,
            onProgress: (progress) => {
              const now = Date.now();
              if (progress.percent === undefined || now - lastProgressWrite < 1000) return;
              lastProgressWrite = now;
              // Encoding and packaging overlap; the playlists are written after ffmpeg exits.
              const percent = Math.round(progress.percent * 0.95);
              void deps.videos.update(video.videoId, { transcodeProgress: percent }).catch(() => undefined);
              void reportProgress(percent);
            },
          },
        ),
    });
    const { inputVideoFrames, outTimeSeconds } = packaged.encoded;
    if (inputVideoFrames !== undefined || probed.durationSeconds === 0) {
      probed = {
        ...probed,
        durationSeconds: probed.durationSeconds || outTimeSeconds,
        video: { ...probed.video, frames: inputVideoFrames ?? probed.video.frames },
      };
      await deps.videos.update(video.videoId, mezzaninePatch(probed));
    }

    const streams: StreamRecord[] = [];
    const creationTime = new Date().toISOString();
    for (const placement of placements) {
      const rendition = packaged.renditions.get(placement.planned.name);
      if (!rendition) throw new Error(`ffmpeg produced no rendition "${placement.planned.name}"`);
      const streamId = `${payload.jobId}-${placement.planned.name}`;
      const customer = placement.scheme === 'aes-128' && customerKey !== undefined;
      const keyRotationSegments = placement.template?.encrypt?.keyRotationSegments ?? 0;
      const bitrateKbps =
        rendition.durationSeconds > 0 ? (rendition.bytes * 8) / 1000 / rendition.durationSeconds : 0;
      streams.push({
        streamId,
        videoId: video.videoId,
        jobId: payload.jobId,
        definition: placement.planned.streamDefinition,
        format: 'm3u8',
        width: placement.planned.width,
        height: placement.planned.height,
        bitrateKbps: Math.round(bitrateKbps * 100) / 100,
        fps: placement.planned.fps ?? probed.video.fps,
        duration: Math.round(rendition.durationSeconds * 1000) / 1000,
        size: rendition.bytes,
        encryptScheme: placement.scheme,
        encryptType:
          placement.scheme === 'none'
            ? null
            : placement.scheme === 'aes-128'
              ? 'HLSEncryption'
              : 'AliyunVoDEncryption',
        keyRotationSegments: customer ? 0 : keyRotationSegments,
        customerKeyCiphertext: customer ? payload.encryptConfig!.cipherText : null,
        customerKeyUri: customer ? payload.encryptConfig!.decryptKeyUri : null,
        storagePrefix: `${jobPrefix}${placement.planned.name}/`,
        playlistKey: rendition.playlistKey,
        segmentCount: rendition.segmentCount,
        status: 'Normal',
        creationTime,
        traced: placement.template?.traceWatermark !== undefined,
      });
    }
    return streams;
  } finally {
    dataKey?.fill(0);
    customerKey?.fill(0);
  }
}

function plan(
  probed: ProbeResult,
  templates: TranscodeTemplate[],
  payload: JobPayloads['transcode'],
): Placement[] {
  const planned = planLadder(
    {
      width: probed.video.displayWidth,
      height: probed.video.displayHeight,
      fps: probed.video.fps,
      hasAudio: probed.audio !== undefined,
      durationSeconds: probed.durationSeconds,
    },
    templates.map((t) => ({
      templateId: t.transcodeTemplateId,
      definition: t.definition,
      width: t.video.width,
      height: t.video.height,
      videoBitrateKbps: t.video.bitrateKbps,
      audioBitrateKbps: t.audio.bitrateKbps,
      fps: t.video.fps,
    })),
  );
  return planned.map((p) => {
    const template = templates.find((t) => t.transcodeTemplateId === p.templateId);
    const encryptType = template?.encrypt?.encryptType;
    // An EncryptConfig turns any encrypted template into standard HLS with the customer's key,
    // as in the cloud API; HLSEncryption is standard HLS with our keys; the vendor's
    // proprietary names are our private AES-256-GCM.
    const scheme: EncryptScheme =
      encryptType === undefined
        ? 'none'
        : payload.encryptConfig || encryptType === 'HLSEncryption'
          ? 'aes-128'
          : 'aes-256-gcm';
    return { planned: p, template, scheme };
  });
}

async function videoDataKey(deps: TranscodeJobDeps, video: VideoRecord): Promise<Uint8Array> {
  const current = await deps.videos.find(video.videoId);
  if (current?.dataKeyCiphertext) {
    return (await deps.kms.decrypt(current.dataKeyCiphertext, videoDataKeyContext(video.videoId))).plaintext;
  }
  const key = await deps.kms.generateDataKey({ bytes: 32, context: videoDataKeyContext(video.videoId) });
  await deps.videos.update(video.videoId, { dataKeyCiphertext: key.ciphertextBlob });
  return key.plaintext;
}

function mezzaninePatch(p: ProbeResult) {
  return {
    duration: Math.round(p.durationSeconds * 1000) / 1000,
    width: p.video.displayWidth,
    height: p.video.displayHeight,
    fps: p.video.fps,
    bitrate: p.bitRate ? Math.round(p.bitRate / 10) / 100 : null,
    mezzanine: JSON.stringify(mezzanineSummary(p)),
  };
}

async function announce(deps: TranscodeJobDeps, payload: JobPayloads['transcode'], streams: StreamRecord[]) {
  const infos = streams.map((s) => ({
    Status: 'success',
    Bitrate: String(Math.round(s.bitrateKbps)),
    Definition: s.definition,
    Duration: s.duration,
    Encrypt: s.encryptScheme !== 'none',
    FileUrl: s.playlistKey,
    Format: s.format,
    Fps: String(s.fps),
    Height: s.height,
    Width: s.width,
    Size: s.size,
    JobId: s.streamId,
  }));
  for (const info of infos) {
    await deps.callbacks.emit(
      'StreamTranscodeComplete',
      { VideoId: payload.videoId, ...info },
      payload.userData,
    );
  }
  await deps.callbacks.emit(
    'TranscodeComplete',
    { VideoId: payload.videoId, Status: 'success', StreamInfos: infos },
    payload.userData,
  );
}

function describeFailure(error: unknown): string {
  if (isFfmpegError(error, 'NotAVideo')) return 'The uploaded file has no video stream; upload a video file.';
  if (isFfmpegError(error, 'InvalidInput')) {
    return 'The uploaded file could not be read as media; it may be damaged or not a video. Upload it again.';
  }
  if (error instanceof Error) return error.message.split('\n')[0]!.slice(0, 300);
  return String(error);
}

function errorCode(error: unknown): string {
  if (isFfmpegError(error, 'NotAVideo') || isFfmpegError(error, 'InvalidInput')) {
    return 'InvalidParameter.ResourceContentBad';
  }
  return (error as { code?: string }).code ?? 'TranscodeFailed';
}
