/**
 * The leak detector's pure core (issue 13 item 3, docs/tracing.md "Detection"): align a leak with
 * the references of a traced rendition, read one soft bit per covered segment, score every
 * issued trace ID and name one only under the false-accusation bound. Decoding (ffmpeg) and
 * reading the references and candidates (storage, database) are the caller's: see
 * trace-extract-service.ts.
 */
import type { GreyFrames } from '@securevod/ffmpeg';
import { alignLeak, type Alignment } from './leak-alignment.js';
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

export function detectLeak(input: DetectionInput, options: DetectionOptions = {}): DetectionReport {
  const alignment: Alignment = alignLeak(input.leak, input.refA);
  const fps = input.leak.fps;
  const bound = options.falseAccusationBound ?? 1e-6;
  const base = {
    offsetSeconds: alignment.offsetFrames / fps,
    alignmentCorrelation: alignment.correlation,
    candidatesScored: input.candidates.length,
  };
  if (!(alignment.correlation >= (options.minAlignmentCorrelation ?? MIN_ALIGNMENT_CORRELATION))) {
    return {
      ...base,
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
  const softBits: SoftBit[] = segmentSoftBits(
    input.leak,
    input.refA,
    input.refB,
    input.segments,
    alignment.offsetFrames,
    options,
  );
  const scored = scoreCandidates(softBits, input.candidates, input.codeWord, options);
  const best = scored.top[0] ?? null;
  return {
    ...base,
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
