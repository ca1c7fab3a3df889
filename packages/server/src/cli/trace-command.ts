/**
 * `securevod trace FILE --video VIDEO_ID`: names the viewer a leaked copy came from (issue 13,
 * docs/tracing.md "Detection"). It uploads FILE like any video (CreateUploadVideo + ali-oss,
 * template group VOD_NO_TRANSCODE: the detector reads the stored source), runs
 * SubmitDigitalWatermarkExtractJob with `SourceVideoId` = VIDEO_ID and follows
 * GetDigitalWatermarkExtractResult. Progress goes to stderr; the verdict to stdout (one JSON
 * object with `--json`). Exit 0 for a match and for "no match" (both are answers), 1 for a failure.
 */
import { Command } from 'commander';
import { nonEmpty } from './cli-options.js';
import { CliError, exitAfterFlush, exitWithError, exitOnCommanderExit } from './cli-error.js';
import type { ClientFlags } from './client-config.js';
import { createProgressReporter } from './progress-reporter.js';
import { getVideoInfo } from './transcode-waiter.js';
import { prepareFileUpload, uploadVideoFile } from './video-file-upload.js';

interface TraceFlags extends ClientFlags {
  video: string;
  json?: boolean;
}

/** GetDigitalWatermarkExtractResult's entry, with our `TraceReport` extension. */
interface ExtractResult {
  JobId: string;
  Status: 'Processing' | 'Success' | 'Failed';
  WaterMarkText: string;
  ErrorMessage: string;
  Progress?: number;
  TraceReport?: {
    Verdict: 'Match' | 'NoMatch';
    Score: { TraceId: string; Agreements: number; Bits: number; PValue: number; Log10PValue: number } | null;
    Threshold: { FalseAccusationBound: number; MaxPValue: number; AgreementsNeeded: number | null };
    SegmentsUsed: number;
    BitsRead: number;
    OffsetSeconds: number;
    CandidatesScored: number;
    TopCandidates: { TraceId: string; Agreements: number; Bits: number; Log10PValue: number }[];
    Sessions: { SessionId: string; ViewerId: string | null; Kind: string; IssuedAt: string }[];
  };
}

const POLL_MS = 1000;

export function traceCommand(): Command {
  return new Command('trace')
    .description('find which viewer a leaked copy of a traced video came from')
    .argument('<file>', 'the leaked video file')
    .requiredOption('--video <id>', 'the traced original (its VideoId)', nonEmpty)
    .option('--json', 'print one JSON object on stdout at the end, no progress output')
    .option('--endpoint <url>', 'server URL (env SECUREVOD_ENDPOINT, default http://127.0.0.1:8080)')
    .option('--credentials <file>', 'JSON file with {"accessKeyId", "accessKeySecret"}')
    .addHelpText(
      'after',
      `
The file is uploaded as a new video (not transcoded) and compared with VIDEO_ID's traced
rendition on the server's worker. A trace ID is named only when its score clears the threshold
for a false-accusation probability below 1e-6 over every trace ID issued for the video;
otherwise the verdict is "no match". AccessKey: as for \`securevod upload\`.

Exit codes: 0 verdict printed (match or no match), 1 failed, 2 usage error.

Examples:
  securevod trace leaked.mp4 --video 3f2a…
  securevod trace leaked.mp4 --video 3f2a… --json`,
    )
    .exitOverride(exitOnCommanderExit)
    .action(async (file: string, flags: TraceFlags) => {
      try {
        await runTrace(file, flags);
      } catch (error) {
        await exitWithError('trace', error);
      }
    });
}

