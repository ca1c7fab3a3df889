/**
 * The offline player's buffering policy (src/offline/buffer-planner.ts): what to append next
 * after playing on, after a seek, while the index is still growing, and what to remove so the
 * SourceBuffer stays within `maxBufferBehind` / `maxBufferAhead` of the position.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { planAppend, planEvictions, type BufferPolicy } from '../src/offline/buffer-planner.js';
import type { Fragment } from '../src/offline/fragment-index.js';

/** `n` fragments of `seconds` each, 1000 bytes apiece. */
function fragments(n: number, seconds = 2): Fragment[] {
  return Array.from({ length: n }, (_, index) => ({
    index,
    offset: 1000 + index * 1000,
    size: 1000,
    startTime: index * seconds,
    endTime: (index + 1) * seconds,
  }));
}

const POLICY: BufferPolicy = { maxBufferAhead: 10, maxBufferBehind: 6 };
const set = (...indexes: number[]) => new Set(indexes);
const range = (from: number, to: number) => set(...Array.from({ length: to - from + 1 }, (_, i) => from + i));

describe('planAppend', () => {
  const all = fragments(50); // 100 s

  test('from the start: the first fragment, then the next missing one', () => {
    assert.deepEqual(planAppend(all, set(), 0, true, POLICY), { kind: 'append', index: 0 });
    assert.deepEqual(planAppend(all, set(0, 1), 0.5, true, POLICY), { kind: 'append', index: 2 });
  });

  test('full once maxBufferAhead seconds after the position are appended', () => {
    // Position 3 s: fragments up to the one starting before 13 s (index 6) are wanted.
    assert.deepEqual(planAppend(all, range(0, 5), 3, true, POLICY), { kind: 'append', index: 6 });
    assert.deepEqual(planAppend(all, range(0, 6), 3, true, POLICY), { kind: 'full' });
  });

  test('a seek starts from the fragment holding the new position, whatever was appended before', () => {
    assert.deepEqual(planAppend(all, range(0, 6), 61.3, true, POLICY), { kind: 'append', index: 30 });
    assert.deepEqual(planAppend(all, set(...range(0, 6), 30), 61.3, true, POLICY), {
      kind: 'append',
      index: 31,
    });
    // Back into a region that is still buffered, then on from where that region ends.
    assert.deepEqual(planAppend(all, set(...range(0, 6), 30, 31), 4, true, POLICY), { kind: 'full' });
    assert.deepEqual(planAppend(all, set(...range(0, 6), 30, 31), 9, true, POLICY), {
      kind: 'append',
      index: 7,
    });
  });

  test('the end: everything from the position on is appended', () => {
    assert.deepEqual(planAppend(all, range(45, 49), 95, true, POLICY), { kind: 'end' });
    assert.deepEqual(planAppend(all, range(46, 49), 95, true, POLICY), { kind: 'end' });
    assert.deepEqual(planAppend(all, range(47, 49), 93, true, POLICY), { kind: 'append', index: 46 });
  });

  test('while the index grows: wait when the position is past what is indexed', () => {
    const some = fragments(5); // 0–10 s indexed so far
    assert.deepEqual(planAppend([], set(), 0, false, POLICY), { kind: 'wait-index' });
    assert.deepEqual(planAppend([], set(), 0, true, POLICY), { kind: 'end' });
    assert.deepEqual(planAppend(some, set(), 30, false, POLICY), { kind: 'wait-index' });
    assert.deepEqual(planAppend(some, range(0, 4), 2, false, POLICY), { kind: 'wait-index' });
    assert.deepEqual(planAppend(some, range(0, 3), 2, false, POLICY), { kind: 'append', index: 4 });
  });
});

describe('planEvictions', () => {
  const all = fragments(50);

  test('nothing while everything is within the policy', () => {
    assert.deepEqual(planEvictions(all, set(), 50, POLICY), []);
    assert.deepEqual(planEvictions(all, range(0, 6), 5, POLICY), []);
    assert.deepEqual(planEvictions(all, range(22, 30), 50, POLICY), []);
  });

  test('behind: whole fragments before the one holding position − maxBufferBehind', () => {
    // Position 50 s: keep from 44 s (fragment 22); remove 18–21 up to 44 s.
    assert.deepEqual(planEvictions(all, range(18, 30), 50, POLICY), [
      { start: 0, end: 44, indexes: [18, 19, 20, 21] },
    ]);
    // Position 45 s: keep from 39 s, i.e. fragment 19 (38–40 s) stays whole.
    assert.deepEqual(planEvictions(all, range(18, 30), 45, POLICY), [{ start: 0, end: 38, indexes: [18] }]);
  });

  test('far ahead (more than twice maxBufferAhead): islands left by earlier seeks', () => {
    // Position 10 s after a seek back from 80 s: fragments 40–44 (80–90 s) lie beyond 30 s.
    const evictions = planEvictions(all, set(...range(5, 10), ...range(40, 44)), 10, POLICY);
    assert.deepEqual(evictions, [{ start: 80, end: 91, indexes: [40, 41, 42, 43, 44] }]);
    // Within 2 × maxBufferAhead they stay.
    assert.deepEqual(planEvictions(all, set(...range(5, 10), 14), 10, POLICY), []);
  });

  test('a long video played through stays bounded', () => {
    const long = fragments(1800); // one hour
    const appended = new Set<number>();
    let most = 0;
    for (let position = 0; position < 3590; position += 0.5) {
      for (const eviction of planEvictions(long, appended, position, POLICY)) {
        for (const i of eviction.indexes) appended.delete(i);
      }
      for (;;) {
        const plan = planAppend(long, appended, position, true, POLICY);
        if (plan.kind !== 'append') break;
        appended.add(plan.index);
      }
      most = Math.max(most, appended.size);
    }
    // (6 s behind + 10 s ahead) / 2 s, plus the fragments at both edges.
    assert.ok(most <= 10, `at most ${most} fragments buffered`);
  });
});
