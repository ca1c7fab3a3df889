/**
 * Geometry of a cropped leak (docs/tracing.md "Detection"): a leak cropped by a fraction of its
 * width and height and scaled back shows the centre of the original. Cropping the references the
 * same way (bilinear resampling of the small grey frames) puts the mark's cells back on the
 * leak's; the detector tries a few crops and keeps the one with the most mark energy.
 */
import type { GreyFrames } from '@securevod/ffmpeg';

/** Crop fractions tried on each axis (total, both edges together): 0 %, 2 %, 4 %, 6 %. */
export const CROP_STEPS: readonly number[] = [0, 0.02, 0.04, 0.06];

/**
 * The frames in `ranges` (inclusive frame index pairs) of `frames` centre-cropped by `cx` of the
 * width and `cy` of the height, resampled back to the same size (fractional values kept). Frames
 * outside the ranges are left black (the detector only reads what it asked for); the result holds
 * only the window from the first to the last frame asked for (`start`).
 */
export function cropFrames(
  frames: GreyFrames,
  cx: number,
  cy: number,
  ranges: readonly (readonly [number, number])[] = [[0, frames.count - 1]],
): GreyFrames {
  if (cx === 0 && cy === 0) return frames;
  if ((frames.start ?? 0) !== 0) throw new RangeError('crop decoded frames, not a window');
  const { width: w, height: h } = frames;
  const size = w * h;
  // Only the window spanning the ranges is allocated (a long title's references stay shared).
  const lo = Math.max(0, Math.min(...ranges.map((r) => r[0])));
  const hi = Math.min(frames.count - 1, Math.max(...ranges.map((r) => r[1])));
  if (hi < lo) return { ...frames, data: new Float32Array(0), start: 0, count: 0 };
  const out = new Float32Array((hi - lo + 1) * size);
  // Source coordinate of each output column and row, and their bilinear weights.
  const axis = (n: number, c: number) => {
    const i0 = new Int32Array(n);
    const i1 = new Int32Array(n);
    const f = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      const s = Math.min(n - 1, Math.max(0, (i + 0.5) * (1 - c) + (n * c) / 2 - 0.5));
      i0[i] = Math.floor(s);
      i1[i] = Math.min(n - 1, i0[i]! + 1);
      f[i] = s - i0[i]!;
    }
    return { i0, i1, f };
  };
  const X = axis(w, cx);
  const Y = axis(h, cy);
  for (const [first, last] of ranges)
    for (let k = Math.max(0, first); k <= Math.min(frames.count - 1, last); k++) {
      const base = k * size;
      const outBase = (k - lo) * size;
      for (let y = 0; y < h; y++) {
        const r0 = base + Y.i0[y]! * w;
        const r1 = base + Y.i1[y]! * w;
        const fy = Y.f[y]!;
        for (let x = 0; x < w; x++) {
          const fx = X.f[x]!;
          const a = frames.data[r0 + X.i0[x]!]! * (1 - fx) + frames.data[r0 + X.i1[x]!]! * fx;
          const b = frames.data[r1 + X.i0[x]!]! * (1 - fx) + frames.data[r1 + X.i1[x]!]! * fx;
          out[outBase + y * w + x] = a * (1 - fy) + b * fy;
        }
      }
    }
  return { ...frames, data: out, start: lo, count: hi + 1 };
}
