/**
 * The leak detector's pure core (issue 13 item 3, docs/tracing.md "Detection"): align a leak with
 * the references of a traced rendition, read one soft bit per covered segment, score every
 * issued trace ID and name one only under the false-accusation bound. Decoding (ffmpeg) and
 * reading the references and candidates (storage, database) are the caller's: see
 * trace-extract-service.ts.
 */
import type { GreyFrames } from '@securevod/ffmpeg';
import { alignLeak, yieldToEventLoop, type AlignmentPeaks } from './leak-alignment.js';
import { CROP_STEPS, cropFrames } from './reference-geometry.js';
import {
  segmentSoftBits,
  type SegmentBounds,
  type SoftBit,
  type SoftBitOptions,
} from './segment-soft-bits.js';
import { scoreCandidates, type CandidateScore, type ScoreOptions } from './trace-scoring.js';

/** Below this alignment correlation the leak is taken not to show the reference video at all. */
export const MIN_ALIGNMENT_CORRELATION = 0.6;

export interface DetectionInput {
  leak: GreyFrames;
  refA: GreyFrames;
  refB: GreyFrames;
  segments: readonly SegmentBounds[];
  /** Every trace ID issued for the video. */
  candidates: readonly string[];
  /** The code word of a trace ID, covering at least `segments.length` bits. */
  codeWord: (traceId: string) => Uint8Array;
}

export interface DetectionOptions extends SoftBitOptions, ScoreOptions {
  minAlignmentCorrelation?: number;
}

export interface DetectionReport {
  verdict: 'match' | 'no-match';
  traceId: string | null;
  /** Why there is no match, for people ("…insufficient evidence…"); null on a match. */
  message: string | null;
  /** Where the leak starts in the source, seconds (negative: it starts before the source). */
  offsetSeconds: number;
  /** The crop of the leak found (fractions of the width and height, both edges together). */
  crop: { x: number; y: number };
  alignmentCorrelation: number;
  segmentsUsed: number;
  bitsRead: number;
  candidatesScored: number;
  windowsTested: number;
  /** The accusation threshold: largest p-value accused, and agreements needed over all read bits. */
  threshold: { maxPValue: number; agreementsNeeded: number | null; falseAccusationBound: number };
  /** The named (or best) candidate's score. */
  score: CandidateScore | null;
  top: CandidateScore[];
}

/**
 * Runs on the caller's event loop in slices (it yields between units of work of well under a
 * second), so a server process keeps answering while a worker slot detects.
 */
export async function detectLeak(
  input: DetectionInput,
  options: DetectionOptions = {},
): Promise<DetectionReport> {
  const alignment: AlignmentPeaks = await alignLeak(input.leak, input.refA);
  await yieldToEventLoop();
  const fps = input.leak.fps;
  const bound = options.falseAccusationBound ?? 1e-6;
  const minCorrelation = options.minAlignmentCorrelation ?? MIN_ALIGNMENT_CORRELATION;
  if (!(alignment.correlation >= minCorrelation)) {
    return {
      offsetSeconds: alignment.offsetFrames / fps,
      crop: { x: 0, y: 0 },
      alignmentCorrelation: alignment.correlation,
      candidatesScored: input.candidates.length,
      verdict: 'no-match',
      traceId: null,
      message: 'no match: the file does not show the source video (time alignment failed)',
      segmentsUsed: 0,
      bitsRead: 0,
      windowsTested: 0,
      threshold: {
        maxPValue: bound / Math.max(1, input.candidates.length),
        agreementsNeeded: null,
        falseAccusationBound: bound,
      },
      score: null,
      top: [],
    };
  }
  const { softBits, offsetFrames, crop, correlation } = await readSoftBits(
    input,
    alignment,
    minCorrelation,
    options,
  );
  const scored = scoreCandidates(softBits, input.candidates, input.codeWord, options);
  const best = scored.top[0] ?? null;
  return {
    offsetSeconds: offsetFrames / fps,
    crop,
    alignmentCorrelation: correlation,
    candidatesScored: input.candidates.length,
    verdict: scored.verdict,
    traceId: scored.traceId,
    message:
      scored.verdict === 'match'
        ? null
        : `no match: no issued trace ID clears the threshold (insufficient evidence; ${scored.bitsRead} bits read from ${scored.segmentsUsed} segments)`,
    segmentsUsed: scored.segmentsUsed,
    bitsRead: scored.bitsRead,
    windowsTested: scored.windowsTested,
    threshold: {
      maxPValue: scored.maxPValue,
      agreementsNeeded: scored.agreementsNeeded,
      falseAccusationBound: bound,
    },
    score: best,
    top: scored.top,
  };
}

