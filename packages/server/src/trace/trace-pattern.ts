/**
 * The A/B mark of leak tracing (docs/tracing.md, "Embedding and delivery"): a smooth, keyed,
 * low-frequency luma pattern that ffmpeg adds to the source for variant A and subtracts for
 * variant B (`buildHlsLadderArgs` with `tracePattern`).
 *
 * - Grids: 8 grids of 16×9 cells, each cell ±1 from a fresh random key per transcode job (the
 *   detector compares a leak with the stored A and B, so it never needs the pattern; nothing of
 *   it is stored). Each grid is balanced — 72 cells +1, 72 cells −1 — so the mark adds no mean
 *   luma and A and B have the same brightness frame by frame. Segment k carries grid k mod 8, so
 *   no single pattern can be estimated by averaging segments.
 * - Shape: raised-cosine interpolation between cell centres, so the mark has no edges.
 * - Envelope: within every segment the amplitude ramps 0 → δ over the first 0.25 s and back to 0
 *   over the last 0.25 s (raised cosine), so a sequence mixing A and B never steps at a switch.
 * - Format: raw yuv420p at 160×90 (the ladder scales it to the source size, bicubic), Y = 128 +
 *   round(δ·env·P), U = V = 128. Not `gray`: ffmpeg range-scales a gray input on its way to
 *   yuv420p, which would shift A's and B's mean luma in opposite directions (watermark.md §3.2).
 * - Length: 8 segments; ffmpeg loops it (`-stream_loop -1`). Frame n stands for time n / fps, so
 *   the loop stays on the segment grid because the keyframes are forced on the same grid.
 */
import { randomBytes } from 'node:crypto';
import { open } from 'node:fs/promises';

export const PATTERN_WIDTH = 160;
export const PATTERN_HEIGHT = 90;
export const GRID_COLUMNS = 16;
export const GRID_ROWS = 9;
export const PATTERN_GRIDS = 8;
/** Luma code values at the plateau; 1.5 measured ≥ 45 dB PSNR before encoding (test/trace). */
export const DEFAULT_TRACE_DELTA = 1.5;
const RAMP_SECONDS = 0.25;

export interface TracePatternSpec {
  fps: number;
  segmentSeconds: number;
  delta?: number;
  /** PATTERN_GRIDS × 16 × 9 random bytes: per grid, the half of the cells with the lowest bytes is +1. Default: fresh random. */
  seed?: Uint8Array;
}

export interface WrittenTracePattern {
  path: string;
  width: number;
  height: number;
  fps: number;
  frames: number;
}

/** The envelope at `t` seconds into a segment of `segmentSeconds`: 0 at both edges, 1 inside. */
export function traceEnvelope(t: number, segmentSeconds: number): number {
  const ramp = Math.min(RAMP_SECONDS, segmentSeconds / 4);
  const edge = Math.min(t, segmentSeconds - t);
  if (edge <= 0) return 0;
  if (edge >= ramp) return 1;
  return (1 - Math.cos((Math.PI * edge) / ramp)) / 2;
}

/** Writes the looped pattern clip to `path` (scratch) and describes it for the ladder. */
export async function writeTracePattern(path: string, spec: TracePatternSpec): Promise<WrittenTracePattern> {
  const delta = spec.delta ?? DEFAULT_TRACE_DELTA;
  const seed = spec.seed ?? randomBytes(PATTERN_GRIDS * GRID_COLUMNS * GRID_ROWS);
  if (seed.length < PATTERN_GRIDS * GRID_COLUMNS * GRID_ROWS) throw new RangeError('pattern seed too short');
  const framesPerSegment = Math.round(spec.segmentSeconds * spec.fps);
  if (framesPerSegment < 1) throw new RangeError('a segment must last at least one frame');
  const shapes = Array.from({ length: PATTERN_GRIDS }, (_, j) => smoothGrid(seed, j));
  const lumaSize = PATTERN_WIDTH * PATTERN_HEIGHT;
  const frame = Buffer.alloc(lumaSize * 1.5, 128);
  const file = await open(path, 'w', 0o600);
  try {
    for (let j = 0; j < PATTERN_GRIDS; j++) {
      const shape = shapes[j]!;
      for (let f = 0; f < framesPerSegment; f++) {
        const amplitude = delta * traceEnvelope(f / spec.fps, spec.segmentSeconds);
        for (let i = 0; i < lumaSize; i++) frame[i] = 128 + Math.round(amplitude * shape[i]!);
        await file.write(frame);
      }
    }
  } finally {
    await file.close();
  }
  return {
    path,
    width: PATTERN_WIDTH,
    height: PATTERN_HEIGHT,
    fps: spec.fps,
    frames: framesPerSegment * PATTERN_GRIDS,
  };
}

/** Grid `j` as PATTERN_WIDTH × PATTERN_HEIGHT values in [-1, 1], raised-cosine interpolated. */
function smoothGrid(seed: Uint8Array, j: number): Float64Array {
  const cells = GRID_COLUMNS * GRID_ROWS;
  const keys = seed.subarray(j * cells, (j + 1) * cells);
  const order = Array.from({ length: cells }, (_, i) => i).sort((a, b) => keys[a]! - keys[b]! || a - b);
  const signs = new Int8Array(cells).fill(-1);
  for (const i of order.slice(0, cells / 2)) signs[i] = 1;
  const cell = (cx: number, cy: number): number => {
    const x = Math.min(GRID_COLUMNS - 1, Math.max(0, cx));
    const y = Math.min(GRID_ROWS - 1, Math.max(0, cy));
    return signs[y * GRID_COLUMNS + x]!;
  };
  const axis = (pixel: number, pixels: number, cells: number): [number, number] => {
    const u = ((pixel + 0.5) * cells) / pixels - 0.5;
    const i = Math.floor(u);
    return [i, (1 - Math.cos(Math.PI * (u - i))) / 2];
  };
  const out = new Float64Array(PATTERN_WIDTH * PATTERN_HEIGHT);
  for (let y = 0; y < PATTERN_HEIGHT; y++) {
    const [cy, wy] = axis(y, PATTERN_HEIGHT, GRID_ROWS);
    for (let x = 0; x < PATTERN_WIDTH; x++) {
      const [cx, wx] = axis(x, PATTERN_WIDTH, GRID_COLUMNS);
      const top = cell(cx, cy) * (1 - wx) + cell(cx + 1, cy) * wx;
      const bottom = cell(cx, cy + 1) * (1 - wx) + cell(cx + 1, cy + 1) * wx;
      out[y * PATTERN_WIDTH + x] = top * (1 - wy) + bottom * wy;
    }
  }
  return out;
}
