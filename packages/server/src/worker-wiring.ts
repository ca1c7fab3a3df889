/**
 * Composition of the worker role, called by server.ts when the node runs it: the scratch
 * directories, one handler per job type (a `Record<JobType, …>`, so a type without a handler does
 * not compile), one `Worker` per slot of jobs/worker-slots.ts, and the stuck-transcode sweep.
 * Part of the composition root: it knows the concrete stores and services.
 */
import type { FastifyBaseLogger } from 'fastify';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { CallbackDispatcher } from './callbacks/callback-dispatcher.js';
import type { SnapshotScheduler } from './catalogue/snapshot-scheduler.js';
import type { TemplateGroupService } from './catalogue/template-group-service.js';
import type { TranscodeScheduler } from './catalogue/transcode-scheduler.js';
import type { ServerConfig } from './config/server-config.js';
import type { Job, JobQueue } from './jobs/job-queue.js';
import { JOB_RETRY_POLICIES } from './jobs/retry-policies.js';
import { WORKER_SLOTS } from './jobs/worker-slots.js';
import { Worker } from './jobs/worker.js';
import type { DataKeyCache } from './keys/data-key-cache.js';
import type { Kms } from './kms/kms.js';
import type { OutboundClient } from './outbound/outbound-client.js';
import type { PlaybackService } from './playback/playback-service.js';
import type { SourceVault } from './source/source-vault.js';
import type { ObjectStore } from './storage/object-store.js';
import type { SnapshotStore } from './store/snapshot-store.js';
import type { StreamStore } from './store/stream-store.js';
import type { TraceExtractJobStore } from './store/trace-extract-job-store.js';
import type { TraceSessionStore } from './store/trace-session-store.js';
import type { UrlUploadStore } from './store/url-upload-store.js';
import type { VideoStore } from './store/video-store.js';
import type { TraceCode } from './trace/trace-code.js';
import { createTraceExtractJobHandler } from './trace/trace-extract-job-handler.js';
import { clearRenditionOpener } from './trace/trace-references.js';
import { createSnapshotJobHandler } from './transcode/snapshot-job-handler.js';
import { sweepStuckTranscodes } from './transcode/stuck-transcode-sweeper.js';
import { cleanScratch, createTranscodeJobHandler } from './transcode/transcode-job-handler.js';
import { createUrlPullJobHandler } from './upload/url-pull-job-handler.js';

export interface WorkerRoleDeps {
  readonly config: ServerConfig;
  readonly queue: JobQueue;
  readonly videos: VideoStore;
  readonly streams: StreamStore;
  readonly groups: TemplateGroupService;
  readonly objects: ObjectStore;
  readonly kms: Kms;
  readonly dataKeys: DataKeyCache;
  readonly sources: SourceVault;
  readonly callbacks: CallbackDispatcher;
  readonly outbound: OutboundClient;
  readonly scheduler: TranscodeScheduler;
  readonly snapshotScheduler: SnapshotScheduler;
  readonly snapshots: SnapshotStore;
  readonly urlUploads: UrlUploadStore;
  readonly traceExtractJobs: TraceExtractJobStore;
  readonly issuedTraceIds: TraceSessionStore;
  /** The same code word the media role serves (built once from the trace secret at start). */
  readonly traceCode: TraceCode;
  readonly playback: PlaybackService;
  readonly publicUrl: () => string;
  readonly log: FastifyBaseLogger;
  /** Registers clean-up for when the server closes. */
  readonly onClose: (cleanup: () => void) => void;
}

/** Starts nothing yet: returns the workers, which the caller starts once the server listens. */
export async function wireWorkerRole(deps: WorkerRoleDeps): Promise<Worker[]> {
  const {
    config,
    queue,
    videos,
    streams,
    groups,
    objects,
    kms,
    dataKeys,
    sources,
    callbacks,
    outbound,
    scheduler,
    snapshotScheduler,
    snapshots,
    urlUploads,
    traceExtractJobs,
    issuedTraceIds,
    traceCode,
    playback,
    publicUrl,
    log,
    onClose,
  } = deps;
  const scratchDir = join(config.dataDir, 'scratch');
  await cleanScratch(scratchDir);
  // Snapshot jobs run beside transcodes; their own scratch dir keeps each kind's files apart.
  const snapshotScratchDir = join(config.dataDir, 'snapshot-scratch');
  await cleanScratch(snapshotScratchDir);
  const transcode = createTranscodeJobHandler({
    videos,
    streams,
    groups,
    objects,
    kms,
    callbacks,
    sources,
    deleteSourceAfterTranscode: config.deleteSourceAfterTranscode,
    scratchDir,
    ffmpegPath: config.ffmpegPath,
    ffprobePath: config.ffprobePath,
    x264Preset: config.x264Preset,
    // The vendor takes CoverSnapshots of every upload; we take them once a video is transcoded
    // and still has no cover — unless the source is deleted right after, as covers are taken
    // from the source.
    onPublished: async (videoId) => {
      if (config.deleteSourceAfterTranscode) return;
      const video = await videos.find(videoId);
      if (video && !video.coverUrl) await snapshotScheduler.submitCover(videoId);
    },
    log,
  });
  const handlers = {
    transcode,
    callback: (job: Job<'callback'>, ctx: { signal: AbortSignal }) =>
      callbacks.deliver(job.payload, ctx.signal),
    'url-upload': createUrlPullJobHandler({
      uploads: urlUploads,
      videos,
      objects,
      sources,
      outbound,
      scheduler,
      callbacks,
      limits: config.urlUpload,
    }),
    snapshot: createSnapshotJobHandler({
      snapshots,
      videos,
      objects,
      sources,
      callbacks,
      scratchDir: snapshotScratchDir,
      ffmpegPath: config.ffmpegPath,
      ffprobePath: config.ffprobePath,
      mediaUrl: (path) => playback.assetUrl(path, playback.nowSeconds() + 3600),
      publicUrl,
    }),
    'trace-extract': createTraceExtractJobHandler({
      jobs: traceExtractJobs,
      videos,
      streams,
      traceSessions: issuedTraceIds,
      objects,
      sources,
      openRendition: clearRenditionOpener({ objects, videos, dataKeys }),
      traceCode: async () => traceCode,
      ffmpegPath: config.ffmpegPath,
    }),
  };
  const common = {
    queue,
    handlers,
    pollIntervalMs: 1000,
    leaseMs: config.jobLeaseMs,
    retryPolicies: JOB_RETRY_POLICIES,
    logger: log,
  };
  const sweep = () =>
    sweepStuckTranscodes({ videos, streams, queue, callbacks }).catch((err: unknown) =>
      log.warn({ err }, 'stuck-transcode sweep failed'),
    );
  const sweeper = setInterval(() => void sweep(), 60_000);
  sweeper.unref();
  onClose(() => clearInterval(sweeper));
  void sweep();
  // One Worker per slot (jobs/worker-slots.ts), so no kind of job waits behind another.
  return WORKER_SLOTS.map(
    (slot) =>
      new Worker({
        ...common,
        types: [...slot.types],
        concurrency: slot.concurrency,
        workerId: `${hostname()}:${process.pid}:${slot.name}`,
      }),
  );
}
