import { FfmpegError } from './ffmpeg-error.js';
import { FfmpegProgressParser, type FfmpegProgress } from './ffmpeg-progress.js';
import type { FfmpegLogger } from './logger.js';
import { runTool, summarizeStderr } from './tool-process.js';

export interface RunFfmpegOptions {
  ffmpegPath: string;
  logger?: FfmpegLogger;
  /**
   * Called for every progress report (about twice a second, and once with `done: true`); not
   * called any more once `signal` has aborted.
   */
  onProgress?: (progress: FfmpegProgress) => void;
  /** Aborting kills ffmpeg (SIGTERM, SIGKILL after `killGraceMs`) and rejects with `Aborted`. */
  signal?: AbortSignal;
  /** Source duration; enables `percent` in progress reports. */
  durationSeconds?: number;
  /** Grace period between SIGTERM and SIGKILL on abort. Default 5000 ms. */
  killGraceMs?: number;
  /**
   * Report how many frames ffmpeg decoded from the first input's video stream
   * (`FfmpegRunSummary.inputVideoFrames`). Runs ffmpeg at `-v verbose`, whose final statistics
   * list per input stream "N packets read (…); M frames decoded": the frame count comes from
   * the encode itself, without a separate decoding or demuxing pass.
   */
  countInputFrames?: boolean;
}

/** What a successful run reports about itself. */
export interface FfmpegRunSummary {
  /** Output position of the last progress report, in seconds (the encoded duration). */
  outTimeSeconds: number;
  /** Frames decoded from the first input's first video stream; only with `countInputFrames`. */
  inputVideoFrames?: number;
}

/**
 * ffmpeg 5.1 `print_final_stats` at verbose: `  Input stream #0:0 (video): 150 packets read
 * (…); 150 frames decoded; `. Streams that are not used report 0 frames decoded.
 */
const INPUT_VIDEO_STATS =
  /^\s*Input stream #0:\d+ \(video\): \d+ packets read \(\d+ bytes\); (\d+) frames decoded/;

/**
 * Runs one ffmpeg process with `args` (as built by e.g. `buildHlsLadderArgs`), prefixed with
 * `-hide_banner -nostats -nostdin -progress pipe:1` so progress arrives on stdout as key=value
 * blocks and stderr holds only log lines.
 *
 * Resolves with a `FfmpegRunSummary` when ffmpeg exits 0. Rejects with an `FfmpegError` only after the process has exited:
 * `FfmpegFailed` (non-zero exit; `exitCode`, `stderrTail` and a one-line reason in the message),
 * `Aborted`, or `NotFound` (binary missing; the message says to install ffmpeg or set FFMPEG_PATH).
 * stderr lines go to `logger.debug`.
 */
export async function runFfmpeg(args: readonly string[], opts: RunFfmpegOptions): Promise<FfmpegRunSummary> {
  const { logger, onProgress } = opts;
  const parser = new FfmpegProgressParser(opts.durationSeconds);
  const fullArgs = ['-hide_banner', '-nostats', '-nostdin', '-progress', 'pipe:1'];
  if (opts.countInputFrames) fullArgs.push('-v', 'verbose');
  fullArgs.push(...args);
  const summary: FfmpegRunSummary = { outTimeSeconds: 0 };
  logger?.debug('ffmpeg start', { ffmpegPath: opts.ffmpegPath, args: fullArgs });

  const result = await runTool(opts.ffmpegPath, fullArgs, {
    toolName: 'ffmpeg',
    pathEnvName: 'FFMPEG_PATH',
    signal: opts.signal,
    killGraceMs: opts.killGraceMs,
    onStdout: (chunk) => {
      // After an abort ffmpeg still flushes a final report; the caller has moved on.
      if (opts.signal?.aborted) return;
      for (const progress of parser.push(chunk)) {
        summary.outTimeSeconds = progress.outTimeSeconds;
        try {
          onProgress?.(progress);
        } catch (err) {
          // A throwing listener must not leave ffmpeg running unobserved.
          logger?.warn('ffmpeg progress listener threw', { error: String(err) });
        }
      }
    },
    onStderrLine: (line) => {
      logger?.debug('ffmpeg stderr', { line });
      const decoded = opts.countInputFrames ? INPUT_VIDEO_STATS.exec(line) : null;
      if (decoded && summary.inputVideoFrames === undefined && Number(decoded[1]) > 0) {
        summary.inputVideoFrames = Number(decoded[1]);
      }
    },
  });

  if (result.exitCode === 0) {
    logger?.debug('ffmpeg done');
    return summary;
  }
  const how =
    result.exitCode !== null ? `exited with code ${result.exitCode}` : `was killed by ${result.exitSignal}`;
  const error = new FfmpegError('FfmpegFailed', `ffmpeg ${how}: ${summarizeStderr(result.stderrTail)}`, {
    exitCode: result.exitCode,
    stderrTail: result.stderrTail.join('\n'),
  });
  logger?.error('ffmpeg failed', {
    exitCode: result.exitCode,
    signal: result.exitSignal,
    reason: error.message,
  });
  throw error;
}
