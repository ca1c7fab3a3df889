import { FfmpegError } from './ffmpeg-error.js';
import type { FfmpegLogger } from './logger.js';
import { mediaInputArgs, type MediaInput } from './media-input.js';
import { runTool, summarizeStderr } from './tool-process.js';

/**
 * A video decoded to small grey thumbnails at a fixed frame rate: frame `i` shows the picture at
 * `i / fps` seconds from the start of the input, `width × height` luma bytes (full range 0–255
 * as ffmpeg's `gray` format gives them), frames back to back in `data`. Derived frames (resampled
 * by the detector) may hold fractional values in a Float32Array.
 */
export interface GreyFrames {
  width: number;
  height: number;
  fps: number;
  count: number;
  data: Uint8Array | Float32Array;
  /**
   * Derived frames may hold only a window: `data` then starts with frame `start` (frames before it
   * and after `count` are absent). Decoded frames start at 0.
   */
  start?: number;
}

export interface DecodeGreyFramesOptions {
  ffmpegPath: string;
  width: number;
  height: number;
  fps: number;
  /** The input: a file or loopback URL, or the bytes of a pipeable container (fragmented MP4, TS). */
  input: MediaInput | { stream: AsyncIterable<Uint8Array> };
  /**
   * A filter applied before the frame-rate resampling and scaling (e.g. `crop=…`); the caller
   * builds it from numbers only.
   */
  preFilter?: string;
  signal?: AbortSignal;
  logger?: FfmpegLogger;
  /** Called with the number of frames decoded so far, at most once per 64 frames. */
  onFrames?: (count: number) => void;
}

/**
 * Decodes the first video stream of `input` to grey thumbnails (leak tracing: the detector
 * compares a leak with the stored A/B references at this size). The frame rate is resampled by
 * ffmpeg's `fps` filter (nearest frame), the picture scaled with area averaging, so a leak at
 * another frame rate or resolution lands on the same grid as the references. The whole result
 * is held in memory: width × height bytes per frame (64×36 at 10 fps is 83 MB per hour).
 *
 * Rejects with `FfmpegError` `FfmpegFailed` when ffmpeg fails or decodes nothing.
 */
export async function decodeGreyFrames(opts: DecodeGreyFramesOptions): Promise<GreyFrames> {
  const { width, height, fps } = opts;
  if (![width, height, fps].every((v) => Number.isFinite(v) && v > 0)) {
    throw new RangeError('width, height and fps must be positive numbers');
  }
  const frameBytes = width * height;
  const chunks: Buffer[] = [];
  let received = 0;
  let reported = 0;
  const filters = [
    ...(opts.preFilter ? [opts.preFilter] : []),
    `fps=${fps}`,
    `scale=${width}:${height}:flags=area`,
    'format=gray',
  ].join(',');
  const piped = typeof opts.input === 'object' && 'stream' in opts.input ? opts.input.stream : undefined;
  const inputArgs = piped ? ['-i', 'pipe:0'] : mediaInputArgs(opts.input as MediaInput);
  const args = [
    '-hide_banner',
    '-nostats',
    '-v',
    'error',
    ...inputArgs,
    '-map',
    '0:v:0',
    '-vf',
    filters,
    '-f',
    'rawvideo',
    '-pix_fmt',
    'gray',
    'pipe:1',
  ];
  opts.logger?.debug('ffmpeg grey frames', { args });
  const result = await runTool(opts.ffmpegPath, args, {
    toolName: 'ffmpeg',
    pathEnvName: 'FFMPEG_PATH',
    signal: opts.signal,
    stdin: piped,
    onStdoutBytes: (chunk) => {
      chunks.push(chunk);
      received += chunk.length;
      const frames = Math.floor(received / frameBytes);
      if (opts.onFrames && frames - reported >= 64) {
        reported = frames;
        opts.onFrames(frames);
      }
    },
  });
  if (result.exitCode !== 0) {
    const how =
      result.exitCode !== null ? `exited with code ${result.exitCode}` : `was killed by ${result.exitSignal}`;
    throw new FfmpegError('FfmpegFailed', `ffmpeg ${how}: ${summarizeStderr(result.stderrTail)}`, {
      exitCode: result.exitCode,
      stderrTail: result.stderrTail.join('\n'),
    });
  }
  const count = Math.floor(received / frameBytes);
  if (count === 0) throw new FfmpegError('FfmpegFailed', 'ffmpeg decoded no video frames', { exitCode: 0 });
  const all = Buffer.concat(chunks, received);
  return { width, height, fps, count, data: new Uint8Array(all.buffer, all.byteOffset, count * frameBytes) };
}
