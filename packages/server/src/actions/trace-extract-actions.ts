/**
 * SubmitDigitalWatermarkExtractJob and GetDigitalWatermarkExtractResult (issue 13 item 3,
 * docs/api.md "Leak tracing"). `MediaId` is the leaked copy, uploaded like any video;
 * `ExtractType` must be `TraceMark` (`CopyrightMark` is not implemented); `SourceVideoId` (our
 * extension, required for now) names the traced original, since an A/B detector compares with it.
 * The work runs on the worker (`trace-extract` job, trace/trace-extract-job-handler.ts).
 *
 * Results carry the vendor's fields plus our extension `TraceReport`: the verdict with its
 * score, threshold, segments used, offset, top candidates and the issuance records of the named
 * trace ID.
 */
import { randomUUID } from 'node:crypto';
import { catalogueErrors } from '../catalogue/catalogue-errors.js';
import { apiErrors } from '../errors/api-error.js';
import type { JobQueue } from '../jobs/job-queue.js';
import type { ActionHandler } from '../rpc/rpc-plugin.js';
import type { VideoStatus } from '../store/catalogue-schema.js';
import type { StreamStore } from '../store/stream-store.js';
import type { TraceExtractJobRecord, TraceExtractJobStore } from '../store/trace-extract-job-store.js';
import type { TraceSessionStore } from '../store/trace-session-store.js';
import type { VideoStore } from '../store/video-store.js';
import type { DetectionReport } from '../trace/leak-detector.js';
import { tracedRenditions } from '../trace/trace-references.js';

const EXTRACT_TYPES = ['TraceMark', 'CopyrightMark'] as const;
/** A leak can be read once its upload completed (its source is stored). */
const LEAK_STATUSES: readonly VideoStatus[] = [
  'UploadSucc',
  'Transcoding',
  'TranscodeFail',
  'Normal',
  'Checking',
  'Blocked',
];

export function traceExtractActions(deps: {
  videos: Pick<VideoStore, 'find'>;
  streams: Pick<StreamStore, 'listForVideo'>;
  jobs: TraceExtractJobStore;
  traceSessions: Pick<TraceSessionStore, 'sessionsOf'>;
  queue: Pick<JobQueue, 'enqueue'>;
  wake?: () => void;
}): Record<string, ActionHandler> {
  const extractType = (params: { required(name: string): string }) => {
    const type = params.required('ExtractType');
    if (!(EXTRACT_TYPES as readonly string[]).includes(type)) {
      throw apiErrors.invalidParameter('ExtractType', `It must be one of ${EXTRACT_TYPES.join(', ')}.`);
    }
    if (type !== 'TraceMark') {
      throw apiErrors.invalidParameter(
        'ExtractType',
        'Only TraceMark is supported (CopyrightMark is not implemented).',
      );
    }
    return type;
  };

  return {
    SubmitDigitalWatermarkExtractJob: async ({ params }) => {
      const mediaId = params.required('MediaId');
      const type = extractType(params);
      const sourceVideoId = params.required('SourceVideoId');
      const leak = await deps.videos.find(mediaId);
      if (!leak) throw catalogueErrors.videoNotFound();
      if (!LEAK_STATUSES.includes(leak.status)) throw catalogueErrors.illegalStatus(leak.status, 400);
      const source = await deps.videos.find(sourceVideoId);
      if (!source) throw catalogueErrors.videoNotFound();
      if (tracedRenditions(await deps.streams.listForVideo(sourceVideoId)).length === 0) {
        throw catalogueErrors.noneStream(`SourceVideoId ${sourceVideoId}: TraceWatermark`);
      }
      const jobId = randomUUID().replaceAll('-', '');
      await deps.jobs.insert({ jobId, mediaId, sourceVideoId, extractType: type });
      await deps.queue.enqueue('trace-extract', { jobId });
      deps.wake?.();
      return { JobId: jobId };
    },

    GetDigitalWatermarkExtractResult: async ({ params }) => {
      const mediaId = params.required('MediaId');
      extractType(params);
      const jobId = params.optional('JobId');
      const jobs = jobId
        ? [await deps.jobs.find(jobId)].filter(
            (j): j is TraceExtractJobRecord => j !== undefined && j.mediaId === mediaId,
          )
        : await deps.jobs.listForMedia(mediaId);
      const list = [];
      for (const job of jobs) list.push(await wireResult(job, deps.traceSessions));
      return { AiExtractResultList: list };
    },
  };
}

async function wireResult(job: TraceExtractJobRecord, sessions: Pick<TraceSessionStore, 'sessionsOf'>) {
  const report = job.report ? (JSON.parse(job.report) as DetectionReport) : undefined;
  const issued = report?.traceId ? await sessions.sessionsOf(job.sourceVideoId, report.traceId) : [];
  return {
    JobId: job.jobId,
    Status: job.status,
    WaterMarkText: job.status === 'Success' ? (job.waterMarkText ?? '') : '',
    ErrorMessage: job.errorMessage ?? '',
    CreateTime: wireTime(job.createTime),
    ModifyTime: wireTime(job.modifyTime),
    // Our extensions.
    SourceVideoId: job.sourceVideoId,
    Progress: job.progress,
    ...(report
      ? {
          TraceReport: {
            Verdict: report.verdict === 'match' ? 'Match' : 'NoMatch',
            Score: report.score
              ? {
                  TraceId: report.score.traceId,
                  Agreements: report.score.agreements,
                  Bits: report.score.bits,
                  PValue: report.score.pValue,
                  Log10PValue: report.score.log10P,
                  FirstSegment: report.score.window.firstSegment,
                  LastSegment: report.score.window.lastSegment,
                }
              : null,
            Threshold: {
              FalseAccusationBound: report.threshold.falseAccusationBound,
              MaxPValue: report.threshold.maxPValue,
              AgreementsNeeded: report.threshold.agreementsNeeded,
            },
            SegmentsUsed: report.segmentsUsed,
            BitsRead: report.bitsRead,
            OffsetSeconds: report.offsetSeconds,
            Crop: { Width: report.crop?.x ?? 0, Height: report.crop?.y ?? 0 },
            AlignmentCorrelation: report.alignmentCorrelation,
            CandidatesScored: report.candidatesScored,
            WindowsTested: report.windowsTested,
            TopCandidates: report.top.map((c) => ({
              TraceId: c.traceId,
              Agreements: c.agreements,
              Bits: c.bits,
              Log10PValue: c.log10P,
            })),
            Sessions: issued.map((s) => ({
              SessionId: s.sessionId,
              ViewerId: s.viewerId,
              Kind: s.kind,
              ClientIp: s.clientIp,
              AccessKeyId: s.accessKeyId,
              IssuedAt: wireTime(s.issuedAt),
            })),
          },
        }
      : {}),
  };
}

/** `2023-09-16T02:49:04Z`: the vendor's UTC format, without milliseconds. */
function wireTime(iso: string): string {
  return iso.replace(/\.\d+Z$/, 'Z');
}
