import type { HlsRendition } from '@securevod/ffmpeg';

/**
 * Transcoding policy: which H.264/AAC renditions a source gets from its template group. Pure (no
 * I/O, no ffmpeg); the worker probes the source, calls `planLadder`, and hands the renditions to
 * `buildHlsLadderArgs` (a `PlannedRendition` is an `HlsRendition`).
 *
 * Rules:
 * - Sizes keep the source's display aspect ratio and are even (yuv420p). A template with only
 *   Height (or only Width) fixes that side; with both, the source is fitted inside that box; with
 *   neither, the definition's nominal size (`DEFINITION_SHORT_SIDE`) applies to the source's SHORT
 *   side, so a portrait 1080×1920 phone video gets HD as 720×1280, not 406×720.
 * - Never upscale: a template larger than the source is dropped. If every template would be
 *   dropped, the smallest is kept at the source's own size (rounded down to even), so every
 *   playable source yields at least one rendition.
 * - `Definition: OD` (original) is encoded at the source size; we never remux, because every
 *   rendition comes out of the same single ffmpeg run as fMP4 HLS.
 * - fps: a template's Fps only ever lowers the frame rate; no Fps keeps the source's.
 * - Bitrates missing from a template default by size (`defaultVideoBitrateKbps`); audio to 128k.
 * - Output is sorted by height, highest first; renditions with the same height are merged,
 *   keeping the one with the higher video bitrate.
 * - Audio-only definitions (`SQ`, `HQ`) make no video rendition and are skipped.
 */
export interface SourceSummary {
  /** Display size (after rotation), as the probe's `displayWidth`/`displayHeight`. */
  width: number;
  height: number;
  /** 0 when unknown. */
  fps: number;
  hasAudio: boolean;
  durationSeconds: number;
}

export interface LadderTemplate {
  templateId?: string;
  /** Template definition: LD, SD, HD, FHD, 2K, 4K, OD, narrowband forms such as `HD-NBV1`. */
  definition: string;
  width?: number;
  height?: number;
  videoBitrateKbps?: number;
  audioBitrateKbps?: number;
  fps?: number;
}

export interface PlannedRendition extends HlsRendition {
  templateId?: string;
  /** The template's definition, as given. */
  definition: string;
  /** The definition reported in GetPlayInfo and callbacks (see `streamDefinitionFor`). */
  streamDefinition: string;
  maxrateKbps: number;
  profile: 'main' | 'high';
}

export type LadderPlanErrorCode = 'NoTemplates' | 'InvalidTemplate' | 'InvalidSource';

