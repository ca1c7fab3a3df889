/**
 * What the offline player's MSE feeder (`mse-feeder.ts`) does next, decided from the fragment
 * index, the set of fragments it has appended and the playback position alone — pure, so the
 * policy is unit-tested without a browser (test/offline-buffer-planner.test.ts). The feeder only
 * carries the plans out.
 *
 * Memory stays bounded for long videos: the SourceBuffer holds at most `maxBufferBehind` seconds
 * before the position and about `maxBufferAhead` after it (plus whatever lies within
 * `2 × maxBufferAhead` of it, left from earlier seeks); everything else is removed.
 */
import { fragmentIndexAt, type Fragment } from './fragment-index.js';

/** Seconds to keep buffered around the playback position (data, not code: STYLE §9). */
export interface BufferPolicy {
  /** Append until this many seconds after the position are buffered. */
  readonly maxBufferAhead: number;
  /** Remove fragments that ended more than this many seconds before the position. */
  readonly maxBufferBehind: number;
}

export const DEFAULT_BUFFER_POLICY: BufferPolicy = { maxBufferAhead: 30, maxBufferBehind: 30 };

export type AppendPlan =
  /** Decrypt and append this fragment next. */
  | { readonly kind: 'append'; readonly index: number }
  /** Enough is buffered ahead of the position. */
  | { readonly kind: 'full' }
  /** The fragment needed is not indexed yet: wait for the index to grow. */
  | { readonly kind: 'wait-index' }
  /** Everything from the position to the end is appended: the stream can be ended. */
  | { readonly kind: 'end' };

export function planAppend(
  fragments: readonly Fragment[],
  appended: ReadonlySet<number>,
  position: number,
  indexComplete: boolean,
  policy: BufferPolicy = DEFAULT_BUFFER_POLICY,
): AppendPlan {
  if (fragments.length === 0) return indexComplete ? { kind: 'end' } : { kind: 'wait-index' };
  const last = fragments[fragments.length - 1]!;
  if (!indexComplete && position >= last.endTime) return { kind: 'wait-index' };
  for (let i = fragmentIndexAt(fragments, position); i < fragments.length; i++) {
    const fragment = fragments[i]!;
    if (fragment.startTime >= position + policy.maxBufferAhead) return { kind: 'full' };
    if (!appended.has(i)) return { kind: 'append', index: i };
  }
  return indexComplete ? { kind: 'end' } : { kind: 'wait-index' };
}

/** A `SourceBuffer.remove(start, end)` and the fragments it takes out. */
export interface Eviction {
  readonly start: number;
  readonly end: number;
  readonly indexes: readonly number[];
}

/**
 * Removals that bring the buffer back within the policy: one range before the position (whole
 * fragments only, so nothing the position still needs goes), and one far after it.
 */
export function planEvictions(
  fragments: readonly Fragment[],
  appended: ReadonlySet<number>,
  position: number,
  policy: BufferPolicy = DEFAULT_BUFFER_POLICY,
): Eviction[] {
  const out: Eviction[] = [];
  if (fragments.length === 0 || appended.size === 0) return out;
  const keepFrom = fragmentIndexAt(fragments, position - policy.maxBufferBehind);
  const before = [...appended].filter((i) => i < keepFrom);
  if (before.length > 0) {
    // Every fragment before the one holding `position - maxBufferBehind`, up to that one's start
    // (its earliest sample stays).
    out.push({ start: 0, end: fragments[keepFrom]!.startTime, indexes: before.sort((a, b) => a - b) });
  }
  const farFrom = position + 2 * policy.maxBufferAhead;
  const after = [...appended].filter((i) => fragments[i]!.startTime >= farFrom).sort((a, b) => a - b);
  if (after.length > 0) {
    const first = fragments[after[0]!]!;
    const end = Math.max(...after.map((i) => fragments[i]!.endTime));
    // From the end of the fragment before it (its samples may reach past the next start).
    const previous = after[0]! > 0 ? fragments[after[0]! - 1]!.endTime : first.startTime;
    out.push({ start: Math.max(first.startTime, previous), end: end + 1, indexes: after });
  }
  return out;
}
