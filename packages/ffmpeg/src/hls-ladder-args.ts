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
  /**
   * Leak tracing (docs/tracing.md): encode this rendition twice, as variants `<name>_ta`
   * (source + pattern) and `<name>_tb` (source − pattern). Needs `HlsLadderPlan.tracePattern`.
   */
  traced?: boolean;
}

/**
 * The A/B mark of traced renditions: a raw `yuv420p` clip (Y = 128 + mark, U = V = 128, so the
 * chroma and the mean luma are untouched), looped for the whole source. It is scaled to the
 * source's size (bicubic, so its cells stay smooth), added to the decoded source once for A
 * (`blend` grainmerge) and subtracted once for B (grainextract), before the ladder split, so
 * every traced rendition of a variant carries the same mark.
 */
export interface TracePatternInput {
  /** Local file (scratch) holding the clip. */
  path: string;
  width: number;
  height: number;
  /** The source's frame rate: frame n of the clip is blended with the source frame at n / fps. */
  fps: number;
}

/** Variant name ffmpeg writes for variant `v` of a traced rendition. */
export const tracedVariantName = (name: string, variant: 'a' | 'b'): string => `${name}_t${variant}`;

export interface HlsLadderPlan {
  /** Local source file, or the loopback URL that serves it (`media-input.ts`). */
  input: MediaInput;
  /**
   * Where ffmpeg writes the HLS output; exactly one of the two. `outputDir`: a local directory
   * (created by ffmpeg if missing). `outputUrl`: an `http://` base URL without a trailing `/`;
   * ffmpeg then sends every file with `-method PUT` to `<outputUrl>/<same layout>`, one
   * connection per file (no `-http_persistent`). Neither may contain `%`.
   */
  outputDir?: string;
  outputUrl?: string;
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
  /** The mark for renditions with `traced`; required when any has it. */
  tracePattern?: TracePatternInput;
}

/** One variant stream of the HLS output: a rendition, or one variant of a traced rendition. */
interface OutputStream {
  rendition: HlsRendition;
  name: string;
  source: 'clean' | 'a' | 'b';
}

function outputStreams(renditions: readonly HlsRendition[]): OutputStream[] {
  return renditions.flatMap((r): OutputStream[] =>
    r.traced
      ? [
          { rendition: r, name: tracedVariantName(r.name, 'a'), source: 'a' },
          { rendition: r, name: tracedVariantName(r.name, 'b'), source: 'b' },
        ]
      : [{ rendition: r, name: r.name, source: 'clean' }],
  );
}

/**
 * Layout of what ffmpeg 5.1 writes for a plan (verified against ffmpeg 5.1's hlsenc); the same
 * relative paths under `outputUrl` when writing over HTTP:
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
  const { hasAudio } = plan;
  const seg = plan.segmentSeconds;
  const gop = plan.gopSeconds ?? seg;
  const outputs = outputStreams(plan.renditions);
  const renditions = outputs.map((o) => o.rendition);
  const pattern = outputs.some((o) => o.source !== 'clean') ? plan.tracePattern : undefined;

  const args = ['-y', ...mediaInputArgs(plan.input)];
  if (pattern) {
    args.push(
      '-stream_loop',
      '-1',
      '-f',
      'rawvideo',
      '-pix_fmt',
      'yuv420p',
      '-s',
      `${pattern.width}x${pattern.height}`,
      '-r',
      formatSeconds(pattern.fps),
      '-i',
      `file:${pattern.path}`,
    );
  }
  args.push('-filter_complex', buildFilterGraph(outputs));

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

  const varStreamMap = outputs
    .map((o, i) => (hasAudio ? `v:${i},a:${i},name:${o.name}` : `v:${i},name:${o.name}`))
    .join(' ');
  const single = outputs.length === 1 && outputs[0];
  const base = plan.outputUrl ?? plan.outputDir!;
  const under = (...parts: string[]): string =>
    plan.outputUrl !== undefined ? [base, ...parts].join('/') : join(base, ...parts);
  // Over HTTP, hlsenc keeps each segment in memory and PUTs it once it is cut (init segments
  // first, then segments as they are cut, playlists last). ffmpeg does not read the answer.
  if (plan.outputUrl !== undefined) args.push('-method', 'PUT');
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
    under('%v', HLS_SEGMENT_PATTERN),
    '-master_pl_name',
    HLS_MASTER_PLAYLIST,
    '-var_stream_map',
    varStreamMap,
    under('%v', HLS_VARIANT_PLAYLIST),
  );
  return args;
}

/** Fans `from` out to `labels` and returns the labels to read; one consumer reads `from` itself. */
function fanOut(from: string, labels: string[], chains: string[]): string[] {
  if (labels.length === 1) return [from];
  chains.push(`${from}split=${labels.length}${labels.join('')}`);
  return labels;
}

