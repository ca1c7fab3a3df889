/**
 * `securevod upload FILE`: the upload flow of reference §2.4 from the command line —
 * CreateUploadVideo, the file through ali-oss to the returned UploadAddress, and with `--wait`
 * GetVideoInfo until transcoding ends. Progress goes to stderr, the result to stdout (one JSON
 * object with `--json`). Configuration is read once, here (see `client-config.ts`).
 */
import { Command } from 'commander';
import { nonEmpty } from './cli-options.js';
import { CliError, exitAfterFlush, exitWithError, exitOnCommanderExit } from './cli-error.js';
import type { ClientFlags } from './client-config.js';
import { createProgressReporter, formatBytes } from './progress-reporter.js';
import { FAILED_STATUSES, getVideoInfo, waitForTranscode, type VideoInfo } from './transcode-waiter.js';
import { prepareFileUpload, uploadVideoFile } from './video-file-upload.js';

interface UploadFlags extends ClientFlags {
  title?: string;
  templateGroupId?: string;
  wait?: boolean;
  json?: boolean;
}

/** The API's Title limit (reference §2.4). */
const TITLE_MAX_BYTES = 128;

export function uploadCommand(): Command {
  return new Command('upload')
    .description('upload a video file and (with --wait) follow its transcoding')
    .argument('<file>', 'the video file to upload')
    .option('--title <title>', 'video title (default: the file name)')
    .option('--template-group-id <id>', 'transcode template group (default: the default group)', nonEmpty)
    .option('--wait', 'wait until transcoding ends; exit 1 if it fails')
    .option('--json', 'print one JSON object on stdout at the end, no progress output')
    .option('--endpoint <url>', 'server URL (env SECUREVOD_ENDPOINT, default http://127.0.0.1:8080)')
    .option('--credentials <file>', 'JSON file with {"accessKeyId", "accessKeySecret"}')
    .addHelpText(
      'after',
      `
AccessKey: --credentials FILE, else SECUREVOD_ACCESS_KEY_ID and SECUREVOD_ACCESS_KEY_SECRET, else
data/root-credentials.json (under SECUREVOD_DATA_DIR if set) — so on the server machine, in the
directory the server runs from, no setup is needed.

Exit codes: 0 done, 1 failed (server refused, upload or transcoding failed, …), 2 usage error.

Examples:
  securevod upload lesson.mp4 --wait
  securevod upload lesson.mp4 --title "Lesson 1" --wait --json`,
    )
    .exitOverride(exitOnCommanderExit)
    .action(async (file: string, flags: UploadFlags) => {
      try {
        await runUpload(file, flags);
      } catch (error) {
        await exitWithError('upload', error);
      }
    });
}

async function runUpload(file: string, flags: UploadFlags): Promise<void> {
  const { size, api, mode, fileName } = await prepareFileUpload(file, flags);

  const ticket = await uploadVideoFile(api, {
    file,
    size,
    title: flags.title ?? truncateUtf8(fileName, TITLE_MAX_BYTES),
    templateGroupId: flags.templateGroupId,
    mode,
  });

  let video = await getVideoInfo(api, ticket.videoId);
  if (flags.wait) {
    const transcodeBar = createProgressReporter(mode, 'transcode', 'percent', process.stderr);
    let started = false;
    try {
      video = await waitForTranscode(api, video, {
        onUpdate: (current) => {
          if (FAILED_STATUSES.has(current.Status)) return;
          if (!started) transcodeBar.start(100);
          started = true;
          const percent = current.Status === 'Transcoding' ? (current.TranscodeProgress ?? 0) : 0;
          transcodeBar.update(current.Status === 'Normal' ? 100 : percent);
        },
      });
    } finally {
      transcodeBar.stop();
    }
  }

  report(video, { fileName, json: flags.json === true });
  if (FAILED_STATUSES.has(video.Status)) {
    const reason = video.StatusReason ? `: ${video.StatusReason}` : '';
    throw new CliError(`video ${video.VideoId} ended ${video.Status}${reason}`);
  }
  await exitAfterFlush(0);
}

function report(video: VideoInfo, options: { fileName: string; json: boolean }): void {
  if (options.json) {
    const result = {
      videoId: video.VideoId,
      status: video.Status,
      ...(video.StatusReason ? { statusReason: video.StatusReason } : {}),
      title: video.Title,
      fileName: options.fileName,
      size: video.Size,
      duration: video.Duration,
      templateGroupId: video.TemplateGroupId,
    };
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } else if (!FAILED_STATUSES.has(video.Status)) {
    const duration = video.Duration > 0 ? `, ${video.Duration.toFixed(1)} s` : '';
    process.stdout.write(
      `${options.fileName} (${formatBytes(video.Size)}${duration}) → video ${video.VideoId}: ${video.Status}\n`,
    );
  }
}

function truncateUtf8(text: string, maxBytes: number): string {
  let result = text;
  while (Buffer.byteLength(result) > maxBytes) result = result.slice(0, -1);
  return result;
}