/** A plan that cannot be made. Permanent: retrying the job cannot help. */
export class LadderPlanError extends Error {
  override readonly name = 'LadderPlanError';
  readonly permanent = true;
  constructor(
    readonly code: LadderPlanErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Nominal size of each template definition, as the short side of the picture. The template
 * names follow the vendor's template scale (reference §2.10: template LD = 流畅 "smooth", the
 * lowest; SD = 标清; HD = 高清; FHD = 超清).
 */
export const DEFINITION_SHORT_SIDE: Readonly<Record<string, number>> = {
  LD: 360,
  SD: 540,
  HD: 720,
  FHD: 1080,
  '2K': 1440,
  '4K': 2160,
};

const AUDIO_ONLY_DEFINITIONS = new Set(['SQ', 'HQ']);
const DEFAULT_AUDIO_KBPS = 128;
/** Capped VBR: peaks may reach 110% of the average (Apple's HLS authoring guidance). */
const MAXRATE_FACTOR = 1.1;

/** The ladder used when a template group names no sizes: H.264 + AAC 128k. */
export const DEFAULT_LADDER: readonly LadderTemplate[] = Object.freeze([
  { definition: 'FHD', videoBitrateKbps: 4500, audioBitrateKbps: 128 },
  { definition: 'HD', videoBitrateKbps: 2500, audioBitrateKbps: 128 },
  { definition: 'SD', videoBitrateKbps: 1500, audioBitrateKbps: 128 },
  { definition: 'LD', videoBitrateKbps: 800, audioBitrateKbps: 128 },
]);

/**
 * The Definition a rendition is reported under (GetPlayInfo, StreamTranscodeComplete).
 *
 * Decision: the template's own definition name, unchanged. The vendor's Chinese docs label
 * template and stream definitions one step apart (template LD 流畅 vs stream FD 流畅; reference
 * §2.10) but the actual runtime mapping is UNCONFIRMED (§2.16 says output specs are
 * resolution-based). Identity is the one mapping a client can predict from its own templates:
 * `GetPlayInfo(Definition=HD)` returns what the HD template produced. Change only this function
 * if the real mapping is ever confirmed.
 */
export function streamDefinitionFor(templateDefinition: string): string {
  return templateDefinition;
}

/** Default video bitrate for a size: by short side, ×1.5 above 30 fps. */
export function defaultVideoBitrateKbps(width: number, height: number, fps?: number): number {
  const short = Math.min(width, height);
  const table: Array<[number, number]> = [
    [144, 200],
    [240, 400],
    [360, 800],
    [480, 1200],
    [540, 1500],
    [720, 2500],
    [1080, 4500],
    [1440, 9000],
  ];
  const base = table.find(([maxShort]) => short <= maxShort)?.[1] ?? 16000;
  return fps !== undefined && fps > 30 ? Math.round(base * 1.5) : base;
}

interface Candidate {
  template: LadderTemplate;
  width: number;
  height: number;
  /** Unclamped target area, to pick the smallest template. */
  exactArea: number;
  /** Larger than the source: not encoded unless every template is. */
  dropped: boolean;
  /** The fallback when every template was dropped, encoded at the source size. */
  atSourceSize?: boolean;
}

export function planLadder(source: SourceSummary, templates: readonly LadderTemplate[]): PlannedRendition[] {
  const srcW = source.width;
  const srcH = source.height;
  if (!(Number.isFinite(srcW) && Number.isFinite(srcH) && srcW >= 2 && srcH >= 2)) {
    throw new LadderPlanError('InvalidSource', `source size ${srcW}x${srcH} is not a playable video size`);
  }
  const videoTemplates = templates.filter((t) => !AUDIO_ONLY_DEFINITIONS.has(baseDefinition(t.definition)));
  if (videoTemplates.length === 0) {
    throw new LadderPlanError('NoTemplates', 'the template group has no video templates to transcode with');
  }

  const candidates = videoTemplates.map((t) => candidateFor(t, srcW, srcH));
  let kept = candidates.filter((c) => !c.dropped);
  if (kept.length === 0) {
    const smallest = candidates.reduce((a, b) => (b.exactArea < a.exactArea ? b : a));
    kept = [
      { ...smallest, width: floorEven(srcW), height: floorEven(srcH), dropped: false, atSourceSize: true },
    ];
  }

  const renditions = kept.map((c) => toRendition(c, source));
  renditions.sort((a, b) => b.height - a.height || b.videoBitrateKbps - a.videoBitrateKbps);
  const byHeight = renditions.filter((r, i) => i === 0 || renditions[i - 1]?.height !== r.height);
  return assignNames(byHeight);
}

/** Target size before rounding; `dropped` when it would be larger than the source. */
function candidateFor(t: LadderTemplate, srcW: number, srcH: number): Candidate {
  const w = positive(t.width, t, 'Width');
  const h = positive(t.height, t, 'Height');
  let scale: number;
  if (w !== undefined && h !== undefined) scale = Math.min(w / srcW, h / srcH);
  else if (h !== undefined) scale = h / srcH;
  else if (w !== undefined) scale = w / srcW;
  else if (baseDefinition(t.definition) === 'OD') scale = 1;
  else {
    const short = DEFINITION_SHORT_SIDE[baseDefinition(t.definition)];
    if (short === undefined) {
      throw new LadderPlanError(
        'InvalidTemplate',
        `template ${t.templateId ?? t.definition}: definition "${t.definition}" has no nominal size; give Width or Height`,
      );
    }
    scale = short / Math.min(srcW, srcH);
  }
  const exactW = srcW * scale;
  const exactH = srcH * scale;
  const epsilon = 1e-6;
  return {
    template: t,
    // Rounded to even, but never past the source (odd sizes round down).
    width: Math.min(roundEven(exactW), floorEven(srcW)),
    height: Math.min(roundEven(exactH), floorEven(srcH)),
    exactArea: exactW * exactH,
    dropped: exactW > srcW + epsilon || exactH > srcH + epsilon,
  };
}

function toRendition(c: Candidate, source: SourceSummary): PlannedRendition {
  const t = c.template;
  const fps = cappedFps(t.fps, source.fps);
  const sizeDefault = defaultVideoBitrateKbps(c.width, c.height, fps ?? source.fps);
  // A kept-at-source-size template's bitrate was meant for a bigger picture: never exceed the
  // default for the size it actually gets.
  const givenBitrate = positive(t.videoBitrateKbps, t, 'Video.Bitrate');
  const videoBitrateKbps =
    givenBitrate === undefined
      ? sizeDefault
      : c.atSourceSize
        ? Math.min(givenBitrate, sizeDefault)
        : givenBitrate;
  const r: PlannedRendition = {
    name: '',
    definition: t.definition,
    streamDefinition: streamDefinitionFor(t.definition),
    width: c.width,
    height: c.height,
    videoBitrateKbps,
    maxrateKbps: Math.round(videoBitrateKbps * MAXRATE_FACTOR),
    audioBitrateKbps: positive(t.audioBitrateKbps, t, 'Audio.Bitrate') ?? DEFAULT_AUDIO_KBPS,
    profile: Math.min(c.width, c.height) <= 360 ? 'main' : 'high',
  };
  if (t.templateId !== undefined) r.templateId = t.templateId;
  if (fps !== undefined) r.fps = fps;
  return r;
}

/** Only lowers the rate: a template fps at or above the source's keeps the source rate. */
function cappedFps(templateFps: number | undefined, sourceFps: number): number | undefined {
  if (templateFps === undefined || !(templateFps > 0)) return undefined;
  if (sourceFps > 0 && templateFps >= sourceFps) return undefined;
  return templateFps;
}

/** Directory names: the definition in lower case, made unique with the height when needed. */
function assignNames(renditions: PlannedRendition[]): PlannedRendition[] {
  const used = new Set<string>();
  for (const r of renditions) {
    const base =
      r.definition
        .toLowerCase()
        .replace(/[^a-z0-9_-]+/g, '-')
        .replace(/^-+/, '') || 'v';
    let name = base;
    if (used.has(name)) name = `${base}-${r.height}p`;
    for (let n = 2; used.has(name); n++) name = `${base}-${r.height}p-${n}`;
    used.add(name);
    r.name = name;
  }
  return renditions;
}

/** "HD-NBV1" → "HD" (narrowband templates share their base size). */
function baseDefinition(definition: string): string {
  return definition.toUpperCase().replace(/-NBV\d+$/, '');
}

function positive(value: number | undefined, t: LadderTemplate, field: string): number | undefined {
  if (value === undefined) return undefined;
  if (!(Number.isFinite(value) && value > 0)) {
    throw new LadderPlanError(
      'InvalidTemplate',
      `template ${t.templateId ?? t.definition}: ${field} must be positive`,
    );
  }
  return value;
}

function roundEven(n: number): number {
  return Math.max(2, Math.round(n / 2) * 2);
}

function floorEven(n: number): number {
  return Math.max(2, Math.floor(n / 2) * 2);
}
