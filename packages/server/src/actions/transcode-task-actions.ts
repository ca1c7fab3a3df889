/**
 * GetTranscodeTask, ListTranscodeTask and GetTranscodeSummary (reference-more §4), read from the
 * records that already exist: the job queue's `transcode` jobs (one per task: TranscodeTaskId is
 * the job's payload `jobId`, its status and times) and the published streams (one per output:
 * TranscodeJobId is the stream's `JobId` in PlayInfo). Both queues keep job records for a while,
 * not forever (the database queue keeps them; BullMQ keeps finished jobs for a day, 1000 at
 * most) and a listing reads the newest 1000: older tasks are not found.
 */
import { catalogueErrors } from '../catalogue/catalogue-errors.js';
import type { TemplateGroupService } from '../catalogue/template-group-service.js';
import { wireTime } from '../catalogue/template-group-service.js';
import { UPLOAD_BUCKET } from '../catalogue/upload-service.js';
import { apiErrors } from '../errors/api-error.js';
import type { Job, JobQueue } from '../jobs/job-queue.js';
import type { ActionHandler } from '../rpc/rpc-plugin.js';
import type { StreamRecord, StreamStore } from '../store/stream-store.js';
import type { VideoRecord, VideoStore } from '../store/video-store.js';

/** How many of the newest transcode job records a query reads. */
export const TASK_SCAN_LIMIT = 1000;

type TaskStatus = 'Processing' | 'CompleteAllSucc' | 'CompleteAllFail' | 'CompletePartialSucc';

interface Task {
  job: Job<'transcode'>;
  status: TaskStatus;
  streams: StreamRecord[];
}

