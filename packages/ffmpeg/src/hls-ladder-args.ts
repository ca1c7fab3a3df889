import { join } from 'node:path';
import { FfmpegError } from './ffmpeg-error.js';
import { mediaInputArgs, type MediaInput } from './media-input.js';

/** One output of the ladder. Dimensions must be even (yuv420p); the planner guarantees it. */
export interface HlsRendition {
  /** Directory and variant name, e.g. "hd": letters, digits, `_` and `-` only. */
  name: string;
  width: number;
  height: number;
  videoBitrateKbps: number;
  /** Peak video rate for capped VBR; the VBV buffer is twice this. */
  maxrateKbps?: number;
  audioBitrateKbps: number;
  /** Output frame rate; omitted keeps the source rate. */
  fps?: number;
  profile?: 'baseline' | 'main' | 'high';
  /** x264 preset for this rendition; overrides the plan's `x264Preset`. */
  preset?: string;
}

export interface HlsLadderPlan {
  /** Local source file, or the loopback URL that serves it (`media-input.ts`). */
  input: MediaInput;
  /** Scratch directory; created by ffmpeg if missing. Must not contain `%`. */
  outputDir: string;
  renditions: HlsRendition[];
  hasAudio: boolean;
  segmentSeconds: number;
  /** Keyframe interval; must divide `segmentSeconds`. Default: `segmentSeconds`. */
  gopSeconds?: number;
  /** Default x264 preset. Default `veryfast`. */
  x264Preset?: string;
  /** Encoder threads (ffmpeg `-threads`); omitted lets ffmpeg decide. */
  threads?: number;
  /** AAC channel count. Default 2 (stereo: plays everywhere; 5.1 sources are downmixed). */
  audioChannels?: number;
}

/**
 * Layout of what ffmpeg 5.1 writes for a plan (verified against ffmpeg 5.1's hlsenc):
 *
 * ```
 * <outputDir>/master.m3u8            master playlist: one EXT-X-STREAM-INF per rendition
 * <outputDir>/<name>/index.m3u8      VOD media playlist, EXT-X-MAP → init_<name>.mp4
 * <outputDir>/<name>/init_<name>.mp4 fMP4 init segment
 * <outputDir>/<name>/seg_00000.m4s   media segments, numbered from 0 (= EXT-X-MEDIA-SEQUENCE 0)
 * ```
 *
 * The init segment cannot be plain `init.mp4` with several variants: hlsenc formats
 * `-hls_fmp4_init_filename` with `%v` or else appends `_<index>` to it. `init_%v.mp4` gives
 * stable, name-based files (with one variant hlsenc uses the name verbatim, so we spell it out).
 * Read the result with `readHlsOutput`, which follows the playlists rather than this layout.
 */
export const HLS_MASTER_PLAYLIST = 'master.m3u8';
export const HLS_VARIANT_PLAYLIST = 'index.m3u8';
export const hlsInitFileName = (name: string): string => `init_${name}.mp4`;
export const HLS_SEGMENT_PATTERN = 'seg_%05d.m4s';

export const DEFAULT_X264_PRESET = 'veryfast';
const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9_-]*$/;

/**
 * Builds the arguments of ONE ffmpeg run that decodes the source once and encodes every rendition
 * (H.264 + AAC) into HLS with fMP4 segments. Pure: no I/O. Pass the result to `runFfmpeg`.
 *
 * - `-filter_complex`: `split` the first video stream, then per rendition `scale` (exact size from
 *   the plan), `setsar=1`, optional `fps`, and `format=yuv420p` (10-bit or 4:4:4 sources would
 *   otherwise produce profiles browsers cannot decode). ffmpeg's autorotate runs before the graph.
 * - Every rendition carries its own AAC track (`v:i,a:i` in `-var_stream_map`) so each variant
 *   playlist plays alone, e.g. a downloaded rendition. The audio is decoded once, encoded per
 *   rendition.
 * - Keyframes: `-force_key_frames expr:gte(t,n_forced*GOP)` plus `-sc_threshold 0`, so every
 *   rendition has IDR frames at the same timestamps and segments cut at the same boundaries
 *   (ABR switching needs aligned segments; `independent_segments` advertises it).
 * - Source metadata and chapters are dropped (`-map_metadata -1`): phone videos carry GPS tags.
 * - ffmpeg is never given a key: our packager encrypts the segments afterwards.
 *
 * Throws `FfmpegError('InvalidPlan')` for a plan ffmpeg would reject or misread.
 */
