/**
 * `--wait`: follows a video through GetVideoInfo until its status is final, reporting our
 * `TranscodeProgress` extension (0–100 while Transcoding) as it goes.
 *
 * Final: Normal (done), and TranscodeFail, UploadFail, ProduceFail, Blocked (failed; the server
 * explains TranscodeFail in `StatusReason`). UploadSucc is final only for a video whose template
 * group does not transcode (VOD_NO_TRANSCODE or an empty group): nothing will move it further.
 * A server that is briefly unreachable (a restart) is polled again, up to a bound in the policy.
 */
import { VodTransportError, type VodApiClient } from './vod-api-client.js';

export interface VideoInfo {
  readonly VideoId: string;
  readonly Title: string;
  readonly Status: string;
  readonly StatusReason?: string;
  readonly TranscodeProgress?: number;
  readonly Size: number;
  readonly Duration: number;
  readonly TemplateGroupId: string;
}

export interface WaitPolicy {
  readonly intervalMs: number;
  /** Transport failures in a row (server down or restarting) before giving up. */
  readonly maxConsecutiveFailures: number;
}

export const DEFAULT_WAIT_POLICY: WaitPolicy = { intervalMs: 1000, maxConsecutiveFailures: 15 };

export const FAILED_STATUSES: ReadonlySet<string> = new Set([
  'TranscodeFail',
  'UploadFail',
  'ProduceFail',
  'Blocked',
]);

export async function getVideoInfo(api: VodApiClient, videoId: string): Promise<VideoInfo> {
  return (await api.request<{ Video: VideoInfo }>('GetVideoInfo', { VideoId: videoId })).Video;
}

/** Whether videos of this template group are transcoded at all. */
async function groupTranscodes(api: VodApiClient, templateGroupId: string): Promise<boolean> {
  const { TranscodeTemplateGroup: group } = await api.request<{
    TranscodeTemplateGroup: { TranscodeMode?: string; TranscodeTemplateList?: unknown[] };
  }>('GetTranscodeTemplateGroup', { TranscodeTemplateGroupId: templateGroupId });
  return group.TranscodeMode !== 'NoTranscode' && (group.TranscodeTemplateList?.length ?? 0) > 0;
}

export async function waitForTranscode(
  api: VodApiClient,
  first: VideoInfo,
  options: {
    /** Each state seen, unless the video is not transcoded at all. */
    onUpdate?: (video: VideoInfo) => void;
    policy?: Partial<WaitPolicy>;
    sleep?: (ms: number) => Promise<void>;
  } = {},
): Promise<VideoInfo> {
  const policy = { ...DEFAULT_WAIT_POLICY, ...options.policy };
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const transcodes = await groupTranscodes(api, first.TemplateGroupId);
  let video = first;
  let failures = 0;
  for (;;) {
    if (video.Status === 'UploadSucc' && !transcodes) return video;
    options.onUpdate?.(video);
    if (video.Status === 'Normal' || FAILED_STATUSES.has(video.Status)) return video;
    await sleep(policy.intervalMs);
    try {
      video = await getVideoInfo(api, video.VideoId);
      failures = 0;
    } catch (error) {
      if (!(error instanceof VodTransportError) || ++failures > policy.maxConsecutiveFailures) throw error;
    }
  }
}