/**
 * How much mark a reading finds: Σ|z| over the segments. A wrong offset or crop leaves content in
 * the residual, which inflates γ's standard error, so marked segments score far lower than with
 * the right one (no cap: a cap would let the noise of unmarked segments decide).
 */
function markEnergy(bits: readonly SoftBit[]): number {
  let sum = 0;
  for (const b of bits) sum += Math.abs(b.z);
  return sum;
}

/**
 * Chooses how to read the leak by the mark itself, never by any trace ID's code word (so the
 * choice cannot favour a candidate, and the false-accusation bound holds): the crop of the
 * references (CROP_STEPS on each axis, judged on every covered segment: a sample of 24 segments
 * chose wrong crops on some leaks) at the best content alignment, then, among the correlation peaks within 0.05 of the best (repeating content
 * looks alike at several offsets), the one whose reading has the most mark energy.
 */
async function readSoftBits(
  input: DetectionInput,
  alignment: AlignmentPeaks,
  minCorrelation: number,
  options: SoftBitOptions,
): Promise<{
  softBits: SoftBit[];
  offsetFrames: number;
  crop: { x: number; y: number };
  correlation: number;
}> {
  const { leak, segments, refA, refB } = input;
  const fps = leak.fps;
  const framesOf = (segs: readonly SegmentBounds[]): [number, number][] =>
    segs.map((s) => [Math.floor(s.start * fps) - 1, Math.ceil(s.end * fps) + 1]);
  const covered = (offset: number) =>
    segments.filter((s) => s.start * fps >= offset && s.end * fps <= offset + leak.count);

  const sample = covered(alignment.offsetFrames);
  const sampleRanges = framesOf(sample);
  let crop = { x: 0, y: 0 };
  let bestEnergy = -1;
  for (const x of CROP_STEPS) {
    for (const y of CROP_STEPS) {
      const a = cropFrames(refA, x, y, sampleRanges);
      const b = cropFrames(refB, x, y, sampleRanges);
      const energy = markEnergy(segmentSoftBits(leak, a, b, sample, alignment.offsetFrames, options));
      if (energy > bestEnergy) {
        bestEnergy = energy;
        crop = { x, y };
      }
      await yieldToEventLoop();
    }
  }

  const readAt = async (offset: number) => {
    const segs = covered(offset);
    const ranges = framesOf(segs);
    const a = cropFrames(refA, crop.x, crop.y, ranges);
    const b = cropFrames(refB, crop.x, crop.y, ranges);
    const softBits = segmentSoftBits(leak, a, b, segments, offset, options);
    await yieldToEventLoop();
    return softBits;
  };
  let best = {
    softBits: await readAt(alignment.offsetFrames),
    offsetFrames: alignment.offsetFrames,
    correlation: alignment.correlation,
  };
  bestEnergy = markEnergy(best.softBits);
  for (const peak of alignment.peaks) {
    if (peak.offsetFrames === alignment.offsetFrames) continue;
    if (peak.correlation < Math.max(minCorrelation, alignment.correlation - 0.05)) continue;
    const softBits = await readAt(peak.offsetFrames);
    const energy = markEnergy(softBits);
    if (energy > bestEnergy) {
      bestEnergy = energy;
      best = { softBits, offsetFrames: peak.offsetFrames, correlation: peak.correlation };
    }
  }
  return { ...best, crop };
}