export function transcodeTaskActions(deps: {
  queue: Pick<JobQueue, 'list'>;
  videos: VideoStore;
  streams: StreamStore;
  groups: TemplateGroupService;
  publicUrl: () => string;
}): Record<string, ActionHandler> {
  const transcodeJobs = async () =>
    (await deps.queue.list({ type: 'transcode', limit: TASK_SCAN_LIMIT })) as Job<'transcode'>[];

  const taskOf = async (job: Job<'transcode'>): Promise<Task> => {
    const streams = (await deps.streams.listForVideo(job.payload.videoId)).filter(
      (s) => s.jobId === job.payload.jobId,
    );
    const status: TaskStatus =
      job.status === 'queued' || job.status === 'running'
        ? 'Processing'
        : job.status === 'failed'
          ? 'CompleteAllFail'
          : 'CompleteAllSucc';
    return { job, status, streams };
  };

  const templateIdOf = async (task: Task, definition: string) => {
    const group = await deps.groups.store.find(task.job.payload.templateGroupId);
    return group?.templates.find((t) => t.definition === definition)?.transcodeTemplateId ?? '';
  };

  const jobInfos = async (task: Task, video: VideoRecord | undefined) => {
    const infos = [];
    for (const s of task.streams) {
      infos.push({
        TranscodeJobId: s.streamId,
        TranscodeTemplateId: await templateIdOf(task, s.definition),
        Priority: String(task.job.priority),
        Definition: s.definition,
        InputFileUrl: video ? `${deps.publicUrl()}/${UPLOAD_BUCKET}/${video.sourceKey}` : '',
        CreationTime: wireTime(task.job.createdAt),
        CompleteTime: wireTime(s.creationTime),
        TranscodeJobStatus: 'TranscodeSuccess',
        TranscodeProgress: 100,
        OutputFile: {
          OutputFileUrl: `${deps.publicUrl()}/media/${s.videoId}/${s.playlistKey.slice(`videos/${s.videoId}/`.length)}`,
          Format: s.format,
          Width: String(s.width),
          Height: String(s.height),
          Duration: String(s.duration),
          Bitrate: String(Math.round(s.bitrateKbps)),
          Fps: String(s.fps),
          Filesize: s.size,
          Encryption: JSON.stringify(s.encryptType ? { EncryptType: s.encryptType } : {}),
          WatermarkIdList: [],
        },
      });
    }
    return infos;
  };

  const taskToWire = (task: Task) => ({
    TranscodeTaskId: task.job.payload.jobId,
    TranscodeTemplateGroupId: task.job.payload.templateGroupId,
    VideoId: task.job.payload.videoId,
    TaskStatus: task.status,
    CreationTime: wireTime(task.job.createdAt),
    ...(task.job.finishedAt ? { CompleteTime: wireTime(task.job.finishedAt) } : {}),
    Trigger: task.job.payload.trigger ?? 'Auto',
  });

  const videoTasks = async (videoId: string) => {
    const jobs = (await transcodeJobs()).filter((j) => j.payload.videoId === videoId);
    return Promise.all(jobs.map(taskOf)); // newest first, as the queue lists them
  };

  return {
    GetTranscodeTask: async ({ params }) => {
      const taskId = params.required('TranscodeTaskId');
      const job = (await transcodeJobs()).find((j) => j.payload.jobId === taskId);
      if (!job) throw catalogueErrors.noSuchResource(`TranscodeTaskId ${taskId}`);
      const task = await taskOf(job);
      const video = await deps.videos.find(job.payload.videoId);
      return {
        TranscodeTask: { ...taskToWire(task), TranscodeJobInfoList: await jobInfos(task, video) },
      };
    },

    ListTranscodeTask: async ({ params }) => {
      const videoId = params.required('VideoId');
      if (!(await deps.videos.find(videoId))) throw catalogueErrors.videoNotFound();
      const start = params.time('StartTime');
      const end = params.time('EndTime');
      if (start !== undefined && end !== undefined && end <= start) {
        throw apiErrors.invalidParameter('EndTime', 'It must be later than StartTime.');
      }
      const pageNo = params.integer('PageNo', { min: 1, max: 100_000, fallback: 1 })!;
      const pageSize = params.integer('PageSize', { min: 1, max: 50, fallback: 10 })!;
      const tasks = (await videoTasks(videoId)).filter((t) => {
        const created = Date.parse(t.job.createdAt);
        return (start === undefined || created >= start) && (end === undefined || created <= end);
      });
      return {
        TranscodeTaskList: tasks.slice((pageNo - 1) * pageSize, pageNo * pageSize).map(taskToWire),
      };
    },

    GetTranscodeSummary: async ({ params }) => {
      const ids = [
        ...new Set(
          params
            .required('VideoIds')
            .split(',')
            .map((s) => s.trim())
            .filter(Boolean),
        ),
      ];
      if (ids.length === 0) throw apiErrors.missingParameter('VideoIds');
      if (ids.length > 10)
        throw apiErrors.invalidParameter('VideoIds', `It lists ${ids.length} videos; at most 10.`);
      const nonExist: string[] = [];
      const summaries = [];
      for (const id of ids) {
        const video = await deps.videos.find(id);
        if (!video) {
          nonExist.push(id);
          continue;
        }
        const [latest] = await videoTasks(id);
        if (!latest) continue;
        const infos = await jobInfos(latest, video);
        summaries.push({
          VideoId: id,
          TranscodeTemplateGroupId: latest.job.payload.templateGroupId,
          TranscodeStatus: latest.status,
          CreationTime: wireTime(latest.job.createdAt),
          ...(latest.job.finishedAt ? { CompleteTime: wireTime(latest.job.finishedAt) } : {}),
          TranscodeJobInfoSummaryList: infos.map((info) => ({
            TranscodeTemplateId: info.TranscodeTemplateId,
            Width: info.OutputFile.Width,
            Height: info.OutputFile.Height,
            Duration: info.OutputFile.Duration,
            Bitrate: info.OutputFile.Bitrate,
            Fps: info.OutputFile.Fps,
            Format: info.OutputFile.Format,
            Filesize: info.OutputFile.Filesize,
            WatermarkIdList: [],
            TranscodeProgress: 100,
            TranscodeJobStatus: info.TranscodeJobStatus,
            CreationTime: info.CreationTime,
            CompleteTime: info.CompleteTime,
          })),
        });
      }
      return { NonExistVideoIds: nonExist, TranscodeSummaryList: summaries };
    },
  };
}
