/**
 * The `url-upload` job (UploadMediaByURL, reference-more §6): fetch one URL through the outbound
 * client — http(s) only, every redirect hop and every resolved address checked against the
 * outbound policy, a time limit and a size limit — and stream the body straight into object
 * storage as the video's source; nothing is held whole in memory or written elsewhere. Then
 * UploadByURLComplete and the normal upload path (`TranscodeScheduler.completeUpload`:
 * FileUploadComplete, transcoding).
 *
 * The video is created when the source answers, so a refused or dead URL leaves no video; a
 * pull that fails for good deletes the video it created. Refusals and client errors are
 * permanent; network trouble and 5xx answers are retried with the job's backoff. Every outcome
 * is recorded on the `url_uploads` row with a per-URL ErrorCode.
 */
import { Transform, type TransformCallback } from 'node:stream';
import { parseUserData } from '../callbacks/callback-config.js';
import type { CallbackDispatcher } from '../callbacks/callback-dispatcher.js';
import { newVideoId, sourceObjectKey, UPLOAD_BUCKET, UPLOADING_VIDEO } from '../catalogue/upload-service.js';
import type { TranscodeScheduler } from '../catalogue/transcode-scheduler.js';
import type { UrlUploadLimits } from '../config/server-config.js';
import { URL_PULL_ERROR_CODES, type UrlPullErrorCode } from '../errors/api-error.js';
import type { Job } from '../jobs/job-queue.js';
import {
  describeOutboundFailure,
  OutboundError,
  parseHttpUrl,
  type OutboundClient,
} from '../outbound/outbound-client.js';
import type { SourceVault } from '../source/source-vault.js';
import type { ObjectStore } from '../storage/object-store.js';
import { ObjectStoreError } from '../storage/object-store.js';
import type { UrlUploadRecord, UrlUploadStore } from '../store/url-upload-store.js';
import type { VideoStore } from '../store/video-store.js';

/** No bytes from the source for this long ends the pull. */
export const PULL_IDLE_TIMEOUT_MS = 60_000;
const PROGRESS_EVERY_MS = 1000;

export interface UrlPullDeps {
  uploads: UrlUploadStore;
  videos: VideoStore;
  objects: ObjectStore;
  /** Stores the pulled source encrypted, as the upload endpoint does. */
  sources: Pick<SourceVault, 'put'>;
  outbound: OutboundClient;
  scheduler: Pick<TranscodeScheduler, 'completeUpload'>;
  callbacks: CallbackDispatcher;
  limits: UrlUploadLimits;
}