export function buildHlsLadderArgs(plan: HlsLadderPlan): string[] {
  validatePlan(plan);
  const { renditions, hasAudio } = plan;
  const seg = plan.segmentSeconds;
  const gop = plan.gopSeconds ?? seg;

  const args = ['-y', ...mediaInputArgs(plan.input), '-filter_complex', buildFilterGraph(renditions)];

  renditions.forEach((_, i) => {
    args.push('-map', `[v${i}]`);
    if (hasAudio) args.push('-map', '0:a:0');
  });
  args.push('-map_metadata', '-1', '-map_chapters', '-1');

  args.push('-c:v', 'libx264', '-preset', plan.x264Preset ?? DEFAULT_X264_PRESET);
  renditions.forEach((r, i) => {
    args.push(`-b:v:${i}`, `${r.videoBitrateKbps}k`);
    if (r.maxrateKbps !== undefined) {
      args.push(`-maxrate:v:${i}`, `${r.maxrateKbps}k`, `-bufsize:v:${i}`, `${r.maxrateKbps * 2}k`);
    }
    if (r.profile) args.push(`-profile:v:${i}`, r.profile);
    if (r.preset) args.push(`-preset:v:${i}`, r.preset);
  });
  args.push('-force_key_frames:v', `expr:gte(t,n_forced*${formatSeconds(gop)})`, '-sc_threshold', '0');

  if (hasAudio) {
    args.push('-c:a', 'aac', '-ac', String(plan.audioChannels ?? 2));
    renditions.forEach((r, i) => args.push(`-b:a:${i}`, `${r.audioBitrateKbps}k`));
  }
  if (plan.threads !== undefined) args.push('-threads', String(plan.threads));

  const varStreamMap = renditions
    .map((r, i) => (hasAudio ? `v:${i},a:${i},name:${r.name}` : `v:${i},name:${r.name}`))
    .join(' ');
  const single = renditions.length === 1 && renditions[0];
  args.push(
    '-f',
    'hls',
    '-hls_time',
    formatSeconds(seg),
    '-hls_playlist_type',
    'vod',
    '-hls_list_size',
    '0',
    '-hls_segment_type',
    'fmp4',
    '-hls_flags',
    'independent_segments',
    '-hls_fmp4_init_filename',
    single ? hlsInitFileName(single.name) : hlsInitFileName('%v'),
    '-hls_segment_filename',
    join(plan.outputDir, '%v', HLS_SEGMENT_PATTERN),
    '-master_pl_name',
    HLS_MASTER_PLAYLIST,
    '-var_stream_map',
    varStreamMap,
    join(plan.outputDir, '%v', HLS_VARIANT_PLAYLIST),
  );
  return args;
}

function buildFilterGraph(renditions: readonly HlsRendition[]): string {
  const chains: string[] = [];
  let source = '[0:v:0]';
  if (renditions.length > 1) {
    chains.push(`[0:v:0]split=${renditions.length}${renditions.map((_, i) => `[s${i}]`).join('')}`);
  }
  renditions.forEach((r, i) => {
    if (renditions.length > 1) source = `[s${i}]`;
    const filters = [`scale=${r.width}:${r.height}`, 'setsar=1'];
    if (r.fps !== undefined) filters.push(`fps=${formatSeconds(r.fps)}`);
    filters.push('format=yuv420p');
    chains.push(`${source}${filters.join(',')}[v${i}]`);
  });
  return chains.join(';');
}

function validatePlan(plan: HlsLadderPlan): void {
  const fail = (msg: string): never => {
    throw new FfmpegError('InvalidPlan', `invalid HLS ladder plan: ${msg}`);
  };
  if (plan.renditions.length === 0) fail('no renditions');
  if (plan.outputDir.includes('%')) fail('outputDir must not contain "%" (ffmpeg reads it as a pattern)');
  if (!(plan.segmentSeconds > 0)) fail('segmentSeconds must be positive');
  const gop = plan.gopSeconds ?? plan.segmentSeconds;
  const perSegment = plan.segmentSeconds / gop;
  if (!(gop > 0) || Math.abs(perSegment - Math.round(perSegment)) > 1e-9) {
    fail(`gopSeconds (${gop}) must divide segmentSeconds (${plan.segmentSeconds})`);
  }
  const names = new Set<string>();
  for (const r of plan.renditions) {
    if (!NAME_RE.test(r.name)) fail(`rendition name "${r.name}" must be letters, digits, "_" or "-"`);
    if (names.has(r.name)) fail(`duplicate rendition name "${r.name}"`);
    names.add(r.name);
    for (const [key, value] of [
      ['width', r.width],
      ['height', r.height],
    ] as const) {
      if (!Number.isInteger(value) || value < 2 || value % 2 !== 0) {
        fail(`rendition "${r.name}": ${key} ${value} must be an even integer ≥ 2`);
      }
    }
    if (!(r.videoBitrateKbps > 0)) fail(`rendition "${r.name}": videoBitrateKbps must be positive`);
    if (r.maxrateKbps !== undefined && !(r.maxrateKbps >= r.videoBitrateKbps)) {
      fail(`rendition "${r.name}": maxrateKbps must be ≥ videoBitrateKbps`);
    }
    if (plan.hasAudio && !(r.audioBitrateKbps > 0))
      fail(`rendition "${r.name}": audioBitrateKbps must be positive`);
    if (r.fps !== undefined && !(r.fps > 0)) fail(`rendition "${r.name}": fps must be positive`);
  }
}

/** Numbers as ffmpeg expects them: no exponent, no trailing zeros ("2", "29.97"). */
function formatSeconds(n: number): string {
  return String(Math.round(n * 1e6) / 1e6);
}
