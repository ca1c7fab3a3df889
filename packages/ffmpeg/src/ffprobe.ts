import { FfmpegError } from './ffmpeg-error.js';
import { mediaInputArgs, type MediaInput } from './media-input.js';
import { runTool, summarizeStderr } from './tool-process.js';

export interface ProbeOptions {
  ffprobePath: string;
  signal?: AbortSignal;
  /**
   * Also count the video frames (`video.frames`). Uses `-count_packets`: ffprobe demuxes the whole
   * file but decodes nothing, which is fast; in the containers we accept one video packet is one
   * frame. (`-count_frames` would decode every frame: seconds per minute of video.)
   */
  countFrames?: boolean;
}

export interface ProbeVideoStream {
  index: number;
  codec: string;
  /** Coded width/height as stored in the file. */
  width: number;
  height: number;
  /** Width/height as displayed, after `rotation`; this is what ffmpeg's filters receive. */
  displayWidth: number;
  displayHeight: number;
  /** From `avg_frame_rate` (else `r_frame_rate`); 0 when unknown. */
  fps: number;
  /** Display rotation in degrees (ffprobe's display-matrix value or `rotate` tag); 0 when none. */
  rotation: number;
  pixFmt: string;
  /** bits/s, when the container records it. */
  bitRate?: number;
  /** Only with `countFrames`. */
  frames?: number;
}

export interface ProbeAudioStream {
  index: number;
  codec: string;
  sampleRate: number;
  channels: number;
  bitRate?: number;
}

export interface ProbeResult {
  /** Seconds; from the container, else the video stream, else frames/fps; 0 when unknown. */
  durationSeconds: number;
  sizeBytes: number;
  /** Container bit rate in bits/s; 0 when unknown. */
  bitRate: number;
  formatName: string;
  /** Always present: `probe` rejects inputs without a video stream (`NotAVideo`). */
  video: ProbeVideoStream;
  /** The first audio stream, if any. */
  audio?: ProbeAudioStream;
  raw: { format: Record<string, unknown>; streams: Array<Record<string, unknown>> };
}

/**
 * Probes a local media file. Rejects with `FfmpegError`:
 * `InvalidInput` (ffprobe cannot read it; message has ffprobe's reason), `NotAVideo` (no video
 * stream, only cover art, or a still image), `NotFound` (no ffprobe binary), `Aborted`.
 */
export async function probe(file: MediaInput, opts: ProbeOptions): Promise<ProbeResult> {
  const args = ['-v', 'error', '-print_format', 'json', '-show_format', '-show_streams'];
  if (opts.countFrames) args.push('-count_packets');
  args.push(...mediaInputArgs(file));

  let stdout = '';
  const result = await runTool(opts.ffprobePath, args, {
    toolName: 'ffprobe',
    pathEnvName: 'FFPROBE_PATH',
    signal: opts.signal,
    onStdout: (chunk) => {
      stdout += chunk;
    },
  });
  if (result.exitCode !== 0) {
    throw new FfmpegError('InvalidInput', `cannot read the input: ${summarizeStderr(result.stderrTail)}`, {
      exitCode: result.exitCode,
      stderrTail: result.stderrTail.join('\n'),
    });
  }
  let json: unknown;
  try {
    json = JSON.parse(stdout);
  } catch (cause) {
    throw new FfmpegError('InvalidInput', 'ffprobe printed no valid JSON', { cause });
  }
  return probeResultFromJson(json);
}

/**
 * Turns ffprobe's JSON (`-show_format -show_streams`) into a `ProbeResult`. Pure; exported for
 * tests and for callers that already hold ffprobe output.
 */
