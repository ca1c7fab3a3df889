/**
 * Scoring a leak's soft bits against every issued trace ID, and the accusation rule
 * (docs/tracing.md "Detection", "The false-accusation bound").
 *
 * Hard decisions: a non-erased soft bit > 0 reads variant A (bit 0), < 0 variant B (bit 1). For
 * an innocent trace ID, whose code word is a keyed PRF independent of the leak, each read bit
 * agrees with probability ½, so its agreements a out of n follow Bin(n, ½) and
 * p = P[Bin(n, ½) ≥ a] is exact.
 *
 * Windows: the used segments are cut into up to `chunks` equal runs and every contiguous run of
 * chunks is scored as well as the whole (W = c(c+1)/2 windows; 36 for 8 chunks), so a splice of
 * two sessions is named by the half that belongs to one of them. The union bound over N
 * candidates and W windows gives P(any innocent accused) ≤ N·W·p; the best candidate is named
 * only when N·W·p ≤ `falseAccusationBound` (10⁻⁶), otherwise the verdict is "no match".
 */
import type { SoftBit } from './segment-soft-bits.js';

export const FALSE_ACCUSATION_BOUND = 1e-6;
export const DEFAULT_WINDOW_CHUNKS = 8;

export interface CandidateScore {
  traceId: string;
  /** Agreements and read bits in the candidate's best window. */
  agreements: number;
  bits: number;
  /** P[Bin(bits, ½) ≥ agreements] in that window. */
  pValue: number;
  /** log10 of pValue (stays finite when pValue underflows). */
  log10P: number;
  /** The best window, as segment indexes [first, last]. */
  window: { firstSegment: number; lastSegment: number };
  /** Σ soft·(±1) over the window, + where the candidate's variant was read. */
  softScore: number;
}

export interface ScoreResult {
  verdict: 'match' | 'no-match';
  /** The named trace ID (verdict "match"), else null. */
  traceId: string | null;
  candidatesScored: number;
  windowsTested: number;
  /** Largest p-value that may be accused: bound / (N·W). */
  maxPValue: number;
  /** Agreements needed over all read bits for that p (null when even n of n is not enough). */
  agreementsNeeded: number | null;
  segmentsUsed: number;
  bitsRead: number;
  /** The best candidates, best first (at most `top`). */
  top: CandidateScore[];
}

const logFactorials: number[] = [0];
function logFactorial(n: number): number {
  for (let k = logFactorials.length; k <= n; k++) logFactorials[k] = logFactorials[k - 1]! + Math.log(k);
  return logFactorials[n]!;
}

/** ln P[Bin(n, ½) ≥ a], exact (log-sum-exp over the tail). */
export function logBinomialTail(n: number, a: number): number {
  if (a <= 0) return 0;
  if (a > n) return -Infinity;
  const terms: number[] = [];
  for (let k = a; k <= n; k++) terms.push(logFactorial(n) - logFactorial(k) - logFactorial(n - k));
  const max = Math.max(...terms);
  let sum = 0;
  for (const t of terms) sum += Math.exp(t - max);
  return max + Math.log(sum) - n * Math.LN2;
}

/** The smallest a with P[Bin(n, ½) ≥ a] ≤ maxP, or null when none exists. */
export function agreementsNeeded(n: number, maxP: number): number | null {
  const target = Math.log(maxP);
  for (let a = 0; a <= n; a++) if (logBinomialTail(n, a) <= target) return a;
  return null;
}

/** The windows scored: [start, end) ranges over the list of read bits. */
export function scoringWindows(readBits: number, chunks = DEFAULT_WINDOW_CHUNKS): [number, number][] {
  if (readBits <= 0) return [];
  const c = Math.max(1, Math.min(chunks, Math.floor(readBits / 8)));
  const edges = Array.from({ length: c + 1 }, (_, i) => Math.round((i * readBits) / c));
  const windows: [number, number][] = [];
  for (let i = 0; i < c; i++) for (let j = i + 1; j <= c; j++) windows.push([edges[i]!, edges[j]!]);
  return windows;
}

export interface ScoreOptions {
  falseAccusationBound?: number;
  windowChunks?: number;
  top?: number;
}

/**
 * Scores `candidates` (trace IDs with their code words: element k is the bit of segment k) against
 * the soft bits. `codeWord(traceId)` must cover every segment index in `softBits`.
 */
export function scoreCandidates(
  softBits: readonly SoftBit[],
  candidates: readonly string[],
  codeWord: (traceId: string) => Uint8Array,
  options: ScoreOptions = {},
): ScoreResult {
  const bound = options.falseAccusationBound ?? FALSE_ACCUSATION_BOUND;
  const read = softBits.filter((s) => !s.erased);
  const windows = scoringWindows(read.length, options.windowChunks);
  const N = Math.max(1, candidates.length);
  const W = Math.max(1, windows.length);
  const maxPValue = bound / (N * W);
  const scores: CandidateScore[] = [];
  for (const traceId of candidates) {
    const word = codeWord(traceId);
    // Prefix sums of agreements and soft agreement over the read bits.
    const agree = new Int32Array(read.length + 1);
    const soft = new Float64Array(read.length + 1);
    read.forEach((s, i) => {
      const sign = word[s.index] === 0 ? 1 : -1;
      agree[i + 1] = agree[i]! + (s.soft * sign > 0 ? 1 : 0);
      soft[i + 1] = soft[i]! + s.soft * sign;
    });
    let best: CandidateScore | undefined;
    for (const [start, end] of windows) {
      const bits = end - start;
      const agreements = agree[end]! - agree[start]!;
      const lnP = logBinomialTail(bits, agreements);
      const log10P = lnP / Math.LN10;
      if (!best || log10P < best.log10P) {
        best = {
          traceId,
          agreements,
          bits,
          pValue: Math.exp(lnP),
          log10P,
          window: { firstSegment: read[start]!.index, lastSegment: read[end - 1]!.index },
          softScore: soft[end]! - soft[start]!,
        };
      }
    }
    if (best) scores.push(best);
  }
  scores.sort((x, y) => x.log10P - y.log10P || y.softScore - x.softScore);
  const winner = scores[0];
  const match = winner !== undefined && winner.log10P <= Math.log10(maxPValue);
  return {
    verdict: match ? 'match' : 'no-match',
    traceId: match ? winner.traceId : null,
    candidatesScored: candidates.length,
    windowsTested: W,
    maxPValue,
    agreementsNeeded: agreementsNeeded(read.length, maxPValue),
    segmentsUsed: softBits.length,
    bitsRead: read.length,
    top: scores.slice(0, options.top ?? 5),
  };
}
