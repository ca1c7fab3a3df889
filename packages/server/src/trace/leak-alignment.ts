/**
 * Time alignment of a leak with its reference (docs/tracing.md "Detection"). Both are grey
 * thumbnails on the same frame-rate grid (GreyFrames from @securevod/ffmpeg). The offset is the
 * reference frame shown at leak frame 0, so leak frame i ↔ reference frame i + offset; it may be
 * negative when the leak starts with footage the reference does not have.
 *
 * Method: each frame is reduced to a 16×9 block-mean thumbnail with its own mean removed (so a
 * brightness or contrast change does not matter), and the normalised cross-correlation over all
 * overlapping frames is maximised — coarsely over every `coarseStep`-th offset with every
 * `coarseStep`-th leak frame, then at every frame around the best three coarse offsets.
 * Cost ≈ (ref frames / step) × (leak frames / step) × 144 multiply-adds for the coarse pass.
 */
import type { GreyFrames } from '@securevod/ffmpeg';

export const THUMB_W = 16;
export const THUMB_H = 9;
const THUMB = THUMB_W * THUMB_H;

export interface Alignment {
  /** Reference frame index shown at leak frame 0. */
  offsetFrames: number;
  /** Normalised cross-correlation at that offset, −1…1 (≥ 0.9 for a true match in practice). */
  correlation: number;
  /** Frames of the leak that overlap the reference at that offset. */
  overlapFrames: number;
}

/** The best alignment, and the best few distinct peaks (best first, the best included). */
export interface AlignmentPeaks extends Alignment {
  peaks: Alignment[];
}

export interface AlignOptions {
  /** Least overlap (frames) an offset must have to be considered. Default: half the leak or 20 s. */
  minOverlapFrames?: number;
  coarseStep?: number;
}

/** Zero-mean 16×9 block thumbnails of every frame (float), plus the squared norm of each. */
export function thumbnails(frames: GreyFrames): { data: Float32Array; norms: Float64Array } {
  const { width, height, count } = frames;
  const data = new Float32Array(count * THUMB);
  const norms = new Float64Array(count);
  const cellOf = (x: number, y: number) =>
    Math.min(THUMB_H - 1, Math.floor((y * THUMB_H) / height)) * THUMB_W +
    Math.min(THUMB_W - 1, Math.floor((x * THUMB_W) / width));
  const cellIndex = new Int32Array(width * height);
  const cellSize = new Float64Array(THUMB);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const c = cellOf(x, y);
      cellIndex[y * width + x] = c;
      cellSize[c]! += 1;
    }
  }
  const sums = new Float64Array(THUMB);
  for (let f = 0; f < count; f++) {
    sums.fill(0);
    const base = f * width * height;
    for (let p = 0; p < width * height; p++) sums[cellIndex[p]!]! += frames.data[base + p]!;
    let mean = 0;
    for (let c = 0; c < THUMB; c++) {
      sums[c] = sums[c]! / Math.max(1, cellSize[c]!);
      mean += sums[c]!;
    }
    mean /= THUMB;
    let norm = 0;
    for (let c = 0; c < THUMB; c++) {
      const v = sums[c]! - mean;
      data[f * THUMB + c] = v;
      norm += v * v;
    }
    norms[f] = norm;
  }
  return { data, norms };
}

type Thumbs = ReturnType<typeof thumbnails>;

function correlationAt(
  leak: Thumbs,
  ref: Thumbs,
  offset: number,
  step: number,
): { ncc: number; overlap: number } {
  const leakCount = leak.norms.length;
  const refCount = ref.norms.length;
  const start = Math.max(0, -offset);
  const end = Math.min(leakCount, refCount - offset);
  let dot = 0;
  let nl = 0;
  let nr = 0;
  for (let i = start; i < end; i += step) {
    const li = i * THUMB;
    const ri = (i + offset) * THUMB;
    let d = 0;
    for (let c = 0; c < THUMB; c++) d += leak.data[li + c]! * ref.data[ri + c]!;
    dot += d;
    nl += leak.norms[i]!;
    nr += ref.norms[i + offset]!;
  }
  const overlap = Math.max(0, end - start);
  return { ncc: nl > 0 && nr > 0 ? dot / Math.sqrt(nl * nr) : 0, overlap };
}

/**
 * Finds the offset of `leak` in `reference` (same fps). Content that repeats (a loop, a static
 * slide) correlates almost as well at several offsets: the best `PEAKS` distinct peaks are
 * returned too, for the caller to decide between them by the mark itself (leak-detector.ts).
 */
export async function alignLeak(
  leak: GreyFrames,
  reference: GreyFrames,
  options: AlignOptions = {},
): Promise<AlignmentPeaks> {
  if (leak.fps !== reference.fps) throw new RangeError('leak and reference must share a frame rate');
  const leakThumbs = thumbnails(leak);
  const refThumbs = thumbnails(reference);
  const step = options.coarseStep ?? Math.max(1, Math.round(leak.fps / 2));
  const minOverlap = Math.max(
    1,
    Math.min(
      options.minOverlapFrames ?? Math.min(Math.ceil(leak.count / 2), 20 * leak.fps),
      leak.count,
      reference.count,
    ),
  );
  const lo = minOverlap - leak.count;
  const hi = reference.count - minOverlap;
  const coarse: { offset: number; ncc: number }[] = [];
  for (let o = lo, n = 0; o <= hi; o += step, n++) {
    coarse.push({ offset: o, ncc: correlationAt(leakThumbs, refThumbs, o, step).ncc });
    // The worker shares its process with the API and media roles: let them run between batches.
    if (n % 256 === 255) await yieldToEventLoop();
  }
  coarse.sort((x, y) => y.ncc - x.ncc);
  // Distinct coarse peaks: each at least two steps from every one taken before it.
  const chosen: number[] = [];
  for (const c of coarse) {
    if (chosen.length >= PEAKS) break;
    if (chosen.every((o) => Math.abs(o - c.offset) > 2 * step)) chosen.push(c.offset);
  }
  const peaks: Alignment[] = chosen.map((center) => {
    let best: Alignment = { offsetFrames: center, correlation: -Infinity, overlapFrames: 0 };
    for (let o = Math.max(lo, center - step); o <= Math.min(hi, center + step); o++) {
      const { ncc, overlap } = correlationAt(leakThumbs, refThumbs, o, 1);
      if (ncc > best.correlation) best = { offsetFrames: o, correlation: ncc, overlapFrames: overlap };
    }
    return best;
  });
  peaks.sort((x, y) => y.correlation - x.correlation);
  const best = peaks[0] ?? { offsetFrames: 0, correlation: -Infinity, overlapFrames: 0 };
  return { ...best, peaks };
}

/** Lets other work of the process run (the detector runs on the server's event loop). */
export const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** How many distinct correlation peaks `alignLeak` returns. */
export const PEAKS = 5;