export function probeResultFromJson(json: unknown): ProbeResult {
  const root = isRecord(json) ? json : {};
  const format = isRecord(root.format) ? root.format : {};
  const streams = Array.isArray(root.streams) ? root.streams.filter(isRecord) : [];
  const formatName = str(format.format_name);
  if (streams.length === 0) {
    throw new FfmpegError('InvalidInput', 'cannot read the input: no streams found');
  }

  // Cover art in audio files is a one-picture "video" stream flagged attached_pic.
  const videoRaw = streams.find(
    (s) => s.codec_type === 'video' && !(isRecord(s.disposition) && s.disposition.attached_pic === 1),
  );
  if (!videoRaw) {
    const kinds = [...new Set(streams.map((s) => str(s.codec_type) || 'unknown'))].join(', ');
    throw new FfmpegError('NotAVideo', `the input has no video stream (found: ${kinds})`);
  }
  if (formatName === 'image2' || formatName.endsWith('_pipe')) {
    throw new FfmpegError('NotAVideo', `the input is a still image (${formatName}), not a video`);
  }

  const video = videoStream(videoRaw);
  const audioRaw = streams.find((s) => s.codec_type === 'audio');
  let durationSeconds = num(format.duration) ?? num(videoRaw.duration) ?? 0;
  if (durationSeconds === 0 && video.frames && video.fps > 0) durationSeconds = video.frames / video.fps;

  const result: ProbeResult = {
    durationSeconds,
    sizeBytes: num(format.size) ?? 0,
    bitRate: num(format.bit_rate) ?? 0,
    formatName,
    video,
    raw: { format, streams },
  };
  if (audioRaw) result.audio = audioStream(audioRaw);
  return result;
}

function videoStream(s: Record<string, unknown>): ProbeVideoStream {
  const width = num(s.width) ?? 0;
  const height = num(s.height) ?? 0;
  const rotation = rotationOf(s);
  const quarterTurn = Math.abs(rotation) % 180 === 90;
  const v: ProbeVideoStream = {
    index: num(s.index) ?? 0,
    codec: str(s.codec_name),
    width,
    height,
    displayWidth: quarterTurn ? height : width,
    displayHeight: quarterTurn ? width : height,
    fps: rate(s.avg_frame_rate) || rate(s.r_frame_rate),
    rotation,
    pixFmt: str(s.pix_fmt),
  };
  const bitRate = num(s.bit_rate);
  if (bitRate !== undefined) v.bitRate = bitRate;
  const frames = num(s.nb_read_frames) ?? num(s.nb_read_packets);
  if (frames !== undefined) v.frames = frames;
  return v;
}

function audioStream(s: Record<string, unknown>): ProbeAudioStream {
  const a: ProbeAudioStream = {
    index: num(s.index) ?? 0,
    codec: str(s.codec_name),
    sampleRate: num(s.sample_rate) ?? 0,
    channels: num(s.channels) ?? 0,
  };
  const bitRate = num(s.bit_rate);
  if (bitRate !== undefined) a.bitRate = bitRate;
  return a;
}

/** ffmpeg 5.x reports rotation in a "Display Matrix" side data entry; older files carry a tag. */
function rotationOf(s: Record<string, unknown>): number {
  const sideData = Array.isArray(s.side_data_list) ? s.side_data_list.filter(isRecord) : [];
  const matrix = sideData.find((d) => d.side_data_type === 'Display Matrix');
  const fromMatrix = matrix ? num(matrix.rotation) : undefined;
  const fromTag = isRecord(s.tags) ? num(s.tags.rotate) : undefined;
  const degrees = fromMatrix ?? fromTag ?? 0;
  return degrees === 0 ? 0 : degrees; // normalise -0
}

/** "30000/1001" → 29.97…; "0/0" → 0. */
function rate(value: unknown): number {
  const m = /^(\d+)\/(\d+)$/.exec(str(value));
  if (!m) return num(value) ?? 0;
  const den = Number(m[2]);
  return den === 0 ? 0 : Number(m[1]) / den;
}

function num(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value !== 'string' || value === '' || value === 'N/A') return undefined;
  const n = Number(value);
  return Number.isFinite(n) ? n : undefined;
}

function str(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
