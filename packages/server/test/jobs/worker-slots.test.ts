import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { JOB_TYPES } from '../../src/jobs/job-types.js';
import { WORKER_SLOTS } from '../../src/jobs/worker-slots.js';

describe('worker slots', () => {
  it('give every job type exactly one slot, with a positive concurrency and a unique name', () => {
    const slotted = WORKER_SLOTS.flatMap((slot) => slot.types);
    assert.deepEqual([...slotted].sort(), [...JOB_TYPES].sort(), 'each job type once');
    assert.equal(new Set(WORKER_SLOTS.map((s) => s.name)).size, WORKER_SLOTS.length);
    for (const slot of WORKER_SLOTS)
      assert.ok(Number.isInteger(slot.concurrency) && slot.concurrency >= 1, slot.name);
  });
});
