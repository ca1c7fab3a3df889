/**
 * ffmpeg arguments for still snapshots and sprite sheets (SubmitSnapshotJob, the cover snapshot
 * at transcode). Pure: the worker decides which times and sizes (policy); these only say how.
 *
 * One still is one ffmpeg run that seeks before the input (`-ss` before `-i`): ffmpeg then
 * decodes from the keyframe before `t` and drops frames up to `t`, so the picture is the frame
 * shown at `t` — what a player shows when paused there — not the nearest keyframe.
 */
import { mediaInputArgs, type MediaInput } from './media-input.js';

export interface StillSnapshotPlan {
  /** A local file, or the worker's loopback source URL (`media-input.ts`). */
  input: MediaInput;
  /** Time of the frame, in seconds from the start. */
  offsetSeconds: number;
  /** Output JPEG path. */
  output: string;
  /** Scale to this size; either may be omitted (then the aspect ratio is kept). */
  width?: number;
  height?: number;
}

/** Arguments for one JPEG at `offsetSeconds` (quality 2 of ffmpeg's 2–31 mjpeg scale). */
export function buildStillSnapshotArgs(plan: StillSnapshotPlan): string[] {
  if (!Number.isFinite(plan.offsetSeconds) || plan.offsetSeconds < 0) {
    throw new RangeError(`offsetSeconds must be a finite number >= 0, got ${plan.offsetSeconds}`);
  }
  const args = [
    '-y',
    '-v',
    'error',
    '-ss',
    plan.offsetSeconds.toFixed(3),
    ...mediaInputArgs(plan.input),
    '-frames:v',
    '1',
  ];
  const scale = scaleFilter(plan.width, plan.height);
  if (scale) args.push('-vf', scale);
  args.push('-an', '-q:v', '2', '-f', 'image2', plan.output);
  return args;
}

export interface SpriteSheetPlan {
  /** Numbered cell images, e.g. `/tmp/x/cell-%05d.jpg`, starting at 1. */
  cellPattern: string;
  /** Numbered output sheets, e.g. `/tmp/x/sprite-%05d.jpg`. */
  outputPattern: string;
  cellWidth: number;
  cellHeight: number;
  columns: number;
  lines: number;
  padding: number;
  margin: number;
  /** An ffmpeg colour (`black`, `#RRGGBB`, `0xRRGGBB`). */
  color: string;
}

/**
 * Arguments that tile numbered cell images into sheets of `columns` × `lines`; the last sheet
 * holds the remainder (the tile filter flushes a partial sheet at the end).
 */
export function buildSpriteSheetArgs(plan: SpriteSheetPlan): string[] {
  for (const name of ['cellWidth', 'cellHeight', 'columns', 'lines'] as const) {
    if (!Number.isSafeInteger(plan[name]) || plan[name] < 1) {
      throw new RangeError(`${name} must be a positive integer, got ${plan[name]}`);
    }
  }
  if (!/^(#|0x)?[0-9A-Za-z]{1,32}$/.test(plan.color)) throw new RangeError(`invalid colour "${plan.color}"`);
  const tile = `tile=${plan.columns}x${plan.lines}:padding=${plan.padding}:margin=${plan.margin}:color=${plan.color}`;
  return [
    '-y',
    '-v',
    'error',
    '-framerate',
    '1',
    '-start_number',
    '1',
    '-i',
    plan.cellPattern,
    '-vf',
    `scale=${plan.cellWidth}:${plan.cellHeight},${tile}`,
    '-q:v',
    '2',
    '-f',
    'image2',
    plan.outputPattern,
  ];
}

function scaleFilter(width?: number, height?: number): string | undefined {
  if (width === undefined && height === undefined) return undefined;
  // -2 keeps the aspect ratio with an even size (what yuv420p JPEGs need).
  return `scale=${width ?? -2}:${height ?? -2}`;
}
