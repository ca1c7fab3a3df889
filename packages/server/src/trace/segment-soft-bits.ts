/**
 * Soft bits of an aligned leak (docs/tracing.md "Detection"). For every reference segment k the
 * leak fully covers, a least-squares fit over the segment's plateau frames (all pixels):
 *
 *   L ≈ α·M + β + γ·D      with M = (A + B) / 2 and D = A − B
 *
 * A, B are the decoded references of the two variants, L the leak. A leak of variant A gives
 * γ/α ≈ +½, of variant B ≈ −½; an unmarked copy or the average of an A and a B copy gives ≈ 0.
 * The soft bit is γ/α (α absorbs a contrast change, β a brightness change); |soft| below the
 * erasure threshold, or a fit without mark energy or without content gain, is an erasure.
 *
 * Bit convention (trace-code.ts): bit 0 = variant A = positive soft bit.
 */
import type { GreyFrames } from '@securevod/ffmpeg';

export interface SegmentBounds {
  /** Segment index in the rendition (the trace code's bit index). */
  index: number;
  /** Start and end in reference seconds. */
  start: number;
  end: number;
}

export interface SoftBit {
  index: number;
  /** γ/α: ≈ +½ for variant A, ≈ −½ for B, ≈ 0 unmarked. */
  soft: number;
  erased: boolean;
  /**
   * γ over its standard error (from the fit's residual): how clearly the segment shows a mark at
   * all, whichever variant. Used to choose how to read a leak (offset, crop), never to score.
   */
  z: number;
  /** Plateau frames the fit used. */
  frames: number;
}

export interface SoftBitOptions {
  /** Seconds left out at each end of a segment (the mark fades there; switching jitter). Default 0.1. */
  edgeSeconds?: number;
  /** |soft| below this is an erasure. Default 0.1. */
  erasureThreshold?: number;
}

export const DEFAULT_ERASURE_THRESHOLD = 0.1;

/**
 * Soft bits of every segment the leak covers at `offsetFrames` (leak frame i ↔ reference frame
 * i + offsetFrames). All three frame sets must share size and fps.
 */
export function segmentSoftBits(
  leak: GreyFrames,
  refA: GreyFrames,
  refB: GreyFrames,
  segments: readonly SegmentBounds[],
  offsetFrames: number,
  options: SoftBitOptions = {},
): SoftBit[] {
  const size = leak.width * leak.height;
  if (refA.width * refA.height !== size || refB.width * refB.height !== size) {
    throw new RangeError('leak and references must share a frame size');
  }
  const fps = leak.fps;
  const edge = options.edgeSeconds ?? 0.1;
  const erasure = options.erasureThreshold ?? DEFAULT_ERASURE_THRESHOLD;
  const refCount = Math.min(refA.count, refB.count);
  // Windows of derived references (reference-geometry.ts) start later than frame 0.
  const aStart = refA.start ?? 0;
  const bStart = refB.start ?? 0;
  const leakStart = leak.start ?? 0;
  const out: SoftBit[] = [];
  for (const segment of segments) {
    const first = Math.ceil((segment.start + edge) * fps);
    const last = Math.floor((segment.end - edge) * fps - 1e-9);
    if (last < first) continue;
    if (first - offsetFrames < leakStart || last - offsetFrames >= leak.count || last >= refCount) continue;
    if (first < aStart || first < bStart) continue;
    // Normal equations of L = α·M + β + γ·D over every pixel of the plateau frames.
    let smm = 0,
      smd = 0,
      sm = 0,
      sdd = 0,
      sd = 0,
      n = 0,
      slm = 0,
      sld = 0,
      sl = 0,
      sll = 0;
    for (let j = first; j <= last; j++) {
      const ra = (j - aStart) * size;
      const rb = (j - bStart) * size;
      const rl = (j - offsetFrames - leakStart) * size;
      for (let p = 0; p < size; p++) {
        const a = refA.data[ra + p]!;
        const b = refB.data[rb + p]!;
        const m = (a + b) / 2;
        const d = a - b;
        const l = leak.data[rl + p]!;
        smm += m * m;
        smd += m * d;
        sm += m;
        sdd += d * d;
        sd += d;
        n += 1;
        slm += l * m;
        sld += l * d;
        sl += l;
        sll += l * l;
      }
    }
    const normal = [
      [smm, smd, sm],
      [smd, sdd, sd],
      [sm, sd, n],
    ];
    const solution = solve3(normal, [slm, sld, sl]);
    // Var(γ) = σ² · (XᵀX)⁻¹[γ,γ], σ² from the residual sum of squares.
    const unit = solve3(normal, [0, 1, 0]);
    const frames = last - first + 1;
    // Mark energy: the variance of D must stand out of rounding noise (0.05 code values² per pixel).
    const dVariance = sdd / n - (sd / n) ** 2;
    if (!solution || !unit || dVariance < 0.05 || solution[0] < 0.2) {
      out.push({ index: segment.index, soft: 0, erased: true, z: 0, frames });
      continue;
    }
    const rss = Math.max(0, sll - (solution[0] * slm + solution[1] * sld + solution[2] * sl));
    const se = Math.sqrt((rss / Math.max(1, n - 3)) * Math.max(0, unit[1]));
    const soft = solution[1] / solution[0];
    const z = se > 0 ? solution[1] / se : 0;
    out.push({ index: segment.index, soft, erased: !(Math.abs(soft) >= erasure), z, frames });
  }
  return out;
}

/** Gaussian elimination with partial pivoting; null when singular. */
function solve3(m: number[][], v: number[]): [number, number, number] | null {
  const a = m.map((row, i) => [...row, v[i]!]);
  for (let col = 0; col < 3; col++) {
    let pivot = col;
    for (let r = col + 1; r < 3; r++) if (Math.abs(a[r]![col]!) > Math.abs(a[pivot]![col]!)) pivot = r;
    if (Math.abs(a[pivot]![col]!) < 1e-9) return null;
    [a[col], a[pivot]] = [a[pivot]!, a[col]!];
    for (let r = 0; r < 3; r++) {
      if (r === col) continue;
      const f = a[r]![col]! / a[col]![col]!;
      for (let c = col; c < 4; c++) a[r]![c]! -= f * a[col]![c]!;
    }
  }
  return [a[0]![3]! / a[0]![0]!, a[1]![3]! / a[1]![1]!, a[2]![3]! / a[2]![2]!];
}