async function runTrace(file: string, flags: TraceFlags): Promise<void> {
  const { size, api, mode, fileName } = await prepareFileUpload(file, flags);

  const ticket = await uploadVideoFile(api, {
    file,
    size,
    title: `leak: ${fileName}`.slice(0, 128),
    templateGroupId: 'VOD_NO_TRANSCODE',
    mode,
  });
  for (;;) {
    const info = await getVideoInfo(api, ticket.videoId);
    if (info.Status === 'UploadSucc' || info.Status === 'Normal') break;
    if (info.Status === 'UploadFail') throw new CliError(`upload of ${fileName} failed`);
    await sleep(300);
  }

  const { JobId } = await api.request<{ JobId: string }>('SubmitDigitalWatermarkExtractJob', {
    MediaId: ticket.videoId,
    ExtractType: 'TraceMark',
    SourceVideoId: flags.video,
  });
  const bar = createProgressReporter(mode, 'detect', 'percent', process.stderr);
  bar.start(100);
  let result: ExtractResult;
  try {
    for (;;) {
      const { AiExtractResultList } = await api.request<{ AiExtractResultList: ExtractResult[] }>(
        'GetDigitalWatermarkExtractResult',
        { MediaId: ticket.videoId, ExtractType: 'TraceMark', JobId },
      );
      const found = AiExtractResultList.find((r) => r.JobId === JobId);
      if (!found) throw new CliError(`extraction job ${JobId} disappeared`);
      bar.update(found.Status === 'Processing' ? (found.Progress ?? 0) : 100);
      if (found.Status !== 'Processing') {
        result = found;
        break;
      }
      await sleep(POLL_MS);
    }
  } finally {
    bar.stop();
  }
  if (result.Status === 'Failed') throw new CliError(`detection failed: ${result.ErrorMessage}`);
  print(result, { json: flags.json === true, leakId: ticket.videoId, videoId: flags.video });
  await exitAfterFlush(0);
}

function print(result: ExtractResult, options: { json: boolean; leakId: string; videoId: string }): void {
  const r = result.TraceReport;
  const verdict = result.WaterMarkText ? 'match' : 'no-match';
  if (options.json) {
    const out = {
      verdict,
      traceId: result.WaterMarkText || null,
      message: result.ErrorMessage || null,
      videoId: options.videoId,
      leakVideoId: options.leakId,
      jobId: result.JobId,
      score: r?.Score ?? null,
      threshold: r?.Threshold ?? null,
      segmentsUsed: r?.SegmentsUsed ?? 0,
      bitsRead: r?.BitsRead ?? 0,
      offsetSeconds: r?.OffsetSeconds ?? null,
      candidatesScored: r?.CandidatesScored ?? 0,
      topCandidates: r?.TopCandidates ?? [],
      sessions: r?.Sessions ?? [],
    };
    process.stdout.write(`${JSON.stringify(out)}\n`);
    return;
  }
  const lines = [
    `verdict:        ${verdict === 'match' ? 'MATCH' : 'no match'}`,
    `trace ID:       ${result.WaterMarkText || '-'}`,
  ];
  if (r?.Score) {
    lines.push(
      `score:          ${r.Score.Agreements}/${r.Score.Bits} bits agree, p = ${r.Score.PValue.toExponential(2)}` +
        ` (best candidate ${r.Score.TraceId})`,
    );
  }
  if (r) {
    lines.push(
      `threshold:      p ≤ ${r.Threshold.MaxPValue.toExponential(2)} (false accusation < ${r.Threshold.FalseAccusationBound}` +
        ` over ${r.CandidatesScored} trace IDs; ${r.Threshold.AgreementsNeeded ?? 'more than'}/${r.BitsRead} bits)`,
      `segments used:  ${r.SegmentsUsed} (${r.BitsRead} bits read), leak starts at ${r.OffsetSeconds.toFixed(1)} s`,
    );
    for (const s of r.Sessions)
      lines.push(`session:        ${s.SessionId} ${s.Kind} viewer=${s.ViewerId ?? '-'} at ${s.IssuedAt}`);
  }
  if (result.ErrorMessage) lines.push(`note:           ${result.ErrorMessage}`);
  process.stdout.write(`${lines.join('\n')}\n`);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