function buildFilterGraph(outputs: readonly OutputStream[]): string {
  const chains: string[] = [];
  const clean = outputs.filter((o) => o.source === 'clean').length;
  const marked = outputs.length - clean;
  const sources = new Map<OutputStream['source'], string[]>();
  if (marked === 0) {
    sources.set(
      'clean',
      fanOut(
        '[0:v:0]',
        Array.from({ length: clean }, (_, i) => `[s${i}]`),
        chains,
      ),
    );
  } else {
    // The mark is added once per variant, before the ladder split (§ tracing: every traced
    // rendition of a session carries the same bit per segment index).
    let markSource = '[0:v:0]';
    if (clean > 0) {
      const [toClean, toMark] = fanOut('[0:v:0]', ['[src_c]', '[src_m]'], chains) as [string, string];
      sources.set(
        'clean',
        fanOut(
          toClean,
          Array.from({ length: clean }, (_, i) => `[s${i}]`),
          chains,
        ),
      );
      markSource = toMark;
    }
    const perVariant = marked / 2;
    chains.push(
      `${markSource}format=yuv420p,split=2[src_a][src_b]`,
      '[1:v][src_a]scale2ref=flags=bicubic[pat][src_a2]',
      '[pat]split=2[pat_a][pat_b]',
      '[src_a2][pat_a]blend=all_mode=grainmerge:shortest=1[mark_a]',
      '[src_b][pat_b]blend=all_mode=grainextract:shortest=1[mark_b]',
    );
    for (const v of ['a', 'b'] as const) {
      const labels = Array.from({ length: perVariant }, (_, i) => `[m${v}${i}]`);
      sources.set(v, fanOut(`[mark_${v}]`, labels, chains));
    }
  }
  const used = new Map<OutputStream['source'], number>();
  outputs.forEach((o, i) => {
    const n = used.get(o.source) ?? 0;
    used.set(o.source, n + 1);
    const source = sources.get(o.source)![n]!;
    const r = o.rendition;
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
  if ((plan.outputDir === undefined) === (plan.outputUrl === undefined)) {
    fail('give exactly one of outputDir and outputUrl');
  }
  if (plan.outputDir?.includes('%')) fail('outputDir must not contain "%" (ffmpeg reads it as a pattern)');
  if (plan.outputUrl !== undefined && !/^http:\/\/[^%\s]+[^/%\s]$/.test(plan.outputUrl)) {
    fail('outputUrl must be an http:// URL without "%", spaces or a trailing "/"');
  }
  if (!(plan.segmentSeconds > 0)) fail('segmentSeconds must be positive');
  if (plan.renditions.some((r) => r.traced)) {
    const p = plan.tracePattern;
    if (!p) fail('traced renditions need a tracePattern');
    else if (!(p.fps > 0) || p.width % 2 !== 0 || p.height % 2 !== 0 || p.path.includes('%')) {
      fail('tracePattern needs a positive fps, even dimensions and a path without "%"');
    }
  }
  const gop = plan.gopSeconds ?? plan.segmentSeconds;
  const perSegment = plan.segmentSeconds / gop;
  if (!(gop > 0) || Math.abs(perSegment - Math.round(perSegment)) > 1e-9) {
    fail(`gopSeconds (${gop}) must divide segmentSeconds (${plan.segmentSeconds})`);
  }
  const names = new Set<string>();
  for (const r of plan.renditions) {
    if (!NAME_RE.test(r.name)) fail(`rendition name "${r.name}" must be letters, digits, "_" or "-"`);
    const written = r.traced ? [tracedVariantName(r.name, 'a'), tracedVariantName(r.name, 'b')] : [r.name];
    for (const name of written) {
      if (names.has(name)) fail(`duplicate rendition name "${name}"`);
      names.add(name);
    }
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