/** A pull failure with its per-URL code; `permanent` steers the job (STYLE §5). */
export class UrlPullError extends Error {
  override readonly name = 'UrlPullError';
  constructor(
    readonly pullCode: UrlPullErrorCode,
    message: string,
    readonly permanent: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

const OUTBOUND_CODES: Record<OutboundError['code'], UrlPullErrorCode> = {
  InvalidUrl: URL_PULL_ERROR_CODES.invalid,
  UnsupportedScheme: URL_PULL_ERROR_CODES.invalid,
  AddressRefused: URL_PULL_ERROR_CODES.addressRefused,
  TooManyRedirects: URL_PULL_ERROR_CODES.tooManyRedirects,
  Timeout: URL_PULL_ERROR_CODES.timeout,
  TooLarge: URL_PULL_ERROR_CODES.tooLarge,
  NetworkError: URL_PULL_ERROR_CODES.downloadFailed,
};

function toPullError(error: unknown, url: URL, signal: AbortSignal): UrlPullError {
  if (error instanceof UrlPullError) return error;
  if (error instanceof ObjectStoreError) {
    return new UrlPullError(
      URL_PULL_ERROR_CODES.storeFailed,
      `Storing the file failed: ${error.message}`,
      false,
      {
        cause: error,
      },
    );
  }
  const outbound = error instanceof OutboundError ? error : describeOutboundFailure(error, url, signal);
  return new UrlPullError(OUTBOUND_CODES[outbound.code], outbound.message, outbound.permanent, {
    cause: error,
  });
}

const tooLarge = (max: number) =>
  new UrlPullError(
    URL_PULL_ERROR_CODES.tooLarge,
    `The file is larger than ${max} bytes, the most this server pulls (SECUREVOD_URL_UPLOAD_MAX_BYTES).`,
    true,
  );

/** Counts bytes on their way to storage; fails the stream past `max`; reports progress. */
class ByteLimit extends Transform {
  bytes = 0;
  private lastReport = 0;
  constructor(
    private readonly max: number,
    private readonly onProgress: (bytes: number) => void,
  ) {
    super();
  }
  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.bytes += chunk.length;
    if (this.bytes > this.max) return done(tooLarge(this.max));
    const now = Date.now();
    if (now - this.lastReport >= PROGRESS_EVERY_MS) {
      this.lastReport = now;
      this.onProgress(this.bytes);
    }
    done(null, chunk);
  }
}

export function createUrlPullJobHandler(deps: UrlPullDeps) {
  const { uploads, videos } = deps;

  const announce = async (record: UrlUploadRecord, body: Record<string, unknown>) => {
    await deps.callbacks.emit(
      'UploadByURLComplete',
      { JobId: record.jobId, SourceURL: record.uploadUrl, ...body },
      parseUserData(record.userData ?? undefined),
    );
  };

  /** Fetches and stores; returns the stored size. Creates the video once the source answers. */
  const pull = async (
    record: UrlUploadRecord,
    signal: AbortSignal,
  ): Promise<{ videoId: string; size: number; etag: string }> => {
    const url = parseHttpUrl(record.uploadUrl);
    const response = await deps.outbound.request(record.uploadUrl, {
      signal,
      timeoutMs: deps.limits.timeoutMs,
      idleTimeoutMs: PULL_IDLE_TIMEOUT_MS,
      maxRedirects: deps.limits.maxRedirects,
    });
    try {
      if (response.status < 200 || response.status > 299) {
        const retry = response.status >= 500 || response.status === 429 || response.status === 408;
        throw new UrlPullError(
          URL_PULL_ERROR_CODES.downloadFailed,
          `${response.url.host} answered HTTP ${response.status} for ${response.url.pathname}.`,
          !retry,
        );
      }
      const declared = Number(response.headers['content-length']);
      if (Number.isFinite(declared) && declared > deps.limits.maxBytes) throw tooLarge(deps.limits.maxBytes);

      let videoId = record.mediaId;
      if (videoId === null) {
        videoId = newVideoId();
        await createVideo(deps, record, videoId);
        await uploads.update(record.jobId, { mediaId: videoId });
      }
      await uploads.update(record.jobId, { status: 'DOWNLOADING' });
      const video = await videos.find(videoId);
      if (!video)
        throw new UrlPullError(
          URL_PULL_ERROR_CODES.storeFailed,
          'The video was deleted during the pull.',
          true,
        );
      // Progress writes run one after another and are awaited before the outcome is recorded,
      // so a late one never overwrites the final size.
      let progress: Promise<unknown> = Promise.resolve();
      const counter = new ByteLimit(deps.limits.maxBytes, (bytes) => {
        progress = progress.then(() =>
          uploads.update(record.jobId, { fileSize: bytes }).catch(() => undefined),
        );
      });
      response.body.once('error', (error) => counter.destroy(toPullError(error, url, signal)));
      // The source's Content-Type is not trusted (nor needed): the object is stored as bytes.
      const stored = await deps.sources
        .put(video, response.body.pipe(counter) as AsyncIterable<Uint8Array>)
        .finally(() => progress);
      return { videoId, size: stored.size, etag: stored.etag };
    } finally {
      if (!response.body.destroyed) response.body.destroy();
    }
  };

  return async (job: Job<'url-upload'>, ctx: { signal: AbortSignal }): Promise<void> => {
    const record = await uploads.find(job.payload.jobId);
    if (!record || ['SUCCESS', 'DOWNLOAD_FAIL', 'UPLOAD_FAIL'].includes(record.status)) return;
    await uploads.update(record.jobId, { status: 'PROCESSING' });
    let result: { videoId: string; size: number; etag: string };
    try {
      result = await pull(record, ctx.signal);
    } catch (caught) {
      const error = toPullError(caught, safeUrl(record.uploadUrl), ctx.signal);
      if (ctx.signal.aborted || (!error.permanent && job.attempts < job.maxAttempts)) {
        await uploads.update(record.jobId, {
          status: 'PENDING',
          errorMessage: `retrying after: ${error.message}`,
        });
        throw error;
      }
      const failed = (await uploads.find(record.jobId)) ?? record;
      if (failed.mediaId !== null) {
        // The pull made this video and no source ever arrived: it goes again.
        await deps.objects.deletePrefix(`sources/${failed.mediaId}/`).catch(() => undefined);
        await videos.delete(failed.mediaId);
      }
      await uploads.update(record.jobId, {
        status: error.pullCode === URL_PULL_ERROR_CODES.storeFailed ? 'UPLOAD_FAIL' : 'DOWNLOAD_FAIL',
        mediaId: null,
        errorCode: error.pullCode,
        errorMessage: error.message,
        completeTime: uploads.now(),
      });
      await announce(record, { Status: 'fail', ErrorCode: error.pullCode, ErrorMessage: error.message });
      throw error;
    }

    await uploads.update(record.jobId, {
      status: 'UPLOAD_SUCCESS',
      fileSize: result.size,
      errorMessage: null,
    });
    const video = await videos.find(result.videoId);
    await announce(record, { VideoId: result.videoId, Status: 'success', Size: String(result.size) });
    if (video) {
      // The normal path of a finished upload: UploadSucc, FileUploadComplete, transcoding.
      await deps.scheduler.completeUpload({
        objectKey: video.sourceKey,
        size: result.size,
        etag: result.etag,
      });
    }
    await uploads.update(record.jobId, { status: 'SUCCESS', completeTime: uploads.now() });
  };
}

function safeUrl(raw: string): URL {
  try {
    return new URL(raw);
  } catch {
    return new URL('invalid:');
  }
}

async function createVideo(deps: UrlPullDeps, record: UrlUploadRecord, videoId: string): Promise<void> {
  const m = record.metadata;
  const fileName = `${m.title.replace(/[\\/]/g, '_').slice(0, 100)}${m.fileExtension}`;
  await deps.videos.insert({
    videoId,
    title: m.title,
    description: m.description ?? null,
    fileName,
    fileSize: null,
    coverUrl: m.coverUrl ?? null,
    cateId: m.cateId ?? null,
    tags: m.tags ?? null,
    templateGroupId: m.templateGroupId,
    storageLocation: m.storageLocation ?? UPLOAD_BUCKET,
    appId: record.appId,
    userData: record.userData,
    ...UPLOADING_VIDEO,
    sourceKey: sourceObjectKey(videoId, `source${m.fileExtension}`),
  });
}
